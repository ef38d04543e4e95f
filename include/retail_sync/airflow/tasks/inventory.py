"""The inventory_snapshot DAG's tasks: the inventory flow wired to Airflow's connections and to its settings
from the environment, its outcomes turned into task states. Nothing of the flow itself lives here.

Settings: `RETAIL_SYNC_INVENTORY_<FIELD>` for each scalar field of `InventorySettings` (PAGE_SIZE,
MIN_ROW_RATIO, ALLOW_NEGATIVE, HISTORY …), and `RETAIL_SYNC_INVENTORY_CHANNELS`, a JSON list of
`{"conn_id": "shopify_eu", "locations": {"WH": "gid://shopify/Location/1"}, "safety_buffer": 2}`.
"""

from __future__ import annotations

import json
import logging
import os

from retail_sync.airflow.hooks.channel import ChannelHook
from retail_sync.airflow.hooks.odoo import OdooHook
from retail_sync.airflow.notifiers import send_alert
from retail_sync.airflow.outcomes import fail_alerted
from retail_sync.airflow.settings import home, scalar_overrides
from retail_sync.flows.inventory.flow import InventoryFlow, SnapshotOutcome, SnapshotStatus
from retail_sync.flows.inventory.settings import ChannelTarget, InventorySettings
from retail_sync.state.store import StateStore

PREFIX = "RETAIL_SYNC_INVENTORY_"
CHANNELS = PREFIX + "CHANNELS"
log = logging.getLogger("retail_sync.inventory")


def inventory_settings(**overrides) -> InventorySettings:
    raw = os.environ.get(CHANNELS) or "[]"
    try:
        channels = tuple(ChannelTarget.from_dict(item) for item in json.loads(raw))
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValueError(f"{CHANNELS} is not a JSON list of channel mappings: {exc}") from None
    # The history's place is optional text (None: under the staging root), which scalar_overrides leaves out.
    history = os.environ.get(PREFIX + "HISTORY") or None
    return InventorySettings(**{"staging_root": home() / "staging", "docs_root": home() / "data_docs",
                                "history": history, "channels": channels,
                                **scalar_overrides(InventorySettings, PREFIX), **overrides})


def inventory_flow(run_id: str, odoo_conn_id: str = "odoo_default") -> InventoryFlow:
    return InventoryFlow(inventory_settings(), StateStore(), lambda: OdooHook(odoo_conn_id).get_conn(),
                         lambda conn_id: ChannelHook(conn_id).get_conn(), send_alert, run_id)


def take_snapshot(run_id: str) -> dict:
    """A blocked snapshot fails the task without retries (Odoo answered; a retry reads the same) and without a
    second email (the flow's alert has gone)."""
    outcome = inventory_flow(run_id).take_snapshot()
    if outcome.status is SnapshotStatus.BLOCKED:
        fail_alerted(f"stock snapshot blocked, nothing pushed to any channel: {outcome.reason}")
    log.info("stock snapshot: %d rows (product × warehouse), %d quarantined, %s", outcome.rows,
             outcome.quarantined, outcome.path)
    return outcome.to_xcom()


def channel_conn_ids() -> list[str]:
    return [target.conn_id for target in inventory_settings().channels]


def correct_channel(conn_id: str, snapshot: dict, run_id: str) -> dict:
    outcome = inventory_flow(run_id).correct_channel(conn_id, SnapshotOutcome.from_xcom(snapshot))
    push = outcome.push
    log.info("%s: %d levels differed (%d units), %d pushed, %d kept a sale, %d refused, %d SKUs unknown to Odoo",
             outcome.channel, outcome.differing, outcome.units_apart, push.pushed, push.kept_sales, len(push.failed),
             outcome.unknown_skus)
    return outcome.to_xcom()
