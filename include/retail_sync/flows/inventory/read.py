"""Reading Odoo's stock for a snapshot: the warehouses, the internal locations (each with the warehouse Odoo
computed for it from the location tree), the quants in those locations page by page, and the SKUs of the
products found. Only the fields the snapshot needs are asked for, many2ones as bare ids (`load=None`).

Quants are paged by id (`id > last`, ordered by id) rather than by offset: a quant created while the read
runs cannot shift a page boundary and be read twice or skipped. A failure part-way raises: a half-read
Odoo is never a snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from retail_sync.odoo.client import OdooClient

QUANT_FIELDS = ["product_id", "location_id", "quantity", "reserved_quantity"]
ALL_RECORDS = {"active_test": False}   # archived products and locations still hold stock


@dataclass
class OdooStock:
    quants: pa.Table        # product_id, location_id, quantity, reserved_quantity
    locations: pa.Table     # location_id, warehouse_id (null outside every warehouse)
    warehouses: pa.Table    # warehouse_id, warehouse (code)
    products: pa.Table      # product_id, sku: every product that has a SKU (quants of others get a null SKU)
    calls: int = 0


def read_stock(client: OdooClient, page_size: int) -> OdooStock:
    calls_before = client.counters.calls
    warehouses = client.call("stock.warehouse", "search_read", [], ["code"], context=ALL_RECORDS)
    locations = client.call("stock.location", "search_read", [["usage", "=", "internal"]], ["warehouse_id"],
                            load=None, context=ALL_RECORDS)
    location_ids = [row["id"] for row in locations]
    quants = _read_quants(client, location_ids, page_size)
    # Every product with a SKU, stocked or not: a channel SKU missing from this list is unknown to Odoo.
    products = _read_by_id(client, "product.product", [["default_code", "!=", False]], ["default_code"], page_size,
                           context=ALL_RECORDS)
    return OdooStock(
        quants=quants,
        locations=pa.table({"location_id": pa.array(location_ids, pa.int64()),
                            "warehouse_id": pa.array([row["warehouse_id"] or None for row in locations], pa.int64())}),
        warehouses=pa.table({"warehouse_id": pa.array([w["id"] for w in warehouses], pa.int64()),
                             "warehouse": pa.array([w["code"] for w in warehouses], pa.string())}),
        products=pa.table({"product_id": pa.array([p["id"] for p in products], pa.int64()),
                           "sku": pa.array([p["default_code"] or None for p in products], pa.string())}),
        calls=client.counters.calls - calls_before)


def _read_quants(client: OdooClient, location_ids: list[int], page_size: int) -> pa.Table:
    rows = _read_by_id(client, "stock.quant", [["location_id", "in", location_ids]], QUANT_FIELDS, page_size) \
        if location_ids else []
    return pa.table({"product_id": pa.array([r["product_id"] for r in rows], pa.int64()),
                     "location_id": pa.array([r["location_id"] for r in rows], pa.int64()),
                     "quantity": pa.array([r["quantity"] for r in rows], pa.float64()),
                     "reserved_quantity": pa.array([r["reserved_quantity"] for r in rows], pa.float64())})


def _read_by_id(client: OdooClient, model: str, domain: list, fields: list[str], page_size: int,
                **kwargs) -> list[dict]:
    found: list[dict] = []
    last = 0
    while True:
        page = client.call(model, "search_read", [*domain, ["id", ">", last]], fields, limit=page_size, order="id",
                           load=None, **kwargs)
        found += page
        if len(page) < page_size:
            return found
        last = page[-1]["id"]
