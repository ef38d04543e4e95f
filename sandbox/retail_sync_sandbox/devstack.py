"""`make up` / `make down`: a development Airflow (SQLite, LocalExecutor) with the Odoo sandbox, two live
storefront sandboxes (Shopify shopify-eu, WooCommerce woo-uk: orders keep arriving and changing) and a mail
sink, all on loopback.

`python -m retail_sync_sandbox.devstack up` checks every port first and stops with a message naming the
variable to change if one is taken, before anything starts. It then starts the sandboxes, the mail
sink, and Airflow's scheduler, dag-processor, triggerer and API server (each in its own process group,
output in `<stack>/logs/`), stores the `odoo_default`, `smtp_default`, `shopify_eu` and `woo_uk` connections in the metadata DB
(so they are listed in Admin → Connections and their Test button works), writes a small sample feed and
prints the command that drops it into the landing folder. The pids go to `<stack>/devstack.pid`;
`python -m retail_sync_sandbox.devstack down` (or SIGTERM/Ctrl-C to the runner) stops everything it
started.

Ports (environment variables, the defaults in brackets): AIRFLOW__API__PORT [8080] — the UI, the REST
API and the execution API the tasks call; ODOO_SANDBOX_PORT [8069]; MAIL_SINK_PORT [8025];
SHOPIFY_SANDBOX_PORT [8081]; WOO_SANDBOX_PORT [8083];
AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT [8793] and AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT [8794]
(the scheduler's and triggerer's log servers). DEVSTACK_DIR [.devstack] holds the state; secrets are
generated once into `<stack>/secrets.env` (mode 600, not in git) and reused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[2]
# variable → (default port, what listens on it)
PORTS = {
    "AIRFLOW__API__PORT": (8080, "Airflow UI and API"),
    "ODOO_SANDBOX_PORT": (8069, "Odoo sandbox"),
    "MAIL_SINK_PORT": (8025, "mail sink (SMTP)"),
    "SHOPIFY_SANDBOX_PORT": (8081, "Shopify sandbox"),
    "WOO_SANDBOX_PORT": (8083, "WooCommerce sandbox"),
    "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": (8793, "scheduler's task log server"),
    "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": (8794, "triggerer's log server"),
}
# Started in this order once the API server answers (the tasks the scheduler starts call its execution API),
# stopped in the reverse one.
AIRFLOW_COMPONENTS = ["scheduler", "dag-processor", "triggerer"]
READY_TIMEOUT = float(os.environ.get("DEVSTACK_READY_TIMEOUT", "300"))
STOP_TIMEOUT = 30.0


class StackError(SystemExit):
    """A reason to stop before (or instead of) starting, printed as one line."""

    def __init__(self, message: str):
        super().__init__(f"make up: {message}")


def stack_dir() -> Path:
    return Path(os.environ.get("DEVSTACK_DIR") or ROOT / ".devstack").resolve()


def read_ports(environ: dict[str, str]) -> dict[str, int]:
    ports = {}
    for variable, (default, _) in PORTS.items():
        raw = environ.get(variable) or str(default)
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise StackError(f"{variable}={raw!r} is not a port number")
        ports[variable] = int(raw)
    if len(set(ports.values())) < len(ports):
        raise StackError(f"two services were given the same port: {ports}")
    return ports


def busy_ports(ports: dict[str, int]) -> list[str]:
    """The ports something already listens on (on loopback or on every interface), one line each."""
    busy = []
    for variable, port in ports.items():
        with socket.socket() as sock:
            # SO_REUSEADDR: a socket left in TIME_WAIT by a previous run is not "busy"; a listener is.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                busy.append(f"port {port} ({PORTS[variable][1]}) is in use: free it or set {variable}=<another port>")
    return busy


def load_secrets(stack: Path) -> dict[str, str]:
    from cryptography.fernet import Fernet

    path = stack / "secrets.env"
    values = dict(line.split("=", 1) for line in path.read_text().split()) if path.exists() else {}
    wanted = {"ODOO_SANDBOX_API_KEY": lambda: secrets.token_hex(20),
              "ODOO_SANDBOX_PASSWORD": lambda: secrets.token_urlsafe(16),
              "ODOO_SANDBOX_ADMIN_PASSWORD": lambda: secrets.token_urlsafe(16),
              "SANDBOX_CONTROL_TOKEN": lambda: secrets.token_urlsafe(24),   # the sandboxes' /sandbox/* routes
              "SHOPIFY_SANDBOX_TOKEN": lambda: "shpat_" + secrets.token_hex(16),
              "WOO_SANDBOX_KEY": lambda: "ck_" + secrets.token_hex(16),
              "WOO_SANDBOX_SECRET": lambda: "cs_" + secrets.token_hex(16),
              "AIRFLOW__CORE__FERNET_KEY": lambda: Fernet.generate_key().decode(),
              "AIRFLOW__API_AUTH__JWT_SECRET": lambda: secrets.token_urlsafe(32)}
    if not wanted.keys() <= values.keys():
        values = {name: values.get(name) or make() for name, make in wanted.items()}
        stack.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        path.chmod(0o600)
    return values


def airflow_environment(stack: Path, ports: dict[str, int], creds: dict[str, str]) -> dict[str, str]:
    base_url = f"http://localhost:{ports['AIRFLOW__API__PORT']}"
    return {
        **os.environ, **creds, **{name: str(port) for name, port in ports.items()},
        "AIRFLOW_HOME": str(stack / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"), "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False", "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__AUTH_MANAGER":
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        # The Test button in Admin → Connections is off unless enabled.
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        # One port for everything the API server serves: the UI's links and the tasks' execution API.
        "AIRFLOW__API__HOST": "127.0.0.1", "AIRFLOW__API__BASE_URL": base_url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.1",
        "RETAIL_SYNC_HOME": str(stack / "retail_sync"),
        # inventory_snapshot corrects both storefronts from Odoo's main warehouse; order_pull brings their orders
        # in (the live ones: from the moment the stack starts), fulfillment_push tells them what shipped.
        "RETAIL_SYNC_INVENTORY_CHANNELS": json.dumps(STOREFRONT_MAPPING),
        "RETAIL_SYNC_ORDERS_CHANNELS": ",".join(STOREFRONT_CONN_IDS),
        "RETAIL_SYNC_ORDERS_START_AT": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "RETAIL_SYNC_FULFILLMENT_CHANNELS": json.dumps(STOREFRONT_CONN_IDS),
        # Airflow's components are started as `airflow ...`: the venv's bin must be on PATH.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


STOREFRONTS = {"shopify": ("shopify-eu", "SHOPIFY_SANDBOX_PORT"), "woocommerce": ("woo-uk", "WOO_SANDBOX_PORT")}
STOREFRONT_MAPPING = [{"conn_id": "shopify_eu", "locations": {"WH": "gid://shopify/Location/71000001"},
                       "safety_buffer": 2},
                      {"conn_id": "woo_uk", "locations": {"WH": "store"}}]
STOREFRONT_CONN_IDS = [target["conn_id"] for target in STOREFRONT_MAPPING]
LIVE_ORDERS_PER_SECOND = "0.2"     # the storefronts keep taking (and changing) orders while the stack runs


def connections(ports: dict[str, int], creds: dict[str, str]) -> dict[str, dict]:
    return {
        "shopify_eu": {"conn_type": "shopify", "host": f"http://127.0.0.1:{ports['SHOPIFY_SANDBOX_PORT']}",
                       "password": creds["SHOPIFY_SANDBOX_TOKEN"], "extra": json.dumps({"channel": "shopify-eu"})},
        "woo_uk": {"conn_type": "woocommerce", "host": f"http://127.0.0.1:{ports['WOO_SANDBOX_PORT']}",
                   "login": creds["WOO_SANDBOX_KEY"], "password": creds["WOO_SANDBOX_SECRET"],
                   "extra": json.dumps({"channel": "woo-uk"})},
        "odoo_default": {"conn_type": "odoo", "host": f"http://127.0.0.1:{ports['ODOO_SANDBOX_PORT']}",
                         "login": "retail-sync", "password": creds["ODOO_SANDBOX_API_KEY"],
                         "extra": json.dumps({"database": "odoo"})},
        "smtp_default": {"conn_type": "smtp", "host": "127.0.0.1", "port": ports["MAIL_SINK_PORT"],
                         "extra": json.dumps({"disable_tls": True, "disable_ssl": True, "timeout": 10,
                                              "from_email": "retail-sync@localhost", "retry_limit": 1})},
    }


def store_connections(wanted: dict[str, dict]) -> None:
    """Write the connections into the metadata DB, replacing older ones (ports may have changed).

    AIRFLOW_CONN_* variables would work for the tasks but are not listed in the UI."""
    from airflow.models import Connection
    from airflow.utils.session import create_session

    with create_session() as session:
        for conn_id, fields in wanted.items():
            session.query(Connection).filter(Connection.conn_id == conn_id).delete()
            session.add(Connection(conn_id=conn_id, **fields))


def prepare_odoo_for_orders(ports: dict[str, int], creds: dict[str, str]) -> None:  # once the sandbox is up
    """What an Odoo administrator sets up before the first order pull (taxes at the stores' rates, a pricelist
    per currency, the stores' products), done over RPC as the sandbox's administrator."""
    from retail_sync.odoo.client import OdooClient, OdooConfig

    from .datagen.world import build_world
    from .demo_orders import prepare_odoo

    config = OdooConfig(f"http://127.0.0.1:{ports['ODOO_SANDBOX_PORT']}", "odoo", "admin",
                        creds["ODOO_SANDBOX_ADMIN_PASSWORD"])
    with OdooClient(config) as admin:
        prepare_odoo(admin.call, admin.version, build_world(seed=7))


def write_sample_feed(stack: Path) -> Path:
    from .datagen.catalog import catalog_rows, write_catalog_csv

    return write_catalog_csv(stack / "retail_sync" / "samples" / "catalog-sample.csv", catalog_rows(40, seed=11))


class PidFile:
    """`<stack>/devstack.pid`: the runner and every process it started, with their start times (a pid
    reused by an unrelated process after a crash is never signalled)."""

    def __init__(self, stack: Path):
        self.path = stack / "devstack.pid"

    def read(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def write(self, runner: int, children: dict[str, int]) -> None:
        record = {"runner": identity(runner), "children": {n: identity(p) for n, p in children.items()}}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record))
        tmp.replace(self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def identity(pid: int) -> list:
    return [pid, psutil.Process(pid).create_time()]


def alive(record: list | None) -> psutil.Process | None:
    if not record:
        return None
    try:
        process = psutil.Process(record[0])
        same = abs(process.create_time() - record[1]) < 0.01 and process.status() != psutil.STATUS_ZOMBIE
        return process if same else None
    except psutil.Error:
        return None


def gone(process: psutil.Process) -> bool:
    # A zombie has exited: only its parent's wait() is missing, and that parent may not be us.
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def wait_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until every process has exited; return those still running after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    left = [p for p in processes if not gone(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = [p for p in left if not gone(p)]
    return left


def stop_processes(processes: list[psutil.Process], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM each process with everything under it, wait, then SIGKILL what is left."""
    everything: list[psutil.Process] = []
    for process in processes:
        with contextlib.suppress(psutil.Error):
            everything += [process, *process.children(recursive=True)]
    for process in everything:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    left = wait_gone(everything, timeout)
    for process in left:
        with contextlib.suppress(psutil.Error):
            process.kill()
    wait_gone(left, 5)


class Stack:
    def __init__(self, stack: Path, env: dict[str, str]):
        self.stack, self.env = stack, env
        self.logs = stack / "logs"
        self.children: dict[str, subprocess.Popen] = {}
        self.pidfile = PidFile(stack)
        self.stopping = threading.Event()

    def start(self, name: str, command: list[str]) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / f"{name}.log").open("ab") as log:
            self.children[name] = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                                   stdin=subprocess.DEVNULL, start_new_session=True)
        self.pidfile.write(os.getpid(), {n: p.pid for n, p in self.children.items()})

    def exited(self) -> str | None:
        for name, process in self.children.items():
            if process.poll() is not None:
                return f"{name} exited with code {process.returncode}; see {self.logs / (name + '.log')}"
        return None

    def stop(self) -> None:
        stop_processes([psutil.Process(p.pid) for p in reversed(self.children.values()) if p.poll() is None])
        for process in self.children.values():
            process.wait()
        self.pidfile.remove()


