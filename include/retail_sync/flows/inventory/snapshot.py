"""Odoo's quants folded into the snapshot: on hand, reserved and available per product × warehouse.

All of it is Arrow joins and group-bys: no Python loop over quants. A location outside every warehouse
keeps its stock under a null warehouse, and a product without a SKU under a null SKU, so validation can
name them instead of their stock silently vanishing.
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from retail_sync.canonical.stock import STOCK_SNAPSHOT_SCHEMA
from retail_sync.flows.inventory.read import OdooStock


def build_snapshot(stock: OdooStock, taken_at: datetime) -> pa.Table:
    placed = stock.quants.join(stock.locations, "location_id", join_type="left outer")
    totals = placed.group_by(["product_id", "warehouse_id"], use_threads=False).aggregate([
        ("quantity", "sum"), ("reserved_quantity", "sum"), ("location_id", "count")])
    named = (totals.join(stock.products, "product_id", join_type="left outer")
             .join(stock.warehouses, "warehouse_id", join_type="left outer"))
    on_hand, reserved = named["quantity_sum"], named["reserved_quantity_sum"]
    table = pa.table({
        "snapshot_at": pa.repeat(pa.scalar(taken_at, STOCK_SNAPSHOT_SCHEMA.field("snapshot_at").type), named.num_rows),
        "warehouse": named["warehouse"],
        "sku": named["sku"],
        "product_id": named["product_id"],
        "on_hand": on_hand,
        "reserved": reserved,
        "available": pc.round(pc.subtract(on_hand, reserved), 6),   # no 0.30000000000000004 left behind
        "quants": named["location_id_count"],
    }, schema=STOCK_SNAPSHOT_SCHEMA)
    return table.sort_by([("warehouse", "ascending"), ("sku", "ascending"), ("product_id", "ascending")])
