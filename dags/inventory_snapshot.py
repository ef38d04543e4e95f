from __future__ import annotations

import os

import pendulum
from airflow.sdk import Asset, dag, task

from retail_sync.airflow.dag_defaults import dag_kwargs

STOCK_HISTORY = Asset("retail-sync://inventory/snapshots", extra={"format": "parquet", "partitioning": "date/hour"})
CHANNEL_STOCK = Asset("retail-sync://inventory/channel-levels")


@dag(
    schedule=os.environ.get("RETAIL_SYNC_INVENTORY_SCHEDULE") or "@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    description="Snapshot Odoo stock into the Parquet history, then correct every channel's inventory levels",
    tags=["retail-sync", "inventory", "odoo"],
    **dag_kwargs(),
)
def inventory_snapshot():
    """
    ### Inventory snapshot: Odoo stock → Parquet history → channel corrections

    Every hour (`$RETAIL_SYNC_INVENTORY_SCHEDULE`) Odoo's stock (`stock.quant` in internal locations) is
    summed per product × warehouse and written to the snapshot history (Parquet, `date=/hour=` partitions,
    under `$RETAIL_SYNC_INVENTORY_HISTORY`); re-running an hour replaces it. Great Expectations checks it
    first: rows without SKU or warehouse, or with negative stock, are quarantined; a snapshot whose row
    count left its band of the previous one is blocked and alerted, and nothing is pushed.

    Then each channel in `$RETAIL_SYNC_INVENTORY_CHANNELS` is compared (mismatch report + metrics per
    warehouse × channel) and its differing levels corrected: available less the channel's safety buffer,
    Shopify by compare-and-set so that a sale since the read is never overwritten.
    """

    @task(outlets=[STOCK_HISTORY], pool="odoo_batch")
    def take_snapshot(run_id: str | None = None) -> dict:
        from retail_sync.airflow.tasks import inventory

        return inventory.take_snapshot(run_id)

    @task
    def channels() -> list[str]:
        from retail_sync.airflow.tasks import inventory

        return inventory.channel_conn_ids()

    @task(outlets=[CHANNEL_STOCK], map_index_template="{{ task.op_kwargs['conn_id'] }}")
    def correct_channel(conn_id: str, snapshot: dict, run_id: str | None = None) -> dict:
        """One channel's comparison and corrections: a channel that fails fails alone."""
        from retail_sync.airflow.tasks import inventory

        return inventory.correct_channel(conn_id, snapshot, run_id)

    snapshot = take_snapshot()
    correct_channel.partial(snapshot=snapshot).expand(conn_id=channels())


inventory_snapshot()
