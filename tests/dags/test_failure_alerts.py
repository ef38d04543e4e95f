"""Every failure is heard: a task that fails for good (here publish, through an Odoo outage, after its
retries) sends one alert email, in real Airflow (`dag.test()`) to a real SMTP server on loopback."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from retail_sync.airflow.notifiers import RunFailureNotifier, TaskFailureNotifier
from retail_sync.airflow.outcomes import AlertedFailure, fail_alerted
from retail_sync_sandbox.faults import FaultPlan

HEADER = "sku,parent_key,name,category_path,list_price,currency,tax_class,active,attr_size"
ROWS = ["TEE-S,TEE,Organic tee,Apparel/Tops,19.90,EUR,standard,true,S",
        "TEE-M,TEE,Organic tee,Apparel/Tops,21.90,EUR,standard,true,M",
        "MUG,MUG,Mug,Home/Kitchen,8.00,EUR,reduced,true,",
        "CAP,CAP,Cap,Apparel,12.00,EUR,standard,true,",
        "HAT,HAT,Hat,Apparel,0470 12 34 56,EUR,standard,true,"]      # quarantined: a phone for a price
DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture
def catalog_dag(airflow_db):
    """A DAG of its own (not the session's DagBag): the test shortens its retries."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAGS)).get_dag("catalog_publish")
    publish = dag.get_task("publish_feed")
    publish.retries, publish.retry_delay = 1, timedelta(0)
    return dag


def test_odoo_outage_fails_publish_after_its_retries_and_sends_one_alert(catalog_dag, dag_world, monkeypatch):
    """Also: the flow's own alert (a quarantined row) sent from inside the task links to its run."""
    monkeypatch.setenv("RETAIL_SYNC_UI_BASE_URL", "https://airflow.retail.example/")
    monkeypatch.setenv("RETAIL_SYNC_ALERT_FROM", "alerts@retail.example")
    (dag_world.landing / "feed.csv").write_text("\n".join([HEADER, *ROWS]) + "\n")
    dag_world.sandbox.faults.configure(FaultPlan(rate_503=1.0, retry_after=0.01))

    run = catalog_dag.test()

    tis = {(ti.task_id, ti.map_index): ti for ti in run.get_task_instances()}
    publish = tis[("publish_feed", 0)]
    assert run.state == "failed" and publish.state == "failed" and publish.try_number == 2
    assert publish.rendered_map_index == "feed.csv"

    quarantine, message = dag_world.mail.messages   # one failure email: the run-level notifier leaves it to the task's
    assert "validation failed (quarantined rows) — 1 of 5 rows — feed.csv" in quarantine["Subject"]
    quarantine_text = quarantine.get_body(("plain",)).get_content()
    assert "row 5, SKU HAT: list price is a non-negative decimal (max 4 places) — list_price = '***56'" in quarantine_text
    assert "0470" not in quarantine_text
    assert message["To"] == "ops@example.com" and message["From"] == "alerts@retail.example"
    assert message["Subject"].startswith("[retail-sync] catalog_publish: task publish_feed [feed.csv] failed — ")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    run_link = f"https://airflow.retail.example/dags/catalog_publish/runs/{quote(run.run_id, safe='')}"
    assert f"Run: {run.run_id}\n" in text and "Task: publish_feed [feed.csv]\n" in text
    [reason] = [line for line in text.splitlines() if line.startswith("Reason: ")]
    assert "503" in reason or "unavailable" in reason.lower()
    assert text.count("Run in Airflow: ") == 1 and f"Run in Airflow: {run_link}\n" in text
    assert f'<a href="{run_link}">' in html and f"Run in Airflow: {run_link}" in quarantine_text
    assert f"Task log: {run_link}/tasks/publish_feed/mapped/0" in text
    assert "failed 2 time(s), retries included" in text and "What happens next" in text
    dag_world.sandbox.faults.configure(FaultPlan())


def test_a_run_failing_without_a_failed_task_alerts_once(catalog_dag, dag_world):
    RunFailureNotifier()({"dag": catalog_dag, "run_id": "scheduled__2026-11-27T10:00:00+00:00", "reason": "task_failure"})
    assert dag_world.mail.messages == []         # a failed task reports itself, with its reason
    RunFailureNotifier()({"dag": catalog_dag, "run_id": "scheduled__2026-11-27T10:00:00+00:00", "reason": "timed_out"})
    [message] = dag_world.mail.messages
    assert message["Subject"] == "[retail-sync] catalog_publish: run failed — the run was marked failed (timed_out)"


def test_an_outcome_the_flow_already_alerted_is_not_alerted_twice(catalog_dag, dag_world, caplog):
    with pytest.raises(AlertedFailure) as raised, caplog.at_level(logging.ERROR, logger="retail_sync.outcome"):
        fail_alerted("feed rejected, nothing loaded:\n  line 2 of orders-jane@x.example.csv has 3 fields")
    assert [r.getMessage() for r in caplog.records if r.name == "retail_sync.outcome"] == [
        "feed rejected, nothing loaded: line 2 of o***@x.example.csv has 3 fields"]
    assert str(raised.value) == "feed rejected, nothing loaded: line 2 of o***@x.example.csv has 3 fields"
    TaskFailureNotifier()({"dag": catalog_dag, "run_id": "r", "exception": raised.value})
    assert dag_world.mail.messages == []


def test_a_failure_reason_shows_no_secret_and_no_customer_data(catalog_dag, dag_world):
    from types import SimpleNamespace

    from airflow.sdk.log import mask_secret

    mask_secret("odoo-api-key-0123456789")         # what fetching a connection does for its password
    failed = SimpleNamespace(task_id="publish_feed", map_index=2, rendered_map_index="c.csv", try_number=4)
    error = RuntimeError("POST https://odoo/json/2?api_key=odoo-api-key-0123456789 refused for jane@x.example")
    TaskFailureNotifier()({"dag": catalog_dag, "run_id": "r1", "ti": failed, "exception": error})
    [message] = dag_world.mail.messages
    text = message.get_body(("plain",)).get_content()
    assert "Reason: RuntimeError: POST https://odoo/json/2?api_key=*** refused for j***@x.example" in text
    assert "odoo-api-key-0123456789" not in message.as_string() and "jane@" not in message.as_string()
    assert "Task: publish_feed [c.csv]" in text and "/tasks/publish_feed/mapped/2" in text
