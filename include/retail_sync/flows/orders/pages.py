"""A page of canonical order tables narrowed to some of its orders, each with its child rows."""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc


def narrow(tables: dict[str, pa.Table], order_keys: Iterable[str], keep: bool = True) -> dict[str, pa.Table]:
    """The page with only (`keep`) or without (not `keep`) these orders: their lines, payments, refunds and
    shipments follow them; tables that belong to no order (customers) are left as they are."""
    chosen = pa.array(sorted(set(order_keys)), pa.string())
    result = {}
    for name, table in tables.items():
        column = "key" if name == "orders" else "order_key" if "order_key" in table.column_names else None
        if column is None:
            result[name] = table
            continue
        inside = pc.is_in(table.column(column), chosen)
        result[name] = table.filter(inside if keep else pc.invert(inside))
    return result
