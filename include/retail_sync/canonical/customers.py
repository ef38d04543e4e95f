"""The canonical Customer: a storefront account or a guest derived from an order's billing data."""

from __future__ import annotations

import pyarrow as pa

from retail_sync.canonical.orders import UTC_TS

CUSTOMER_SCHEMA = pa.schema([
    pa.field("key", pa.string(), nullable=False),             # woo:customer:17, woo:guest:<digest of email>
    pa.field("channel", pa.string(), nullable=False),
    pa.field("source_id", pa.string(), nullable=False),
    pa.field("is_guest", pa.bool_(), nullable=False),
    pa.field("first_name", pa.string()),
    pa.field("last_name", pa.string()),
    pa.field("email", pa.string()),
    pa.field("phone", pa.string()),
    pa.field("company", pa.string()),
    pa.field("street", pa.string()),
    pa.field("city", pa.string()),
    pa.field("zip", pa.string()),
    pa.field("country_code", pa.string()),
    pa.field("created_at", UTC_TS),
    pa.field("updated_at", UTC_TS),
])
