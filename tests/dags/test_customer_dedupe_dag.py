"""customer_dedupe end to end in real Airflow (`dag.test()`), with the real splink model, against the Odoo
sandbox over HTTP and a real SMTP server: a dry run plans and queues but merges nothing; a plan above
`max_merges` fails the task, merges nothing and sends one email; a normal run merges, journaled."""

from __future__ import annotations

import pyarrow.parquet as pq

from retail_sync.state.merge_journal import MERGED, MergeJournal
from retail_sync.state.store import StateStore
from retail_sync_sandbox.datagen.customer_base import customer_base

RECORDS = 600
ADMIN = 2          # the seeded administrator's uid


def load(world) -> int:
    sandbox = world.sandbox
    db = sandbox.databases["odoo"]

    def odoo(model, method, *args, **kwargs):
        return sandbox.service.call_kw(db, ADMIN, model, method, list(args), kwargs)

    group = odoo("ir.model.data", "search_read", [["module", "=", "base"], ["name", "=", "group_partner_manager"]],
                 ["res_id"])[0]["res_id"]
    [integration] = odoo("res.users", "search", [["login", "=", "retail-sync"]])
    odoo("res.users", "write", [integration], {"groups_id": [(4, group)]})     # Contact Creation, to merge
    countries = {c["code"]: c["id"] for c in odoo("res.country", "search_read", [], ["code"])}
    odoo("res.partner", "create", [
        {"name": " ".join(p for p in (r["given_name"], r["family_name"]) if p) or "Unknown",
         "email": r["email"] or False, "phone": r["phone"] or False,
         "street": " ".join(p for p in (r["street"], r["house_number"]) if p) or False, "zip": r["postcode"] or False,
         "city": r["city"] or False, "country_id": countries.get(r["country"], False)}
        for r in customer_base(RECORDS, seed=11).table.to_pylist()])
    return len(odoo("res.partner", "search", [["type", "=", "contact"]]))


def states(run) -> dict:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def test_dry_run_then_a_capped_run_then_merges(dagbag, dag_world):
    partners = load(dag_world)
    dag = dagbag.get_dag("customer_dedupe")
    store = StateStore()

    dry = dag.test(run_conf={"dry_run": True})
    assert dry.state == "success", states(dry)
    runs = dag_world.home / "rs" / "staging" / "dedupe" / "runs"
    [folder] = list(runs.iterdir())
    assert pq.read_table(folder / "merge-plan.parquet").num_rows > 0
    assert (folder / "review-queue.parquet").exists() and (folder / "review-queue.csv").exists()
    planned = store.metric_totals("dedupe", dry.run_id)["merges_planned"]
    assert planned > 1

    # Each run names every parameter: dag.test() keeps the previous run's values on the DAG object.
    capped = dag.test(run_conf={"dry_run": False, "max_merges": 1})
    assert capped.state == "failed" and states(capped) == {"dedupe_customers": "failed"}
    subjects = [m["Subject"] for m in dag_world.mail.messages]
    assert sum(f"{int(planned)} partners to merge exceed the cap of 1" in s for s in subjects) == 1
    assert len(subjects) == 1                                   # the flow alerted: no second email

    merged = dag.test(run_conf={"dry_run": False, "max_merges": RECORDS})        # the default cap (50) is below
    assert merged.state == "success", states(merged)
    totals = store.metric_totals("dedupe", merged.run_id)
    assert totals["partners_merged"] == planned
    sandbox = dag_world.sandbox
    left = sandbox.service.call_kw(sandbox.databases["odoo"], ADMIN, "res.partner", "search_count",
                                   [[["type", "=", "contact"]]], {})
    assert left == partners - planned
    entries = MergeJournal(store).entries()
    assert entries and {e.status for e in entries} == {MERGED}
    assert {e.run_id for e in entries} == {merged.run_id}
