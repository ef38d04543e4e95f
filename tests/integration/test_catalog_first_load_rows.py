"""The cheaper first load writes what the row-wise one wrote.

The plan works out each distinct attribute set once and shares its dict among the templates that have it,
with digests equal to the row-wise `digest`; attribute lines name their template, attribute and values by
database id (their own external id stays the upsert key), and still point at the records those keys name,
also after a lost answer; the ledger takes plain tuples; request bodies are encoded by the client itself,
which refuses a NaN before sending anything.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pyarrow as pa
import pytest

from retail_sync.canonical.keys import attribute_key, attribute_line_key, attribute_value_key, product_key, template_key
from retail_sync.canonical.product import PRODUCT_SCHEMA, digest
from retail_sync.flows.catalog.plan import CatalogPlan
from retail_sync.odoo.binder import Binder, xmlid
from retail_sync.odoo.mappers import product as mapper
from retail_sync.state.store import LedgerEntry, StateStore
from retail_sync_sandbox.faults import FaultPlan

from .catalog_fixtures import start_world

LINES = ["TEE-S,TEE,Organic tee,Apparel/Tops,19.90,EUR,standard,true,,S",
         "TEE-M,TEE,Organic tee,Apparel/Tops,21.90,EUR,standard,true,,M",
         "POLO-S,POLO,Polo,Apparel/Tops,29.90,EUR,standard,true,,S",
         "POLO-M,POLO,Polo,Apparel/Tops,29.90,EUR,standard,true,,M",
         "CAP-L,CAP,Cap,Apparel/Hats,9.90,EUR,standard,true,,L",
         "MUG,MUG,Mug,Home/Kitchen,8.00,EUR,reduced,true,,"]


def product(sku: str, parent: str, size: str | None) -> dict:
    return {"key": product_key(sku), "sku": sku, "parent_key": parent, "name": f"{parent} {sku}", "description": None,
            "category_path": "Apparel", "list_price": Decimal("10.00"), "cost": None, "currency": "EUR",
            "barcode": None, "tax_class": "standard", "active": True, "weight": None,
            "attributes": json.dumps({"Size": size} if size else {}), "promo_price": None, "promo_start": None,
            "promo_end": None, "source_row": 0}


def test_templates_with_one_attribute_set_share_its_values_and_digest_row_wise():
    rows = [product("A-S", "A", "S"), product("B-M", "B", "M"), product("A-M", "A", "M"), product("B-S", "B", "S"),
            product("C-S", "C", "S"), product("D", "D", None)]
    table = pa.Table.from_pylist(rows, schema=PRODUCT_SCHEMA)
    plan = CatalogPlan(table)
    assert plan.templates["A"]["attributes"] == {"Size": ["M", "S"]}
    assert plan.templates["A"]["attributes"] is plan.templates["B"]["attributes"]   # one set, worked out once
    assert plan.templates["C"]["attributes"] == {"Size": ["S"]} and plan.templates["D"]["attributes"] == {}
    assert plan.templates["A"]["name"] == "A A-M"    # the first SKU in SKU order, not in file order
    assert plan.template_keys == {p: template_key(p) for p in "ABCD"}
    assert plan.template_digests == {template_key(p): digest(t) for p, t in plan.templates.items()}
    # A file read in several chunks (row groups) plans the same.
    chunked = CatalogPlan(pa.concat_tables([table.slice(0, 1), table.slice(1, 3), table.slice(4)]))
    assert (chunked.templates, chunked.sku_digests, chunked.template_digests) == (
        plan.templates, plan.sku_digests, plan.template_digests)


def test_attribute_line_rows_name_their_records_by_database_id():
    rows = mapper.attribute_line_rows([("TEE", "Size", 7, 3, [11, 12]), ("POLO", "Size", 8, 3, [11, 12])])
    key = attribute_line_key("TEE", "Size")
    assert mapper.ATTRIBUTE_LINE_COLUMNS == ["id", "product_tmpl_id/.id", "attribute_id/.id", "value_ids/.id"]
    assert rows == [(key, (xmlid(key), "7", "3", "11,12")),
                    (attribute_line_key("POLO", "Size"), (xmlid(attribute_line_key("POLO", "Size")), "8", "3", "11,12"))]


def lines_by_key(world) -> dict:
    """Each template's attribute lines as (template key, attribute key, value keys), read from Odoo and named
    back through the external ids the binder resolves."""
    binder = Binder(world.client)
    templates = {v: k for k, v in binder.resolve("product.template", [template_key(p) for p in
                                                                       ("TEE", "POLO", "CAP", "MUG")]).items()}
    attributes = {v: k for k, v in binder.resolve("product.attribute", [attribute_key("Size")]).items()}
    values = {v: k for k, v in binder.resolve("product.attribute.value",
                                              [attribute_value_key("Size", s) for s in "SML"]).items()}
    found = world.client.call("product.template.attribute.line", "search_read", [],
                              ["product_tmpl_id", "attribute_id", "value_ids"], load=None)
    return sorted((templates[line["product_tmpl_id"]], attributes[line["attribute_id"]],
                   tuple(sorted(values[v] for v in line["value_ids"]))) for line in found)


EXPECTED_LINES = sorted([
    (template_key("TEE"), attribute_key("Size"), tuple(sorted(attribute_value_key("Size", s) for s in "SM"))),
    (template_key("POLO"), attribute_key("Size"), tuple(sorted(attribute_value_key("Size", s) for s in "SM"))),
    (template_key("CAP"), attribute_key("Size"), (attribute_value_key("Size", "L"),)),
])


def line_xmlids(world) -> int:
    return world.client.call("ir.model.data", "search_count", [["module", "=", "retail_sync"],
                                                                ["model", "=", "product.template.attribute.line"]])


@pytest.mark.parametrize("lost_answer", [False, True], ids=["clean", "lost-answer"])
def test_attribute_lines_point_at_the_records_their_keys_name(tmp_path, lost_answer):
    world = start_world(tmp_path)
    try:
        world.client.uid   # noqa: B018 - logged in first, as in the probe: calls are counted from here
        if lost_answer:
            # The attribute-line load commits, its answer is lost: the retry upserts by the lines' external ids.
            position = position_of_line_load(tmp_path)
            world.sandbox.faults.configure(FaultPlan(fail_calls={position: "503"}, after_commit=True))
        outcome = world.run(world.feed("feed.csv", LINES))
        assert outcome.loaded == len(LINES) and outcome.dead_lettered == 0, outcome.failures
        if lost_answer:   # the fault was reached and answered, and the load sent again
            assert world.sandbox.faults.snapshot()["calls"] > position
            assert world.sandbox.stats.snapshot()["by_call"]["product.template.attribute.line.load"]["calls"] >= 2
        world.sandbox.faults.configure(FaultPlan())
        assert lines_by_key(world) == EXPECTED_LINES
        assert line_xmlids(world) == len(EXPECTED_LINES)     # one external id per line, none doubled
        variants = world.client.call("product.template", "search_read", [["default_code", "!=", "SHIP"]],
                                     ["name", "product_variant_count"])
        assert sorted((t["name"], t["product_variant_count"]) for t in variants) == [
            ("Cap", 1), ("Mug", 1), ("Organic tee", 2), ("Polo", 2)]
    finally:
        world.server.stop()


def position_of_line_load(tmp_path) -> int:
    """The call number of the attribute-line load in a clean publish of LINES (counted as the sandbox does)."""
    probe = start_world(tmp_path / "probe")
    try:
        calls = []
        original = probe.client._jsonrpc

        def recording(service, method, args):
            calls.append(f"{args[3]}.{args[4]}" if len(args) > 4 else method)
            return original(service, method, args)

        probe.client.uid  # noqa: B018 - logged in first: the calls counted are the publish's
        probe.sandbox.faults.configure(FaultPlan())
        probe.client._jsonrpc = recording
        assert probe.run(probe.feed("feed.csv", LINES)).loaded == len(LINES)
        return calls.index("product.template.attribute.line.load") + 1
    finally:
        probe.server.stop()


def test_the_ledger_takes_plain_tuples(tmp_path):
    store = StateStore(f"sqlite:///{tmp_path}/state.sqlite")
    assert store.record_loaded([("pim:product:A", "product.product", 7, "d1"),
                                LedgerEntry("pim:product:B", "product.product", 8, "d2"),
                                ("pim:product:A", "product.product", 9, "d3")], "run-1") == 2   # the last of A wins
    assert store.ledger(["pim:product:A", "pim:product:B", "pim:product:C"]) == {
        "pim:product:A": LedgerEntry("pim:product:A", "product.product", 9, "d3"),
        "pim:product:B": LedgerEntry("pim:product:B", "product.product", 8, "d2")}


def test_a_nan_is_refused_before_anything_is_sent(tmp_path):
    world = start_world(tmp_path)
    try:
        world.client.uid   # noqa: B018 - logged in: what follows is the one call
        before = world.sandbox.stats.snapshot()["calls"]
        with pytest.raises(ValueError):
            world.client.call("product.pricelist.item", "load", ["pricelist_id/id", "fixed_price"],
                              [["product.list0", math.nan]])
        assert world.sandbox.stats.snapshot()["calls"] == before
    finally:
        world.server.stop()


def test_template_rows_carry_each_versions_storable_fields_and_load_texts():
    templates = {"TEE": {"name": "Tee", "description": None, "category": "Apparel/Tops", "tax_class": "reduced",
                         "list_price": "19.9000", "active": False, "attributes": {}}}
    taxes = {"reduced": "retail_sync.tax_reduced"}
    columns, rows = mapper.template_rows(["TEE"], templates, taxes, 17)
    assert columns == [*mapper.TEMPLATE_COLUMNS, "detailed_type"]
    assert rows == [(template_key("TEE"), (xmlid(template_key("TEE")), "Tee", "", xmlid("pim:category:Apparel/Tops"),
                                           "19.9000", "retail_sync.tax_reduced", "1", "0", "product"))]
    columns, rows = mapper.template_rows(["TEE"], templates, {}, 18)   # an unmapped tax class: no tax
    assert columns[-2:] == ["type", "is_storable"] and rows[0][1][5] == "" and rows[0][1][-2:] == ("consu", "1")
