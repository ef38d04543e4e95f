"""Order latency under the real scheduler (issue 11): channel `created_at` → the sale order existing in Odoo,
with the order_pull DAG on its 1-minute schedule in a real Airflow (api-server, scheduler and dag-processor
processes, LocalExecutor, SQLite metadata DB in a throwaway AIRFLOW_HOME), while three live-mode storefront
sandboxes (shopify-eu, shopify-us, woo-uk; `python -m retail_sync_sandbox <platform> --live-rate R`) take
about BENCH_LATENCY_ORDERS_PER_MIN (default 30) new orders a minute between them for BENCH_LATENCY_MINUTES
(default 10), into the Odoo sandbox (its own process, BENCH_ODOO_LATENCY_MS a call, default 50 ms).

Airflow settings besides the throwaway home: `[scheduler] scheduler_idle_sleep_time = 0.1` (Airflow 3.3
waits about 0.9 s per task without it), LocalExecutor with parallelism 8, the repository's pools
(`odoo_realtime`: 4 slots), a DAGs folder holding only order_pull.py (so nothing else is parsed or
scheduled), DAGs unpaused at creation, connections as AIRFLOW_CONN_* variables, a loopback mail sink
for the alerts.

A live store's tick creates an order or moves an open one along (captured, refunded, cancelled); about 45 %
of ticks create orders, so each store ticks at orders/min / 60 / 3 / 0.45 a second (the figure printed is the
orders actually taken). The stores
start once the scheduler has made the DAG's first run; measured are the orders created from the moment all
three are up, for BENCH_LATENCY_MINUTES (the world's few historical ones, scale 0.01, are a backlog for the
first run, not a latency). After the window the bench waits up to BENCH_LATENCY_GRACE_S (default 180) for the last
orders to land; an order still missing then is reported as missing, not as a latency.

Latency per order is Odoo's `create_date` of the sale order (client_order_ref = the channel's order name) minus
the channel order's `created_at` (read back through the connectors); the p50/p95/max the pulls themselves
recorded in the state store (`latency_*_seconds` run metrics) are reported beside it.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa

from .order_backlog import (
    API_KEY,
    ODOO_ENV,
    ODOO_VERSION,
    SEED,
    SHOP_TOKEN,
    STORE_ENV,
    STORES,
    WOO_KEY,
    WOO_SECRET,
    connector,
    odoo_client,
)
from .sandbox_process import SandboxProcess, free_port

ROOT = Path(__file__).resolve().parents[1]
MINUTES = float(os.environ.get("BENCH_LATENCY_MINUTES", "10"))
ORDERS_PER_MIN = float(os.environ.get("BENCH_LATENCY_ORDERS_PER_MIN", "30"))
LATENCY_MS = float(os.environ.get("BENCH_ODOO_LATENCY_MS", "50"))
GRACE_S = float(os.environ.get("BENCH_LATENCY_GRACE_S", "180"))
SCALE = 0.01                 # the stores' historical orders: 10 each, drained by the first run
CREATING_SHARE = 0.45        # share of a live store's ticks that create an order (live.py updates open ones 40 % of
                             # the time; 0.6 gave 21.5 orders/min instead of 30 in a 2-minute trial)


def prepare_odoo(url: str) -> None:
    """The demo Odoo ready for the stores' orders (in a child process; the world's catalog is the live one's)."""
    from retail_sync_sandbox.datagen.world import build_world
    from retail_sync_sandbox.demo_orders import prepare_for_orders
    from retail_sync_sandbox.odoo.app import OdooSandbox
    from retail_sync_sandbox.odoo.seed import SeedCredentials

    sandbox = OdooSandbox(int(ODOO_VERSION), db_url=url, credentials=SeedCredentials(
        "bench", integration_password="bench", integration_api_key=API_KEY))
    prepare_for_orders(sandbox, build_world(SEED, SCALE))
    for db in sandbox.databases.values():
        db.engine.dispose()


