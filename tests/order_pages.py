"""Canonical order pages built from the demo world without a server: the WooCommerce sandbox's own
payloads for an order (any past version of it) mapped by the product's WooCommerce mapper."""

from __future__ import annotations

import pyarrow as pa

from retail_sync.channels.frames import OrderRows
from retail_sync.channels.woocommerce import mapping
from retail_sync_sandbox.datagen.orders import state_at
from retail_sync_sandbox.woocommerce.records import order_docs


def woo_page(orders: list[dict], channel: str = "woo-uk", at: str | None = None) -> dict[str, pa.Table]:
    """The tables a WooCommerce pull would give for these orders (as they were at `at`, if given)."""
    rows = OrderRows()
    for order in orders:
        docs = order_docs(state_at(order, at) if at else order, {})
        mapping.add_order(rows, channel, docs[0].body, [d.body for d in docs[1:]])
    return rows.tables()
