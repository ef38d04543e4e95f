"""The canonical Product: one sellable SKU of a parent product, with its variant attributes."""

from __future__ import annotations

import hashlib

import pyarrow as pa

from retail_sync.canonical.money import MONEY

PRODUCT_SCHEMA = pa.schema([
    pa.field("key", pa.string(), nullable=False),            # pim:product:<sku>
    pa.field("sku", pa.string(), nullable=False),
    pa.field("parent_key", pa.string(), nullable=False),
    pa.field("name", pa.string(), nullable=False),
    pa.field("description", pa.string()),
    pa.field("category_path", pa.string(), nullable=False),  # "Apparel / Tops" levels, '/'-separated
    pa.field("list_price", MONEY, nullable=False),
    pa.field("cost", MONEY),
    pa.field("currency", pa.string(), nullable=False),       # ISO-4217
    pa.field("barcode", pa.string()),
    pa.field("tax_class", pa.string(), nullable=False),
    pa.field("active", pa.bool_(), nullable=False),
    pa.field("weight", pa.float64()),                         # kg
    pa.field("attributes", pa.string(), nullable=False),     # JSON object, sorted keys: {"Colour": "Black"}
    pa.field("promo_price", MONEY),
    pa.field("promo_start", pa.timestamp("s", tz="UTC")),
    pa.field("promo_end", pa.timestamp("s", tz="UTC")),
    pa.field("source_row", pa.int64(), nullable=False),
])


def digest(values: dict) -> str:
    """A stable digest of a record's loadable content (the sync ledger compares these).

    Callers build `values` in a fixed key order; plain `key=value` text hashes several times faster
    than a sorted JSON dump, and this runs once per row per run.
    """
    return hashlib.sha256("\x1f".join(f"{k}={v}" for k, v in values.items()).encode()).hexdigest()
