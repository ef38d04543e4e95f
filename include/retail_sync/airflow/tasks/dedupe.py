"""The customer_dedupe DAG's task: the dedupe flow wired to Airflow's connections, the linkage model and its
settings from the environment, its outcome turned into a task state. Nothing of the flow itself lives here.

Settings: `RETAIL_SYNC_DEDUPE_<FIELD>` for each field of `DedupeFlowSettings` (MERGE_THRESHOLD,
REVIEW_THRESHOLD, MAX_MERGES, PAGE_SIZE, MODEL_SETTINGS — a JSON file of the linkage model's settings —, and
ALLOW_DIFFERENT_EMAILS=true when the integration user is an Odoo administrator).
`RETAIL_SYNC_DEDUPE_ODOO_CONN` names the Odoo connection (default `odoo_default`): merging needs a user with
Extra Rights / Contact Creation, which the other flows do not need.
"""

from __future__ import annotations

import logging
import os

from retail_sync.airflow.hooks.odoo import OdooHook
from retail_sync.airflow.notifiers import send_alert
from retail_sync.airflow.outcomes import fail_alerted
from retail_sync.airflow.settings import home, scalar_overrides
from retail_sync.flows.dedupe.flow import DedupeFlow, DedupeStatus
from retail_sync.flows.dedupe.settings import DedupeFlowSettings
from retail_sync.state.store import StateStore

PREFIX = "RETAIL_SYNC_DEDUPE_"
TRUE = {"1", "true", "yes", "on"}
log = logging.getLogger("retail_sync.dedupe")


def dedupe_settings(**overrides) -> DedupeFlowSettings:
    allow = (os.environ.get(PREFIX + "ALLOW_DIFFERENT_EMAILS") or "").strip().lower() in TRUE
    return DedupeFlowSettings(**{"staging_root": home() / "staging", "allow_different_emails": allow,
                                 **scalar_overrides(DedupeFlowSettings, PREFIX), **overrides})


def model_link(settings: DedupeFlowSettings):
    """The splink model with the settings the `link` command reads too (defaults, or the JSON file named)."""
    from retail_sync.dedupe.link import link
    from retail_sync.dedupe.settings import DedupeSettings

    model = DedupeSettings.from_file(settings.model_settings) if settings.model_settings else DedupeSettings()
    return lambda table: link(table, model)


def dedupe_flow(run_id: str) -> DedupeFlow:
    settings = dedupe_settings()
    conn_id = os.environ.get(PREFIX + "ODOO_CONN") or "odoo_default"
    return DedupeFlow(settings, StateStore(), lambda: OdooHook(conn_id).get_conn(), model_link(settings), send_alert,
                      run_id)


def dedupe_customers(run_id: str, dry_run: bool = False, max_merges: int | None = None) -> dict:
    """A plan above the cap fails the task without retries (the same plan would come back) and without a
    second email (the flow's alert has gone). Refused merges do not fail it: they are dead letters."""
    outcome = dedupe_flow(run_id).run(dry_run=dry_run, max_merges=max_merges)
    if outcome.status is DedupeStatus.CAPPED:
        fail_alerted(f"{outcome.planned_merges} partners to merge exceed the cap of "
                     f"{dedupe_settings().max_merges if max_merges is None else max_merges}: nothing merged")
    log.info("customer dedupe%s: %d partners, %d pairs scored, %d partners merged in %d steps (%d planned), "
             "%d refused, %d pairs to review (%s)", " (dry run)" if dry_run else "", outcome.partners,
             outcome.pairs, outcome.merged, outcome.merge_steps, outcome.planned_merges, outcome.refused,
             outcome.review_rows, outcome.review_path)
    return outcome.to_xcom()
