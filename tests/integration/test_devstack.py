"""`make up` / `make down` (retail_sync_sandbox.devstack), run as a real process on free ports:

- the whole stack comes up on the ports it was given (UI, execution API, Odoo, mail, log servers), its
  connections are listed by the REST API (what Admin → Connections shows) and their Test succeeds;
- a second `up` on the same folder says it is already running; one on another folder with the same
  ports names the busy port and variable and starts nothing;
- SIGTERM to the runner stops every process it started;
- a busy port stops `up` before anything is written; a bad port value, or one port for two services, is
  refused;
- `down` stops a runner and its children, and also children left behind by a runner that was killed.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from retail_sync_sandbox import devstack

READY_WAIT = 300  # seconds; the machine is shared, a cold `airflow db migrate` alone can take a minute


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def stack_env(folder: Path, ports: list[int] | None = None) -> dict[str, str]:
    ports = ports or free_ports(len(devstack.PORTS))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(dict(zip(devstack.PORTS, map(str, ports), strict=True)))
    env.update(DEVSTACK_DIR=str(folder), DEVSTACK_READY_TIMEOUT=str(READY_WAIT))
    return env


def run_up(env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retail_sync_sandbox.devstack", "up"], env=env,
                          capture_output=True, text=True, timeout=timeout)


class Runner:
    """`devstack up` in a subprocess, its console read line by line on a thread."""

    def __init__(self, env: dict[str, str]):
        self.process = subprocess.Popen([sys.executable, "-m", "retail_sync_sandbox.devstack", "up"], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if text in line:
                return
        raise AssertionError(f"no {text!r} from make up; its console:\n{''.join(self.seen)}")

    def console(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)


@pytest.fixture
def stack(tmp_path):
    env = stack_env(tmp_path / "stack")
    runner = Runner(env)
    yield runner, env
    if runner.process.poll() is None:  # a failed test must not leave a stack running
        everything = [psutil.Process(runner.process.pid), *psutil.Process(runner.process.pid).children(True)]
        for process in everything:
            process.kill()
        psutil.wait_procs(everything, timeout=10)


def admin_token(base: str, airflow_home: Path) -> str:
    password = json.loads((airflow_home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]
    answer = httpx.post(f"{base}/auth/token", json={"username": "admin", "password": password}, timeout=30)
    answer.raise_for_status()
    return answer.json()["access_token"]


def wait_for_a_successful_run(runs_url: str, headers: dict, folder: Path) -> None:
    deadline = time.monotonic() + 240
    states: list[str] = []
    while time.monotonic() < deadline and "success" not in states:
        time.sleep(2)
        try:  # on a loaded machine SQLite keeps the API server waiting now and then
            answer = httpx.get(runs_url, headers=headers, timeout=60)
        except httpx.TimeoutException:
            continue
        states = [run["state"] for run in answer.json().get("dag_runs", [])] if answer.status_code == 200 else []
        assert "failed" not in states, (states, (folder / "logs" / "scheduler.log").read_text()[-3000:])
    assert "success" in states, (runs_url, states)


@pytest.mark.long
def test_up_serves_everything_on_the_given_ports_and_sigterm_stops_every_child(stack, tmp_path):
    runner, env = stack
    folder = Path(env["DEVSTACK_DIR"])
    api_port = env["AIRFLOW__API__PORT"]
    runner.wait_for("make up: ready", READY_WAIT + 60)
    base = f"http://127.0.0.1:{api_port}"
    console = runner.console()
    assert f"http://localhost:{api_port}" in console and "localhost:8080" not in console

    assert httpx.get(f"{base}/api/v2/monitor/health", timeout=30).status_code == 200
    headers = {"Authorization": f"Bearer {admin_token(base, folder / 'airflow')}"}
    listed = httpx.get(f"{base}/api/v2/connections", headers=headers, timeout=30).json()["connections"]
    by_id = {c["connection_id"]: c for c in listed}
    assert set(by_id) == {"odoo_default", "smtp_default", "shopify_eu", "woo_uk"}
    assert by_id["shopify_eu"]["host"] == f"http://127.0.0.1:{env['SHOPIFY_SANDBOX_PORT']}"
    assert by_id["odoo_default"]["host"] == f"http://127.0.0.1:{env['ODOO_SANDBOX_PORT']}"
    assert by_id["smtp_default"]["port"] == int(env["MAIL_SINK_PORT"])
    for conn in by_id.values():  # what the Test button sends: the listed fields, the password masked
        tested = httpx.post(f"{base}/api/v2/connections/test", json=conn, headers=headers, timeout=60).json()
        assert tested["status"] is True, tested

    # The tasks reach the execution API on the same port: the scheduled catalog run (nothing landed yet)
    # succeeds, and inventory_snapshot, order_pull and fulfillment_push reach Odoo and both storefronts through
    # the stored connections.
    for dag_id in ("catalog_publish", "inventory_snapshot", "order_pull", "fulfillment_push"):
        wait_for_a_successful_run(f"{base}/api/v2/dags/{dag_id}/dagRuns", headers, folder)

    # The sample feed and the command that lands it are printed.
    sample = folder / "retail_sync" / "samples" / "catalog-sample.csv"
    assert f"cp {sample} {folder / 'retail_sync' / 'landing' / 'catalog'}/" in console
    assert sample.read_text().count("\n") == 41
    record = json.loads((folder / "devstack.pid").read_text())
    assert set(record["children"]) == {"odoo", "shopify-eu", "woo-uk", "api-server", "scheduler", "dag-processor",
                                       "triggerer"}
    runner_process = psutil.Process(runner.process.pid)
    started = [runner_process, *runner_process.children(recursive=True)]
    assert all(p.is_running() for p in started)

    # A second `up` on the same folder, and one elsewhere on the same ports, start nothing.
    again = run_up(env)
    assert again.returncode == 1 and f"already running (pid {runner.process.pid})" in again.stderr
    elsewhere = run_up({**env, "DEVSTACK_DIR": str(tmp_path / "other")})
    assert elsewhere.returncode == 1
    assert f"port {api_port} (Airflow UI and API) is in use" in elsewhere.stderr
    assert "AIRFLOW__API__PORT" in elsewhere.stderr and not (tmp_path / "other" / "airflow").exists()

    runner.process.send_signal(signal.SIGTERM)
    assert runner.process.wait(timeout=120) == 0
    gone, alive = psutil.wait_procs(started, timeout=10)
    assert alive == [], [p.pid for p in alive]
    assert not (folder / "devstack.pid").exists()
    assert devstack.busy_ports({k: int(env[k]) for k in devstack.PORTS}) == []


def test_a_busy_port_stops_up_before_anything_starts(tmp_path):
    env = stack_env(tmp_path / "stack")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", int(env["ODOO_SANDBOX_PORT"])))
        taken.listen()
        done = run_up(env)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "make up: nothing was started:",
        f"  port {env['ODOO_SANDBOX_PORT']} (Odoo sandbox) is in use: free it or set ODOO_SANDBOX_PORT=<another port>"]
    assert not (tmp_path / "stack" / "devstack.pid").exists() and not (tmp_path / "stack" / "logs").exists()


def test_a_bad_port_value_is_refused(tmp_path):
    done = run_up({**stack_env(tmp_path / "stack"), "MAIL_SINK_PORT": "80a"})
    assert done.returncode == 1 and "MAIL_SINK_PORT='80a' is not a port number" in done.stderr


def test_two_services_on_one_port_are_refused(tmp_path):
    env = stack_env(tmp_path / "stack")
    done = run_up({**env, "MAIL_SINK_PORT": env["ODOO_SANDBOX_PORT"]})
    assert done.returncode == 1 and "two services were given the same port" in done.stderr
    assert not (tmp_path / "stack" / "devstack.pid").exists()


def spawn_tree() -> tuple[subprocess.Popen, psutil.Process]:
    """A process that starts a child of its own and sleeps: a stand-in for a component."""
    code = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)']);" \
           " time.sleep(300)"
    parent = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    deadline = time.monotonic() + 30
    while not psutil.Process(parent.pid).children() and time.monotonic() < deadline:
        time.sleep(0.1)
    return parent, psutil.Process(parent.pid).children()[0]


@pytest.mark.parametrize("runner_state", ["running", "killed"])
def test_down_stops_what_the_pid_file_names(tmp_path, runner_state):
    folder = tmp_path / "stack"
    folder.mkdir()
    runner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    component, grandchild = spawn_tree()
    devstack.PidFile(folder).write(runner.pid, {"scheduler": component.pid})
    if runner_state == "killed":
        runner.kill()
        runner.wait()
    done = subprocess.run([sys.executable, "-m", "retail_sync_sandbox.devstack", "down"],
                          env={**os.environ, "DEVSTACK_DIR": str(folder)}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "make down: stopped" in done.stdout
    assert runner.wait(timeout=10) is not None and component.wait(timeout=10) is not None
    assert psutil.wait_procs([grandchild], timeout=10)[1] == []
    assert not (folder / "devstack.pid").exists()


def test_down_never_signals_a_pid_reused_by_another_process(tmp_path):
    folder = tmp_path / "stack"
    folder.mkdir()
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        started = psutil.Process(bystander.pid).create_time()
        (folder / "devstack.pid").write_text(json.dumps({"runner": [bystander.pid, started - 50], "children": {}}))
        done = subprocess.run([sys.executable, "-m", "retail_sync_sandbox.devstack", "down"],
                              env={**os.environ, "DEVSTACK_DIR": str(folder)}, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0 and bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
