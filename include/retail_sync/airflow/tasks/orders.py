"""The order_pull DAG's tasks: the order pull wired to Airflow's connections and to its settings from the
environment, its outcomes turned into task states. Nothing of the flow itself lives here.

Settings: `RETAIL_SYNC_ORDERS_CHANNELS` (connection ids, comma-separated: `shopify_eu,shopify_us,woo_uk`),
`RETAIL_SYNC_ORDERS_<FIELD>` for each scalar field of `PullSettings` (OVERLAP_MINUTES, LEASE_SECONDS) and of
`OrderSettings` (SHIPPING_SKU, DEFAULT_JOURNAL …), and JSON objects for `RETAIL_SYNC_ORDERS_JOURNALS`
(gateway -> journal code), `RETAIL_SYNC_ORDERS_PRICELISTS` (currency -> pricelist name) and
`RETAIL_SYNC_ORDERS_TAXES` ("21%/included" -> tax name).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os

from airflow.sdk.exceptions import AirflowSkipException

from retail_sync.airflow.hooks.channel import ChannelHook
from retail_sync.airflow.hooks.odoo import OdooHook
from retail_sync.airflow.notifiers import send_alert
from retail_sync.airflow.settings import home, scalar_overrides
from retail_sync.flows.orders.pull import OrderPull, PullSettings
from retail_sync.flows.orders.settings import OrderSettings
from retail_sync.state.store import StateStore

PREFIX = "RETAIL_SYNC_ORDERS_"
MAPPINGS = ("journals", "pricelists", "taxes")
log = logging.getLogger("retail_sync.orders")


def order_settings() -> OrderSettings:
    mappings = {}
    for name in MAPPINGS:
        raw = os.environ.get(PREFIX + name.upper())
        if not raw:
            continue
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"{PREFIX + name.upper()} is not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise ValueError(f"{PREFIX + name.upper()} must be a JSON object, not {type(value).__name__}")
        mappings[name] = {str(k): str(v) for k, v in value.items()}
    if "journals" in mappings:    # the operator's mapping adds to (and overrides) the gateways known by default
        mappings["journals"] = {**OrderSettings().journals, **mappings["journals"]}
    return dataclasses.replace(OrderSettings(**scalar_overrides(OrderSettings, PREFIX)), **mappings)


def pull_settings() -> PullSettings:
    return PullSettings(**{"staging_root": home() / "staging", "docs_root": home() / "data_docs",
                           **scalar_overrides(PullSettings, PREFIX), "load": order_settings()})


def channel_conn_ids() -> list[str]:
    return pull_settings().conn_ids


def pull_channel(conn_id: str, run_id: str) -> dict:
    """A channel that another run is pulling right now is skipped (that run loads its orders)."""
    pull = OrderPull(pull_settings(), StateStore(), lambda: OdooHook("odoo_default").get_conn(),
                     lambda cid: ChannelHook(cid).get_conn(), send_alert, run_id)
    result = pull.pull_channel(conn_id)
    if result.busy:
        raise AirflowSkipException(f"{result.channel}: another run is pulling this channel; it loads these orders")
    log.info("%s: %d page(s), %s, %d held for payment, latency p50 %s s / p95 %s s, watermark %s, %d Odoo calls",
             result.channel, result.pages, result.counts or "no orders", result.held, result.latency_p50,
             result.latency_p95, result.watermark, result.odoo_calls)
    return result.to_xcom()
