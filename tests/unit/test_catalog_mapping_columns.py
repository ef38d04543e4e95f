"""Variant and price rows made column by column from Arrow carry the texts the row-wise definition gives:
`load_value` of each field (1/0, empty for None, Python's own text of floats and decimals), prices compared
as amounts, promotions dated in UTC."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from retail_sync.canonical.keys import price_key, product_key, promo_key
from retail_sync.canonical.product import PRODUCT_SCHEMA
from retail_sync.odoo.binder import xmlid
from retail_sync.odoo.mappers import product as mapper
from retail_sync.odoo.mappers.values import load_datetime, load_value


def product(sku, price, **extra) -> dict:
    row = {"key": product_key(sku), "sku": sku, "parent_key": "TEE", "name": "Tee", "description": None,
           "category_path": "Apparel", "list_price": Decimal(price), "cost": None, "currency": "EUR", "barcode": None,
           "tax_class": "standard", "active": True, "weight": None, "attributes": json.dumps({"Size": sku}),
           "promo_price": None, "promo_start": None, "promo_end": None, "source_row": 0}
    row.update(extra)
    return row


ROWS = [
    product("S", "19.90", cost=Decimal("0"), weight=1e-7, barcode="4006381333931"),
    product("M", "21.9", active=False, weight=100000000000000000000.0, cost=Decimal("12345678901234.5678")),
    product("L", "19.9", weight=0.30000000000000004, promo_price=Decimal("9.5"),
            promo_start=datetime(2026, 12, 1, tzinfo=UTC), promo_end=datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
]


def table(tmp_path) -> pa.Table:
    path = tmp_path / "good.parquet"      # through Parquet, as publish reads it (timestamps come back in ms)
    pq.write_table(pa.Table.from_pylist(ROWS, schema=PRODUCT_SCHEMA), path)
    return pq.read_table(path)


VARIANT_IDS = {product_key("S"): 41, product_key("M"): 42, product_key("L"): 43}   # the variants matched in Odoo


def test_variant_rows_hold_the_row_wise_texts(tmp_path):
    python_rows = table(tmp_path).to_pylist()
    assert [(key, list(values)) for key, values in mapper.variant_rows(table(tmp_path), VARIANT_IDS)] == [
        (r["key"], [str(VARIANT_IDS[r["key"]]), r["sku"], load_value(r["barcode"]), load_value(r["cost"]),
                    load_value(r["weight"]), load_value(r["active"])]) for r in python_rows]
    assert [list(v)[2:] for _k, v in mapper.variant_rows(table(tmp_path), VARIANT_IDS)] == [
        ["4006381333931", "0.0000", "1e-07", "1"], ["", "12345678901234.5678", "1e+20", "0"],
        ["", "", "0.30000000000000004", "1"]]


def test_price_rows_compare_amounts_and_date_promotions_in_utc(tmp_path):
    wanted, obsolete = mapper.price_rows(table(tmp_path), ["19.9000"] * 3, "product.list0", VARIANT_IDS,
                                         published=set())
    variant = {sku: str(VARIANT_IDS[product_key(sku)]) for sku in "SML"}
    assert [(key, list(values)) for key, values in wanted] == [
        # 19.90 and 19.9 are the parent's price: no rule; 21.9 is the SKU's own.
        (product_key("M"), [xmlid(price_key("M")), "product.list0", "0_product_variant", variant["M"], "fixed",
                            "21.9000", "0", "", ""]),
        (product_key("L"), [xmlid(promo_key("L")), "product.list0", "0_product_variant", variant["L"], "fixed",
                            "9.5000", "0", load_datetime(datetime(2026, 12, 1)), "2026-12-31 23:59:59"]),
    ]
    assert obsolete == []
    # A SKU published before loses the rules it no longer has.
    _wanted, obsolete = mapper.price_rows(table(tmp_path), ["19.9000"] * 3, "product.list0", VARIANT_IDS,
                                          published={product_key("S"), product_key("M")})
    assert obsolete == [price_key("S"), promo_key("S"), promo_key("M")]
