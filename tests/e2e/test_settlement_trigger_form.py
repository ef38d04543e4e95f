"""Finance's trigger form of settlement_reconciliation in a real browser: headless Chromium (Debian's
`chromium` package) driven by Playwright, against `airflow standalone` started here with the Stripe and
Odoo sandboxes on loopback. A provider nobody configured is refused by the form; a period ending before it
starts is refused by the first task with its reason; a good dry-run period succeeds. The screenshots the
README shows are taken on the way (docs/images/)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
import pytest

from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.odoo.settled_sales import sales_from_world, seed_sales
from retail_sync_sandbox.serving import RunningServer

from ..storefront_fixtures import STRIPE_KEY

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
API_KEY = "e2e-settlement-" + "e" * 25
READY_WAIT = 600         # seconds: a cold standalone on a shared 2-core machine
DAG = "settlement_reconciliation"
pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def airflow_ui(tmp_path, stripe_sandbox, small_world):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make system-deps`, which installs it")
    stripe_server, _ = stripe_sandbox
    odoo = OdooSandbox(18, credentials=SeedCredentials("admin", integration_api_key=API_KEY))
    seed_sales(odoo.databases["odoo"], sales_from_world(small_world))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update({
        "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        "AIRFLOW_HOME": str(tmp_path / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"), "AIRFLOW__API__PORT": str(port),
        # The tasks call the execution API on this port too (its default is :8080).
        "AIRFLOW__API__HOST": "127.0.0.1", "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True", "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5", "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "RETAIL_SYNC_HOME": str(tmp_path / "rs"), "RETAIL_SYNC_STATE_URL": f"sqlite:///{tmp_path}/state.sqlite",
        # The form unpauses the DAG on trigger: its ledger starts today, so catchup schedules nothing.
        "RETAIL_SYNC_SETTLEMENT_START_DATE": datetime.now(UTC).date().isoformat(),
        "AIRFLOW_CONN_STRIPE_DEFAULT": json.dumps({"conn_type": "stripe", "host": stripe_server.url,
                                                   "password": STRIPE_KEY, "extra": {"channel": "stripe"}}),
    })
    with RunningServer(create_app(odoo)) as odoo_server:
        env["AIRFLOW_CONN_ODOO_DEFAULT"] = json.dumps({"conn_type": "odoo", "host": odoo_server.url,
                                                       "login": "retail-sync", "password": API_KEY,
                                                       "extra": {"database": "odoo"}})
        log = (tmp_path / "standalone.log").open("w")
        # The project's pools first, as `make up` does: the scheduler never queues a task whose pool does not
        # exist (reconcile runs in `odoo_batch`), so without them a good period stays "running" for ever.
        for step in (["db", "migrate"], ["pools", "import", str(ROOT / "config" / "pools.json")]):
            subprocess.run(["airflow", *step], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, check=True)
        process = subprocess.Popen(["airflow", "standalone"], cwd=tmp_path, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_dag(url, process, tmp_path / "standalone.log")
            yield url
        finally:
            stop(process)
            log.close()


def stop(process: subprocess.Popen) -> None:
    """Standalone's scheduler, triggerer, … start sessions of their own: end each of them by pid."""
    family = [process, *(psutil.Process(process.pid).children(recursive=True) if process.poll() is None else [])]
    for member in family:
        with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
            member.send_signal(signal.SIGTERM)
    gone, alive = psutil.wait_procs([psutil.Process(p.pid) for p in family if psutil.pid_exists(p.pid)], timeout=60)
    for member in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()


