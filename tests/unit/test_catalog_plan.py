"""The column-wise publish plan gives the same templates, digests and rows as working row by row.

The ledger keeps digests across releases, so the column-wise digest must hash exactly the text the
row-wise definition hashes (`digest` over the SKU's loadable fields, then its parent's list price).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from retail_sync.canonical.keys import product_key, template_key
from retail_sync.canonical.product import PRODUCT_SCHEMA, digest
from retail_sync.flows.catalog.plan import CatalogPlan, _as_python_text


def product(sku, parent, price, **extra) -> dict:
    row = {"key": product_key(sku), "sku": sku, "parent_key": parent, "name": f"{parent} name {sku}",
           "description": None, "category_path": "Apparel/Tops", "list_price": Decimal(price), "cost": None,
           "currency": "EUR", "barcode": None, "tax_class": "standard", "active": True, "weight": None,
           "attributes": "{}", "promo_price": None, "promo_start": None, "promo_end": None, "source_row": 0}
    row.update(extra)
    return row


ROWS = [
    product("TEE-M", "TEE", "21.90", attributes=json.dumps({"Size": "M", "Colour": "Navy"}, sort_keys=True),
            weight=1.0, cost=Decimal("0"), barcode="4006381333931", description="A tee"),
    product("TEE-S", "TEE", "19.90", attributes=json.dumps({"Size": "S", "Colour": "Navy"}, sort_keys=True),
            weight=1e-7, active=False, promo_price=Decimal("9.5"),
            promo_start=datetime(2026, 12, 1, tzinfo=UTC), promo_end=datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
    product("MUG", "MUG", "12345678901234.5678", weight=0.3, active=False, tax_class="reduced"),
    product("TEE-L", "TEE", "19.90", attributes=json.dumps({"Size": "L", "Colour": "Sand"}, sort_keys=True)),
]


def written(tmp_path, rows) -> pa.Table:
    path = tmp_path / "good.parquet"      # through Parquet, as publish reads it (timestamps come back in ms)
    pq.write_table(pa.Table.from_pylist(rows, schema=PRODUCT_SCHEMA), path)
    return pq.read_table(path)


def row_wise_sku_digest(row: dict, base_price: str) -> str:
    fields = ("parent_key", "barcode", "cost", "weight", "active", "attributes", "list_price", "promo_price",
              "promo_start", "promo_end", "currency")
    return digest({**{name: row[name] for name in fields}, "base_price": base_price})


def test_templates_come_from_the_first_sku_in_sku_order_whatever_the_row_order(tmp_path):
    plan = CatalogPlan(written(tmp_path, ROWS))
    assert plan.templates["TEE"] == {
        "name": "TEE name TEE-L", "description": None, "category": "Apparel/Tops", "tax_class": "standard",
        "list_price": "19.9000", "active": True,
        "attributes": {"Colour": ["Navy", "Sand"], "Size": ["L", "M", "S"]}}
    assert plan.templates["MUG"]["active"] is False and plan.templates["MUG"]["attributes"] == {}
    assert CatalogPlan(written(tmp_path, list(reversed(ROWS)))).templates == plan.templates


def test_digests_hash_the_row_wise_text(tmp_path):
    table = written(tmp_path, ROWS)
    plan = CatalogPlan(table)
    python_rows = table.to_pylist()
    assert plan.sku_digests == {row["key"]: row_wise_sku_digest(row, plan.templates[row["parent_key"]]["list_price"])
                                for row in python_rows}
    assert plan.template_digests == {template_key(p): digest(t) for p, t in plan.templates.items()}
    # Every field counts: a promotion ending a second earlier, or a weight off by one float step,
    # changes that SKU's digest only.
    changed = [dict(r) for r in ROWS]
    changed[1]["promo_end"] = datetime(2026, 12, 31, 23, 59, 58, tzinfo=UTC)
    changed[2]["weight"] = 0.30000000000000004
    other = CatalogPlan(written(tmp_path, changed)).sku_digests
    assert {k for k in other if other[k] != plan.sku_digests[k]} == {product_key("TEE-S"), product_key("MUG")}


def test_rows_are_taken_only_for_the_parents_written(tmp_path):
    table = written(tmp_path, ROWS)
    plan = CatalogPlan(table)
    expected = [{**row, "attribute_map": json.loads(row["attributes"])} for row in table.to_pylist()]
    mug = plan.rows({"MUG"})
    assert len(mug) == 1 and dict(mug.of_parent) == {"MUG": range(0, 1)}
    assert [mug.as_dict(i) for i in range(len(mug))] == [r for r in expected if r["parent_key"] == "MUG"]
    # Parents in key order, each parent's rows in file order: the order a publish writes them in.
    everything = plan.rows({"MUG", "TEE"})
    assert list(everything.of_parent) == ["MUG", "TEE"]
    assert [everything.as_dict(i) for i in range(len(everything))] == (
        [r for r in expected if r["parent_key"] == "MUG"] + [r for r in expected if r["parent_key"] == "TEE"])
    assert everything.keys == [r["key"] for r in everything.table.to_pylist()]
    assert everything.column("list_price") == [Decimal("12345678901234.5678"), Decimal("21.9"), Decimal("19.9"),
                                               Decimal("19.9")]
    first = everything.as_dict(1)
    first["attribute_map"]["Size"] = "XL"     # each dict owns its parsed attributes
    assert everything.as_dict(1)["attribute_map"]["Size"] == "M"
    assert len(plan.rows(set())) == 0


def test_an_empty_file_plans_nothing(tmp_path):
    plan = CatalogPlan(written(tmp_path, []))
    assert (plan.templates, plan.sku_digests, plan.template_digests) == ({}, {}, {})


def test_timestamps_and_floats_take_pythons_text_wherever_they_are_empty(tmp_path):
    """The digest text of a timestamp or float is Python's `str()` of it, 'None' when empty, at any unit, time
    zone and position of the empty values (present values only are converted, then put back in their rows)."""
    moments = [datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC), None, datetime(2026, 12, 1, tzinfo=UTC),
               datetime(2026, 12, 1, 0, 0, 0, 500000, tzinfo=UTC), datetime(2026, 12, 1, 0, 0, 0, 123456, tzinfo=UTC),
               datetime(2, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, 23, 59, 59, tzinfo=UTC), None]
    for unit in ("s", "ms", "us"):
        for zone in ("UTC", None, "Europe/Brussels"):
            values = [m if m is None or unit != "s" else m.replace(microsecond=0) for m in moments]
            column = pa.chunked_array([pa.array(values[:3], pa.timestamp(unit, tz=zone)),
                                       pa.array(values[3:], pa.timestamp(unit, tz=zone))])
            assert _as_python_text(column).to_pylist() == [str(v) for v in column.to_pylist()], (unit, zone)
    floats = pa.chunked_array([pa.array([None, 1e-7, 0.30000000000000004], pa.float64()),
                               pa.array([1e20, None], pa.float64())])
    assert _as_python_text(floats).to_pylist() == ["None", "1e-07", "0.30000000000000004", "1e+20", "None"]
    assert _as_python_text(pa.chunked_array([pa.array([None, None], pa.float64())])).to_pylist() == ["None"] * 2


def test_digests_of_a_file_longer_than_a_slice_hash_each_row_wise_text_in_its_row(tmp_path):
    """The texts are hashed a slice (1,000) at a time: every row of every slice, in order, keeps its own digest."""
    rows = [product(f"SKU-{i:04d}", f"P{i // 3:04d}", f"{10 + i % 7}.50", weight=i / 8) for i in range(2_345)]
    table = written(tmp_path, rows)
    plan = CatalogPlan(table)
    assert plan.sku_digests == {row["key"]: row_wise_sku_digest(row, plan.templates[row["parent_key"]]["list_price"])
                                for row in table.to_pylist()}
