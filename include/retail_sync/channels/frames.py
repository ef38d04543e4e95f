"""Canonical rows collected while mapping a page of orders, as pyarrow tables, one per entity."""

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

