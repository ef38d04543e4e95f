"""Batches of canonical rows as pyarrow tables, one per entity: what every connector yields."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from retail_sync.canonical.customers import CUSTOMER_SCHEMA
from retail_sync.canonical.orders import ORDER_LINE_SCHEMA, ORDER_SCHEMA, PAYMENT_SCHEMA, REFUND_SCHEMA, SHIPMENT_SCHEMA

ORDER_ENTITIES = {"orders": ORDER_SCHEMA, "lines": ORDER_LINE_SCHEMA, "payments": PAYMENT_SCHEMA,
                  "refunds": REFUND_SCHEMA, "shipments": SHIPMENT_SCHEMA, "customers": CUSTOMER_SCHEMA}


@dataclass
class OrderRows:
    """Rows collected while mapping a page of orders, per canonical entity."""

    orders: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    payments: list[dict] = field(default_factory=list)
    refunds: list[dict] = field(default_factory=list)
    shipments: list[dict] = field(default_factory=list)
    customers: list[dict] = field(default_factory=list)

    def tables(self) -> dict[str, pa.Table]:
        return {name: pa.Table.from_pylist(getattr(self, name), schema=schema)
                for name, schema in ORDER_ENTITIES.items()}


@dataclass
class OrderPage:
    """One page of a pull: its canonical tables, and where to resume after it."""

    tables: dict[str, pa.Table]
    cursor: str | None               # resume after this page (None: the pull is complete)
    max_updated_at: str | None       # the highest source updated_at seen, for the watermark

    @property
    def order_count(self) -> int:
        return self.tables["orders"].num_rows
