"""The canonical InventoryLevel: what one channel says is available of one SKU at one location."""

from __future__ import annotations

import pyarrow as pa

from retail_sync.canonical.orders import UTC_TS

INVENTORY_LEVEL_SCHEMA = pa.schema([
    pa.field("key", pa.string(), nullable=False),             # shopify-eu:inventory:<sku>@<location id>
    pa.field("channel", pa.string(), nullable=False),
    pa.field("sku", pa.string(), nullable=False),
    pa.field("location_id", pa.string(), nullable=False),
    pa.field("inventory_item_id", pa.string(), nullable=False),  # what a correction is written against
    pa.field("available", pa.int64(), nullable=False),
    pa.field("updated_at", UTC_TS),
])
