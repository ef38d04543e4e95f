"""The fulfillment_push DAG's tasks: the fulfilment flow wired to Airflow's connections and to its settings
from the environment. Nothing of the flow itself lives here.

Settings: `RETAIL_SYNC_FULFILLMENT_<FIELD>` for each scalar field of `FulfillmentSettings` (PAGE_SIZE,
OVERLAP_SECONDS, WRITE_ATTEMPTS), and `RETAIL_SYNC_FULFILLMENT_CHANNELS`, a JSON list of the channel
connections that get Odoo's shipments: `["shopify_eu", {"conn_id": "woo_uk", "carrier": "Royal Mail"}]`
(`carrier`: named on a fulfilment when the picking names none). Its own list, not the inventory one: a store
may take stock levels from Odoo and ship on its own, or the reverse.
"""

from __future__ import annotations

import json
import logging
import os

from retail_sync.airflow.hooks.channel import ChannelHook
from retail_sync.airflow.hooks.odoo import OdooHook
from retail_sync.airflow.notifiers import send_alert
from retail_sync.airflow.settings import scalar_overrides
from retail_sync.flows.fulfillment.flow import ChannelStopped, FulfillmentFlow
from retail_sync.flows.fulfillment.settings import FulfillmentChannel, FulfillmentSettings
from retail_sync.state.store import StateStore

PREFIX = "RETAIL_SYNC_FULFILLMENT_"
CHANNELS = PREFIX + "CHANNELS"
log = logging.getLogger("retail_sync.fulfillment")


def fulfillment_settings(**overrides) -> FulfillmentSettings:
    raw = os.environ.get(CHANNELS) or "[]"
    try:
        items = json.loads(raw)
        if not isinstance(items, list):
            raise TypeError("not a list")
        channels = tuple(FulfillmentChannel.from_value(item) for item in items)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{CHANNELS} is not a JSON list of channel connections: {exc}") from None
    return FulfillmentSettings(**{"channels": channels, **scalar_overrides(FulfillmentSettings, PREFIX), **overrides})


def channel_conn_ids() -> list[str]:
    return [target.conn_id for target in fulfillment_settings().channels]


def push_channel(conn_id: str, run_id: str, odoo_conn_id: str = "odoo_default") -> dict:
    flow = FulfillmentFlow(fulfillment_settings(), StateStore(), lambda: OdooHook(odoo_conn_id).get_conn(),
                           lambda conn: ChannelHook(conn).get_conn(), send_alert, run_id)
    try:
        outcome = flow.push_channel(conn_id)
    except ChannelStopped as exc:
        # Expected when a storefront is down: the reason first, in one line; the task's retry picks up.
        log.warning("%s", exc)
        raise
    log.info("%s: %d fulfilment(s) created (%d lines, %d units), %d already on the storefront, %d skipped, "
             "%d dead-lettered; watermark %s", outcome.channel, outcome.fulfillments_created, outcome.lines,
             outcome.units, outcome.already_on_channel, outcome.skipped, len(outcome.dead_lettered),
             outcome.watermark)
    return outcome.to_xcom()
