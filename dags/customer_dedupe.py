from __future__ import annotations

import os

import pendulum
from airflow.sdk import Asset, Param, dag, task

from retail_sync.airflow.dag_defaults import dag_kwargs

ODOO_PARTNERS = Asset("odoo://retail-sync/res.partner", extra={"model": "res.partner"})


@dag(
    schedule=os.environ.get("RETAIL_SYNC_DEDUPE_SCHEDULE") or "0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    description="Find duplicate customers in Odoo with the splink model, merge the sure ones, queue the rest",
    tags=["retail-sync", "dedupe", "odoo"],
    params={
        "dry_run": Param(False, type="boolean", description="Plan and report only: merge nothing"),
        "max_merges": Param(None, type=["null", "integer"], minimum=0,
                            description="Partners this run may merge away (empty: $RETAIL_SYNC_DEDUPE_MAX_MERGES, "
                                        "default 50); a plan above it merges nothing and alerts"),
    },
    **dag_kwargs(),
)
def customer_dedupe():
    """
    ### Customer dedupe: Odoo partners → splink model → merges and a review queue

    Nightly (`$RETAIL_SYNC_DEDUPE_SCHEDULE`, default 02:00 UTC) Odoo's customer partners (persons and
    companies) are read, standardized and linked by the splink model. Pairs at or above the merge threshold
    (0.99) are merged in Odoo through its own merge wizard, respecting Odoo's rules: at most 3 contacts per
    merge (larger clusters in steps), the same email, never a parent with its child, a company with a
    person, or different VAT numbers. The destination is the partner with the most orders and invoices,
    then the oldest. Every merge is journaled with a snapshot of the partners before it is sent.

    Pairs from the review threshold (0.8) up go to the review queue (Parquet and CSV in the run's staging
    folder) with the fields that agreed and disagreed. Trigger with `dry_run` to see the plan without
    merging; a plan above `max_merges` merges nothing and alerts. A merge Odoo refuses is a dead letter
    and an alert; the run goes on.
    """

    @task(outlets=[ODOO_PARTNERS], pool="odoo_batch")
    def dedupe_customers(params: dict | None = None, run_id: str | None = None) -> dict:
        from retail_sync.airflow.tasks import dedupe

        params = params or {}
        return dedupe.dedupe_customers(run_id, dry_run=bool(params.get("dry_run")),
                                       max_merges=params.get("max_merges"))

    dedupe_customers()


customer_dedupe()
