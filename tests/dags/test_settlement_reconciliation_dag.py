"""settlement_reconciliation in real Airflow (`dag.test()`) against the Stripe and Odoo sandboxes over HTTP:
bad params refused by the first task before any provider or Odoo call; a dry run classifies and books
nothing; a scheduled run reconciles exactly its data interval, the previous day."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from retail_sync_sandbox.odoo.settled_sales import sales_from_world, seed_sales

from ..storefront_fixtures import STRIPE_KEY

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "settlement_reconciliation.py"
WRITES = ("create", "write", "unlink", "load", "action_post")


@pytest.fixture
def settlement_world(dag_world, stripe_sandbox, small_world, monkeypatch):
    server, stripe = stripe_sandbox
    monkeypatch.setenv("AIRFLOW_CONN_STRIPE_DEFAULT", json.dumps({
        "conn_type": "stripe", "host": server.url, "password": STRIPE_KEY, "extra": {"channel": "stripe"}}))
    seed_sales(dag_world.sandbox.databases["odoo"], sales_from_world(small_world))
    dag_world.sandbox.stats.reset()
    stripe.stats.reset()
    return dag_world, stripe


def settlement_dag(airflow_db):
    """The DAG parsed afresh: `dag.test(run_conf=...)` leaves the conf in the parsed DAG's params, which
    would carry one test's dates into the next."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAG_FILE)).get_dag("settlement_reconciliation")


def states(run) -> dict:
    return {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}


def odoo_writes(sandbox) -> int:
    return sum(row["calls"] for key, row in sandbox.stats.snapshot()["by_call"].items()
               if key.rsplit(".", 1)[-1] in WRITES)


@pytest.mark.parametrize(("conf", "message"), [
    ({"start_date": "2026-10-05", "end_date": "2026-10-01"}, "end_date 2026-10-01 is before start_date 2026-10-05"),
    ({"start_date": "2026-10-01", "end_date": "2999-01-01"}, "end_date 2999-01-01 is not in the past"),
    ({"start_date": "2026-10-01"}, "Give both start_date and end_date"),
])
def test_bad_params_are_refused_before_anything_runs(airflow_db, settlement_world, conf, message):
    world, stripe = settlement_world
    run = settlement_dag(airflow_db).test(run_conf=conf)
    assert run.state == "failed"
    got = states(run)
    assert got[("check_params", -1)] == "failed"
    assert "success" not in got.values()
    assert stripe.stats.snapshot()["calls"] == 0
    assert world.sandbox.stats.snapshot()["calls"] == 0
    # The reason reaches whoever triggered it: in this run's failure email (and the task log's first line).
    assert f"Settlement params refused: {message}" in failure_email(world.mail, run.run_id)


def failure_email(mail, run_id: str) -> str:
    """The text of the run's failure email (the notifier may deliver it a moment after the run ends)."""
    deadline = time.monotonic() + 10
    while True:
        texts = [" ".join(m.get_body(preferencelist=("plain",)).get_content().split()) for m in mail.messages]
        mine = [text for text in texts if f"Run: {run_id}" in text]
        if mine or time.monotonic() > deadline:
            return "\n".join(mine)
        time.sleep(0.1)


def test_an_unknown_provider_is_refused_by_the_form_schema(airflow_db, settlement_world):
    from airflow.sdk.definitions.param import ParamValidationError

    world, stripe = settlement_world
    with pytest.raises(ParamValidationError, match="paypal"):
        settlement_dag(airflow_db).test(
            run_conf={"start_date": "2026-10-01", "end_date": "2026-10-02", "providers": ["paypal"]})
    assert stripe.stats.snapshot()["calls"] == 0


def test_a_dry_run_classifies_the_period_and_books_nothing(airflow_db, settlement_world, small_world):
    world, stripe = settlement_world
    run = settlement_dag(airflow_db).test(
        run_conf={"start_date": "2026-08-25", "end_date": "2026-10-31", "dry_run": True})
    assert run.state == "success", states(run)
    assert odoo_writes(world.sandbox) == 0
    [classified] = (world.home / "rs" / "staging" / "settlement" / "runs").rglob("classified.parquet")
    table = pq.read_table(classified)
    payouts = set(table.column("payout_id").drop_null().to_pylist())
    assert payouts == {p["id"] for p in small_world.stripe["payouts"]}
    bad = set(small_world.truth["bad_payouts"])
    assert {r["payout_id"] for r in table.to_pylist() if r["status"] == "invalid_payout"} == bad


def test_a_scheduled_run_reconciles_the_previous_day(airflow_db, settlement_world, small_world):
    world, stripe = settlement_world
    run = settlement_dag(airflow_db).test(logical_date=datetime(2026, 10, 5, tzinfo=UTC), run_conf={"dry_run": True})
    assert run.state == "success", states(run)
    start, end = run.data_interval_start, run.data_interval_end
    assert end - start == timedelta(days=1) and (start.hour, start.minute) == (0, 0)
    [classified] = (world.home / "rs" / "staging" / "settlement" / "runs").rglob("classified.parquet")
    assert classified.parent.name == start.date().isoformat()
    got = set(pq.read_table(classified).column("payout_id").drop_null().to_pylist())
    assert got == {p["id"] for p in small_world.stripe["payouts"]
                   if start.timestamp() <= p["created"] < end.timestamp()}
    assert got


def bookings(world) -> dict:
    db = world.sandbox.databases["odoo"]

    def count(model: str) -> int:
        return world.sandbox.service.call_kw(db, 2, model, "search_count", [[]], {})

    return {model: count(model) for model in ("account.bank.statement.line", "account.payment", "account.move")}


def test_overlapping_backfills_book_nothing_twice(airflow_db, settlement_world, monkeypatch):
    """Finance books September, then a period overlapping its last ten days: the second run finds what the
    first booked (external ids) and adds only the new days' bookings; a third run over both adds nothing."""
    world, _ = settlement_world
    monkeypatch.setenv("RETAIL_SYNC_FINANCE_EMAILS", "finance@example.com")
    before = bookings(world)
    first = settlement_dag(airflow_db).test(run_conf={"start_date": "2026-09-01", "end_date": "2026-09-30"})
    assert first.state == "success", states(first)
    after_first = bookings(world)
    assert after_first["account.bank.statement.line"] > before["account.bank.statement.line"]
    second = settlement_dag(airflow_db).test(run_conf={"start_date": "2026-09-21", "end_date": "2026-10-10"})
    assert second.state == "success", states(second)
    after_second = bookings(world)
    assert after_second["account.bank.statement.line"] > after_first["account.bank.statement.line"]
    again = settlement_dag(airflow_db).test(run_conf={"start_date": "2026-09-01", "end_date": "2026-10-10"})
    assert again.state == "success", states(again)
    assert bookings(world) == after_second
    # Each run's report went to finance.
    subjects = [m["Subject"] for m in world.mail.messages]
    assert sum("Settlement report" in s for s in subjects) == 3
