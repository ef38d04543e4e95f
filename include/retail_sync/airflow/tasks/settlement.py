"""The settlement_reconciliation DAG's tasks: the params checked (a bad period refused before anything
runs), then the settlement flow per provider, wired to Airflow's connections and to its settings from the
environment. Nothing of the flow itself lives here.

Settings: `RETAIL_SYNC_SETTLEMENT_<FIELD>` for each scalar field of `SettlementSettings`
(MISSING_AFTER_DAYS, ODOO_BATCH), and `RETAIL_SYNC_SETTLEMENT_PROVIDERS`, a JSON object of provider →
Airflow connection id (default `{"stripe": "stripe_default"}`).
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import contextmanager

from airflow.sdk.exceptions import AirflowFailException

from retail_sync.airflow.finance_mail import send_report
from retail_sync.airflow.hooks.channel import ChannelHook
from retail_sync.airflow.hooks.odoo import OdooHook
from retail_sync.airflow.notifiers import send_alert
from retail_sync.airflow.settings import home, scalar_overrides
from retail_sync.flows.settlement.flow import SettlementFlow
from retail_sync.flows.settlement.report import finance_recipients
from retail_sync.flows.settlement.settings import SettlementSettings
from retail_sync.flows.settlement.window import BadSettlementParams, SettlementWindow, window_from_params
from retail_sync.state.store import StateStore

PREFIX = "RETAIL_SYNC_SETTLEMENT_"
PROVIDERS = PREFIX + "PROVIDERS"
log = logging.getLogger("retail_sync.settlement")


def configured_providers() -> dict[str, str]:
    raw = os.environ.get(PROVIDERS) or '{"stripe": "stripe_default"}'
    try:
        found = json.loads(raw)
        if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
            raise ValueError("not an object of provider -> connection id")
    except ValueError as exc:
        raise ValueError(f"{PROVIDERS} is not a JSON object of provider -> Airflow connection id: {exc}") from None
    return found


def settlement_settings(**overrides) -> SettlementSettings:
    return SettlementSettings(**{"staging_root": home() / "staging", "docs_root": home() / "data_docs",
                                 "provider_conn_ids": configured_providers(),
                                 **scalar_overrides(SettlementSettings, PREFIX), **overrides})


def check_params(params: dict, interval_start, interval_end) -> dict:
    """The window to reconcile, or the task fails at once — no retry, no Odoo or provider call — with the
    sentence finance reads in the task log and the run's failure email."""
    try:
        window = window_from_params(params or {}, interval_start, interval_end, settlement_settings().providers)
    except BadSettlementParams as exc:
        log.error("settlement params refused: %s", exc)
        raise AirflowFailException(f"Settlement params refused: {exc}") from None
    log.info("reconciling %s for %s%s", window.label(), ", ".join(window.providers),
             " (dry run: nothing will be booked)" if window.dry_run else "")
    return window.to_xcom()


def providers_of(window: dict) -> list[str]:
    return list(window["providers"])


def settlement_flow(run_id: str, odoo_conn_id: str = "odoo_default") -> SettlementFlow:
    settings = settlement_settings()

    @contextmanager
    def provider(name: str):
        with ChannelHook(settings.provider_conn_ids[name]).get_conn() as connector:
            yield provider_source(name, connector)

    def deliver(report) -> None:
        recipients = finance_recipients()
        if not recipients:
            log.warning("settlement report not emailed: no finance address (RETAIL_SYNC_FINANCE_EMAILS); "
                        "it is in %s", report.folder)
            return
        send_report(report, recipients)

    return SettlementFlow(settings, StateStore(), lambda: OdooHook(odoo_conn_id).get_conn(), provider, send_alert,
                          run_id, deliver)


def provider_source(name: str, connector):
    """The settlement source of one provider (Shopify Payments plugs in here)."""
    if name == "stripe":
        from retail_sync.flows.settlement.stripe_provider import StripeSettlement

        return StripeSettlement(connector)
    raise ValueError(f"no settlement source for provider {name!r}")


def reconcile(provider: str, window: dict, run_id: str) -> dict:
    outcome = settlement_flow(run_id).reconcile(provider, SettlementWindow.from_xcom(window))
    return outcome.to_xcom()
