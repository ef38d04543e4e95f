"""The catalog_publish DAG's tasks: the flow's entry point wired to Airflow's connections, its outcomes
turned into task states. Nothing of the flow itself lives here."""

from __future__ import annotations

from retail_sync.airflow import settings
from retail_sync.airflow.hooks.odoo import OdooHook
from retail_sync.airflow.notifiers import send_alert
from retail_sync.airflow.outcomes import fail_alerted
from retail_sync.flows.catalog.flow import CatalogFlow, FileStatus
from retail_sync.flows.catalog.settings import CatalogSettings
from retail_sync.state.store import StateStore


def catalog_flow(run_id: str, odoo_conn_id: str = "odoo_default", config: CatalogSettings | None = None
                 ) -> CatalogFlow:
    return CatalogFlow(config or settings.catalog_settings(), StateStore(),
                       lambda: OdooHook(odoo_conn_id).get_conn(), send_alert, run_id)


def pending_feeds(run_id: str) -> list[str]:
    return catalog_flow(run_id).pending_files()


def publish_feed(uri: str, run_id: str) -> dict:
    """Publish one feed file. Rejected and blocked files fail the task without retries (retrying cannot
    change them) and without a second email (the flow's own alert has been sent); a file published before,
    or held by another run, skips."""
    from airflow.sdk.exceptions import AirflowSkipException

    outcome = catalog_flow(run_id).publish_file(uri)
    if outcome.status is FileStatus.REJECTED:
        fail_alerted(f"feed rejected, nothing loaded: {outcome.reason}")
    if outcome.status is FileStatus.BLOCKED:
        fail_alerted(f"batch blocked by its gates, nothing loaded: {outcome.reason}")
    if outcome.status in (FileStatus.ALREADY_PUBLISHED, FileStatus.CLAIMED_ELSEWHERE, FileStatus.STILL_WRITING,
                          FileStatus.DEFERRED):
        raise AirflowSkipException(outcome.reason)
    return outcome.to_xcom()