def airflow_env(home: Path, dags: Path, api_port: int, odoo_url: str, stores: dict[str, SandboxProcess],
                mail) -> dict[str, str]:
    from cryptography.fernet import Fernet

    base_url = f"http://127.0.0.1:{api_port}"
    conns = {f"AIRFLOW_CONN_{channel.replace('-', '_').upper()}": json.dumps(
        {"conn_type": "shopify", "host": server.url, "password": SHOP_TOKEN, "extra": {"channel": channel}}
        if STORES[channel] == "shopify" else
        {"conn_type": "woocommerce", "host": server.url, "login": WOO_KEY, "password": WOO_SECRET,
         "extra": {"channel": channel}}) for channel, server in stores.items()}
    return {
        **os.environ, **conns,
        "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor", "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__API__HOST": "127.0.0.1", "AIRFLOW__API__PORT": str(api_port), "AIRFLOW__API__BASE_URL": base_url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.1",
        "AIRFLOW_CONN_ODOO_DEFAULT": json.dumps({"conn_type": "odoo", "host": odoo_url, "login": "retail-sync",
                                                 "password": API_KEY, "extra": {"database": "odoo"}}),
        "AIRFLOW_CONN_SMTP_DEFAULT": mail.connection_json(),
        "RETAIL_SYNC_HOME": str(home / "retail_sync"), "RETAIL_SYNC_STATE_URL": f"sqlite:///{home}/state.sqlite",
        "RETAIL_SYNC_ORDERS_CHANNELS": ",".join(c.replace("-", "_") for c in stores),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


class Airflow:
    """api-server, scheduler and dag-processor, each in its own process group, logs in <home>/logs."""

    def __init__(self, env: dict[str, str], home: Path):
        self.env, self.logs = env, home / "component-logs"
        self.processes: dict[str, subprocess.Popen] = {}
        self.airflow = str(Path(sys.executable).parent / "airflow")

    def __enter__(self) -> Airflow:
        self.logs.mkdir(parents=True)
        for step in (["db", "migrate"], ["pools", "import", str(ROOT / "config" / "pools.json")]):
            subprocess.run([self.airflow, *step], env=self.env, check=True, capture_output=True,
                           stdin=subprocess.DEVNULL)
        self._start("api-server")
        health = f"{self.env['AIRFLOW__API__BASE_URL']}/api/v2/monitor/health"
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(health, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.processes["api-server"].poll() is not None:
                raise RuntimeError(f"the API server did not come up; see {self.logs}")
            time.sleep(1)
        self._start("scheduler")
        self._start("dag-processor")
        return self

    def _start(self, name: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen([self.airflow, name], env=self.env, stdout=log,
                                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                                    start_new_session=True)

    def __exit__(self, *exc) -> None:
        for process in reversed(self.processes.values()):
            if process.poll() is None:
                os.killpg(process.pid, 15)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()


def channel_orders(stores: dict[str, SandboxProcess], since: datetime, until: datetime
                   ) -> dict[tuple[str, str], datetime]:
    """(channel, order name) -> created_at of every order the stores took in [since, until)."""
    created = {}
    for channel, server in stores.items():
        with connector(channel, server.url) as source:
            for page in source.pages("orders"):
                for order in page.tables["orders"].select(["name", "created_at"]).to_pylist():
                    if since <= order["created_at"] < until:
                        created[(channel, order["name"])] = order["created_at"]
    return created


def odoo_orders(client) -> dict[tuple[str, str], datetime]:
    rows = client.call("sale.order", "search_read", [], ["origin", "client_order_ref", "create_date"])
    return {(row["origin"], row["client_order_ref"]): datetime.fromisoformat(row["create_date"]).replace(tzinfo=UTC)
            for row in rows}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def pull_metrics(state_url: str) -> dict:
    from retail_sync.state import schema

    table = schema.run_metrics
    engine = sa.create_engine(state_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.run_id, table.c.metric, table.c.value)
                            .where(table.c.flow == "orders", table.c.metric.like("latency_%"))).all()
    engine.dispose()
    by_metric: dict[str, list[float]] = {}
    for _, metric, value in rows:
        by_metric.setdefault(metric, []).append(value)
    return {"runs_with_latency": len({r[0] for r in rows}),
            **{f"worst_run_{metric}": round(max(values), 1) for metric, values in sorted(by_metric.items())}}


def wait_for_first_run(home: Path, timeout: float = 600) -> None:
    """Until the scheduler has created the DAG's first run (the DAG parsed, unpaused and scheduled)."""
    engine = sa.create_engine(f"sqlite:///{home}/airflow.db")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.execute(sa.text("SELECT count(*) FROM dag_run WHERE dag_id = 'order_pull'")).scalar():
                    return
            time.sleep(2)
    finally:
        engine.dispose()
    raise RuntimeError(f"no order_pull run within {timeout:.0f} s")


def dag_runs(home: Path) -> dict:
    engine = sa.create_engine(f"sqlite:///{home}/airflow.db")
    with engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT state, count(*) FROM dag_run WHERE dag_id = 'order_pull' GROUP BY state")
                            ).all()
        tasks = conn.execute(sa.text(
            "SELECT state, count(*), avg((julianday(end_date) - julianday(start_date)) * 86400), "
            "avg((julianday(start_date) - julianday(scheduled_dttm)) * 86400) FROM task_instance "
            "WHERE dag_id = 'order_pull' AND task_id = 'pull_channel' GROUP BY state")).all()
    engine.dispose()
    return {"dag_runs": {state: n for state, n in runs},
            "pull_tasks": {state: {"count": n, "mean_run_s": round(run_s or 0, 1),
                                   "mean_queued_to_start_s": round(wait_s or 0, 1)}
                           for state, n, run_s, wait_s in tasks}}


def main() -> None:
    load = os.getloadavg()
    tick_rate = ORDERS_PER_MIN / 60 / len(STORES) / CREATING_SHARE
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as running:
        from retail_sync_sandbox.mail_sink import RunningMailSink

        work = Path(tmp)
        home, dags = work / "airflow", work / "dags"
        home.mkdir()
        dags.mkdir()
        (dags / "order_pull.py").symlink_to(ROOT / "dags" / "order_pull.py")
        preparing = multiprocessing.get_context("spawn").Process(target=prepare_odoo,
                                                                 args=(f"sqlite:///{work}/odoo.sqlite",))
        preparing.start()
        preparing.join()
        if preparing.exitcode:
            raise RuntimeError("preparing the Odoo sandbox for the orders failed")
        odoo = running.enter_context(SandboxProcess(
            "odoo", "--version", ODOO_VERSION, "--db", f"sqlite:///{work}/odoo.sqlite", "--seed", "demo",
            "--faults", json.dumps({"latency_ms": LATENCY_MS}), env=ODOO_ENV))
        mail = running.enter_context(RunningMailSink(work / "mail"))
        # The stores' ports are chosen now (the connections name them); they start once the DAG is scheduled,
        # so their live orders do not pile up into a backlog while Airflow starts (a first run that finds
        # them still starting fails and is retried, or the next minute's run pulls).
        stores = {channel: SandboxProcess(platform, "--store", channel, "--seed", str(SEED), "--scale", str(SCALE),
                                          "--live-rate", f"{tick_rate:.4f}", env=STORE_ENV)
                  for channel, platform in STORES.items()}
        env = airflow_env(home, dags, free_port(), odoo.url, stores, mail)
        booting = time.monotonic()
        running.enter_context(Airflow(env, home))
        wait_for_first_run(home)
        airflow_up_s = time.monotonic() - booting
        with ThreadPoolExecutor(len(stores)) as pool:
            list(pool.map(running.enter_context, stores.values()))
        # Measured: the orders the stores take from the moment all three are up.
        started = datetime.now(UTC)
        time.sleep(MINUTES * 60)
        window_end = datetime.now(UTC)
        created = channel_orders(stores, started, window_end)
        client = odoo_client(odoo.url)
        grace_end = time.monotonic() + GRACE_S
        while True:                            # the last of the window's orders land by the next runs
            landed = odoo_orders(client)
            if created.keys() <= landed.keys() or time.monotonic() > grace_end:
                break
            time.sleep(5)
        runs = dag_runs(home)
        metrics = pull_metrics(env["RETAIL_SYNC_STATE_URL"])
    latencies = [(landed[k] - at).total_seconds() for k, at in created.items() if k in landed]
    result = {"bench": "order_latency", "minutes": MINUTES, "schedule": "* * * * *",
              "odoo_latency_ms_per_call": LATENCY_MS, "live_ticks_per_s_per_store": round(tick_rate, 4),
              "load_average_at_start": [round(x, 1) for x in load],
              "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
              "airflow_up_s": round(airflow_up_s, 1),
              "orders_created": len(created), "orders_per_min": round(len(created) / MINUTES, 1),
              "orders_landed": len(latencies), "orders_missing": len(created) - len(latencies),
              "latency_p50_s": round(statistics.median(latencies), 1) if latencies else None,
              "latency_p95_s": round(percentile(latencies, 0.95), 1) if latencies else None,
              "latency_max_s": round(max(latencies), 1) if latencies else None,
              "target_p95_s": 90, "pull_recorded": metrics, **runs}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
