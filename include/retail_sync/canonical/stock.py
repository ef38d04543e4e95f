"""The canonical stock snapshot: Odoo's stock per product × warehouse at one moment, and the mismatch report
that compares it with a channel. Quantities stay floats as Odoo keeps them (units of measure may be
fractional); what a channel is told is a whole number of units."""

from __future__ import annotations

import pyarrow as pa

from retail_sync.canonical.orders import UTC_TS

STOCK_SNAPSHOT_SCHEMA = pa.schema([
    pa.field("snapshot_at", UTC_TS, nullable=False),      # when Odoo was read (the partition is its hour)
    pa.field("warehouse", pa.string()),                   # stock.warehouse code; null: outside every warehouse
    pa.field("sku", pa.string()),                         # product default_code; null: the product has none
    pa.field("product_id", pa.int64(), nullable=False),
    pa.field("on_hand", pa.float64(), nullable=False),    # sum of stock.quant.quantity
    pa.field("reserved", pa.float64(), nullable=False),   # sum of stock.quant.reserved_quantity
    pa.field("available", pa.float64(), nullable=False),  # on_hand − reserved
    pa.field("quants", pa.int64(), nullable=False),       # how many quants were summed
])

STOCK_MISMATCH_SCHEMA = pa.schema([
    pa.field("sku", pa.string(), nullable=False),
    pa.field("warehouse", pa.string()),                   # the warehouse(s) mapped to the channel location
    pa.field("channel", pa.string(), nullable=False),
    pa.field("location_id", pa.string(), nullable=False),
    pa.field("kind", pa.string(), nullable=False),        # level_differs | missing_on_channel | unknown_sku
    pa.field("odoo_available", pa.float64()),             # null: the SKU is not in Odoo
    pa.field("target", pa.int64()),                       # what the channel should show (buffer applied)
    pa.field("channel_available", pa.int64()),            # null: the channel does not list the SKU there
    pa.field("difference", pa.int64()),                   # channel_available − target
    pa.field("inventory_item_id", pa.string()),
])