def wait_for_dag(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"airflow standalone exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/api/v2/dags/{DAG}", timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(2)
    raise AssertionError(f"{DAG} not served within {READY_WAIT} s:\n{log.read_text()[-3000:]}")


def runs(url: str) -> list[dict]:
    return httpx.get(f"{url}/api/v2/dags/{DAG}/dagRuns", params={"order_by": "-start_date"}, timeout=120).json()[
        "dag_runs"]


def wait_for_run(url: str, known: set[str], timeout: float = 600) -> dict:
    """The run the form just created, once it has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            new = [r for r in runs(url) if r["dag_run_id"] not in known]
        except httpx.TimeoutException:      # a busy machine: the API answers the next poll
            continue
        if new and new[0]["state"] in ("success", "failed"):
            return new[0]
        time.sleep(2)
    raise AssertionError(f"no finished run within {timeout} s: {runs(url)}")


def task_log(url: str, run_id: str, task_id: str, wanted: str, timeout: float = 120) -> str:
    """The task's whole log (`full_content`: the endpoint otherwise answers one chunk), once it holds
    `wanted` or the time is up (the log server may still be flushing the file)."""
    deadline = time.monotonic() + timeout
    base = f"{url}/api/v2/dags/{DAG}/dagRuns/{run_id}/taskInstances/{task_id}"
    # The last try: on a busy machine a first try can be lost (its worker killed) and the task retried.
    tries = httpx.get(base, timeout=120).json()["try_number"]
    while True:
        answer = httpx.get(f"{base}/logs/{tries}",
                           params={"full_content": "true"}, headers={"Accept": "application/json"}, timeout=120)
        content = answer.json().get("content")
        text = content if isinstance(content, str) else json.dumps(content)
        if wanted in text or time.monotonic() > deadline:
            return text
        time.sleep(2)


def open_form(page, url: str):
    page.goto(f"{url}/dags/{DAG}")
    page.get_by_test_id("trigger-dag-button").click()
    dialog = page.locator("[role=dialog][data-state=open]")
    dialog.get_by_text("Run Parameters").wait_for()
    return dialog


def fill(dialog, first: str, last: str, providers: str = "stripe", dry_run: bool = False) -> None:
    days = dialog.locator("input[type=date]")
    days.nth(0).fill(first)
    days.nth(1).fill(last)
    dialog.locator("textarea").first.fill(providers)
    if dry_run:
        switch = dialog.locator("input[name=element_dry_run]")
        switch.evaluate("box => box.click()")      # the switch's input is visually hidden behind its track
        assert switch.is_checked()


def test_finance_triggers_a_period_from_the_form(airflow_ui):
    from playwright.sync_api import sync_playwright

    url = airflow_ui
    IMAGES.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update"])
        page = browser.new_page(viewport={"width": 1280, "height": 1300})
        page.set_default_timeout(120_000)

        # The form as finance fills it; then a provider nobody configured: the form's schema refuses it and
        # no run is created.
        dialog = open_form(page, url)
        fill(dialog, "2026-09-01", "2026-09-30", dry_run=True)
        page.screenshot(path=str(IMAGES / "settlement-trigger-form.png"))
        dialog.locator("textarea").first.fill("paypal")
        dialog.get_by_role("button", name="Trigger").click()
        dialog.get_by_text("Invalid input for param providers: 'paypal' is not one of ['stripe']").wait_for()
        page.screenshot(path=str(IMAGES / "settlement-unknown-provider.png"))
        assert runs(url) == []

        # A period ending before it starts: the run's first task refuses it, before any provider call.
        dialog = open_form(page, url)
        fill(dialog, "2026-10-05", "2026-10-01")
        dialog.get_by_role("button", name="Trigger").click()
        refused = wait_for_run(url, set())
        assert refused["state"] == "failed"
        reason = "params refused: end_date 2026-10-01 is before start_date 2026-10-05"
        assert reason in task_log(url, refused["dag_run_id"], "check_params", reason)
        page.goto(f"{url}/dags/{DAG}/runs/{refused['dag_run_id']}/tasks/check_params")
        page.get_by_text("params refused", exact=False).first.wait_for()
        page.screenshot(path=str(IMAGES / "settlement-params-refused.png"))

        # A good period as a dry run: reconciled, nothing booked.
        dialog = open_form(page, url)
        fill(dialog, "2026-09-01", "2026-09-30", dry_run=True)
        dialog.get_by_role("button", name="Trigger").click()
        good = wait_for_run(url, {refused["dag_run_id"]})
        assert good["state"] == "success", good
        assert good["conf"]["dry_run"] is True and good["conf"]["start_date"] == "2026-09-01"
        page.goto(f"{url}/dags/{DAG}/runs/{good['dag_run_id']}")
        page.get_by_text("reconcile").first.wait_for()
        page.screenshot(path=str(IMAGES / "settlement-dry-run.png"))
        browser.close()