def wait_until_healthy(stack: Stack, url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline and not stack.stopping.is_set():
        if problem := stack.exited():
            raise StackError(problem)
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        stack.stopping.wait(1)
    if not stack.stopping.is_set():
        raise StackError(f"the API server did not answer {url} within {READY_TIMEOUT:.0f} s; see {stack.logs}")


def up() -> int:
    stack_path = stack_dir()
    stack_path.mkdir(parents=True, exist_ok=True)
    pidfile = PidFile(stack_path)
    if runner := alive(pidfile.read().get("runner")):
        raise StackError(f"already running (pid {runner.pid}); `make down` stops it")
    ports = read_ports(dict(os.environ))
    if busy := busy_ports(ports):
        raise StackError("nothing was started:\n  " + "\n  ".join(busy))
    creds = load_secrets(stack_path)
    env = airflow_environment(stack_path, ports, creds)
    stack = Stack(stack_path, env)
    # SIGTERM (make down, a supervisor) stops the stack like Ctrl-C does.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stack.stopping.set())
    pidfile.write(os.getpid(), {})
    from .mail_sink import RunningMailSink

    with contextlib.ExitStack() as cleanup:
        cleanup.callback(stack.stop)
        cleanup.callback(print, "make up: stopping", flush=True)
        return run(stack, ports, creds, cleanup.enter_context(RunningMailSink(stack_path / "mail",
                                                                               port=ports["MAIL_SINK_PORT"])))


def run(stack: Stack, ports: dict[str, int], creds: dict[str, str], mail) -> int:
    """Start everything, print where it is, and wait for a stop signal or a component's exit."""
    stack_path, env = stack.stack, stack.env
    stack.start("odoo", [sys.executable, "-m", "retail_sync_sandbox", "odoo",
                         "--port", str(ports["ODOO_SANDBOX_PORT"]), "--version", env.get("ODOO_VERSION", "17"),
                         "--db", f"sqlite:///{stack_path}/odoo.sqlite"])
    for platform, (store, port) in STOREFRONTS.items():
        stack.start(store, [sys.executable, "-m", "retail_sync_sandbox", platform, "--store", store,
                            "--port", str(ports[port]), "--live-rate", LIVE_ORDERS_PER_SECOND,
                            "--db", f"sqlite:///{stack_path}/{store}.sqlite"])
    airflow = str(Path(sys.executable).parent / "airflow")
    for step in (["db", "migrate"], ["pools", "import", str(ROOT / "config" / "pools.json")]):
        if stack.stopping.is_set():
            return 0
        done = subprocess.run([airflow, *step], env=env, stdin=subprocess.DEVNULL, capture_output=True)
        if done.returncode:
            raise StackError(f"`airflow {' '.join(step)}` failed:\n{done.stderr.decode()[-2000:]}")
    os.environ.update(env)  # this process's Airflow (for the connections) reads the same settings
    store_connections(connections(ports, creds))
    # aiosmtpd logs every SMTP connection at INFO; once Airflow has set up logging, keep the console quiet.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sample = write_sample_feed(stack_path)
    wait_until_healthy(stack, f"http://127.0.0.1:{ports['ODOO_SANDBOX_PORT']}/sandbox/health")
    prepare_odoo_for_orders(ports, creds)
    stack.start("api-server", [airflow, "api-server"])
    wait_until_healthy(stack, f"http://127.0.0.1:{ports['AIRFLOW__API__PORT']}/api/v2/monitor/health")
    if stack.stopping.is_set():
        return 0
    for name in AIRFLOW_COMPONENTS:
        stack.start(name, [airflow, name])
    base_url = env["AIRFLOW__API__BASE_URL"]
    landing = stack_path / "retail_sync" / "landing" / "catalog"
    landing.mkdir(parents=True, exist_ok=True)
    print(f"""make up: ready
  Airflow UI      {base_url}  (user admin, password in {stack_path / 'airflow'
                                                     / 'simple_auth_manager_passwords.json.generated'})
  Odoo sandbox    http://127.0.0.1:{ports['ODOO_SANDBOX_PORT']}  (API key, /sandbox/ control token in {stack_path / 'secrets.env'})
  mail sink       127.0.0.1:{ports['MAIL_SINK_PORT']}  (messages as .eml in {stack_path / 'mail'})
  storefronts     Shopify shopify-eu http://127.0.0.1:{ports['SHOPIFY_SANDBOX_PORT']}, WooCommerce woo-uk http://127.0.0.1:{ports['WOO_SANDBOX_PORT']}
                  (live: new and changed orders all the time: order_pull brings them into Odoo every minute,
                  fulfillment_push tells them what shipped, inventory_snapshot corrects their stock hourly)
  connections     odoo_default, smtp_default, shopify_eu, woo_uk (Admin → Connections; Test works)
  logs            {stack.logs}
  first run       cp {sample} {landing}/
                  then trigger catalog_publish in the UI (or wait for its 15-minute schedule)
  stop            make down (or Ctrl-C)""", flush=True)
    while not stack.stopping.wait(1):
        if problem := stack.exited():
            raise StackError(problem)
    return 0


def down() -> int:
    stack_path = stack_dir()
    pidfile = PidFile(stack_path)
    record = pidfile.read()
    if not record:
        print(f"make down: nothing is running (no {pidfile.path})")
        return 0
    if runner := alive(record.get("runner")):
        runner.terminate()  # the runner stops its children itself
        wait_gone([runner], STOP_TIMEOUT + 15)
    # Whatever is still there (the runner was killed, or did not finish): stop it here.
    leftovers = [p for p in [alive(record.get("runner")), *map(alive, record.get("children", {}).values())] if p]
    stop_processes(leftovers)
    pidfile.remove()
    print("make down: stopped")
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "up"
    if command not in ("up", "down"):
        raise SystemExit("usage: python -m retail_sync_sandbox.devstack [up|down]")
    return up() if command == "up" else down()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
