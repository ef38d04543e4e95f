from __future__ import annotations

import json
import os

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from retail_sync.airflow.dag_defaults import dag_kwargs

# The providers configured (RETAIL_SYNC_SETTLEMENT_PROVIDERS: provider -> connection id) are the form's choices.
PROVIDERS = sorted(json.loads(os.environ.get("RETAIL_SYNC_SETTLEMENT_PROVIDERS") or '{"stripe": "stripe_default"}'))


@dag(
    # Each run's data interval is one whole UTC day, reconciled once it is over (the run starts at midnight).
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    # The first day of the ledger (catchup reconciles every day since); paused when first seen, so nothing runs
    # before the provider connections exist.
    start_date=pendulum.parse(os.environ.get("RETAIL_SYNC_SETTLEMENT_START_DATE") or "2026-08-01", tz="UTC"),
    is_paused_upon_creation=True,
    description="Reconcile payment-provider payouts with Odoo: match, classify, book, report",
    tags=["retail-sync", "settlement", "finance", "odoo"],
    params={  # the trigger form finance fills (JSON Schema: the UI refuses what does not fit)
        "start_date": Param(None, type=["null", "string"], format="date", title="First day",
                            description="First day to reconcile (YYYY-MM-DD). Empty: the run's own day."),
        "end_date": Param(None, type=["null", "string"], format="date", title="Last day",
                          description="Last day to reconcile, included (YYYY-MM-DD); must be in the past."),
        "providers": Param(PROVIDERS, type="array", items={"type": "string", "enum": PROVIDERS}, minItems=1,
                           uniqueItems=True, title="Providers", description="Payment providers to reconcile."),
        "dry_run": Param(False, type="boolean", title="Dry run",
                         description="Match and report only: book nothing in Odoo."),
    },
    **dag_kwargs(catchup=True),
)
def settlement_reconciliation():
    """
    ### Settlement reconciliation: provider payouts → Odoo

    Every day just after midnight UTC the previous day's payouts (its data interval) are fetched with their balance
    transactions, validated (Great Expectations: the transactions of a payout sum to it, one currency, known
    types, a currency Odoo has), matched to Odoo (order reference → sale order → invoice → payment) and
    classified: matched, amount or currency mismatch, missing in Odoo, missing at the provider, invalid
    payout. Matched payouts are booked in Odoo unless it is a dry run; the report goes to finance.

    **Finance backfills**: *Trigger* with a first and last day, providers and *dry run*; or
    `airflow backfill create --dag-id settlement_reconciliation --from-date … --to-date …`. A bad period
    (ending before it starts, not yet over) or an unknown provider is refused by the first task, before
    anything runs. Bookings carry external ids: a period booked twice is booked once.
    """

    @task
    def check_params(params=None, data_interval_start=None, data_interval_end=None) -> dict:
        from retail_sync.airflow.tasks import settlement

        return settlement.check_params(params, data_interval_start, data_interval_end)

    @task
    def providers(window: dict) -> list[str]:
        from retail_sync.airflow.tasks import settlement

        return settlement.providers_of(window)

    @task(pool="odoo_batch", map_index_template="{{ task.op_kwargs['provider'] }}")
    def reconcile(provider: str, window: dict, run_id: str | None = None) -> dict:
        """One provider's window: extract → validate → match → book → report."""
        from retail_sync.airflow.tasks import settlement

        return settlement.reconcile(provider, window, run_id)

    window = check_params()
    reconcile.partial(window=window).expand(provider=providers(window))


settlement_reconciliation()
