"""A template that gains an attribute: Odoo archives its old variants and makes new ones (one per new
combination). The SKUs' external ids must follow to the new, active variants, so that the run itself and
every later run write the products people see, not archived ones."""

from __future__ import annotations

from retail_sync.canonical.keys import product_key
from retail_sync.odoo.binder import MODULE, xmlid_name
from retail_sync.odoo.client import OdooClient, OdooConfig

from .catalog_fixtures import HEADER

SIZE_ONLY = ["TEE-S,TEE,Organic tee,Apparel/Tops,19.90,EUR,standard,true,4006381333931,S",
             "TEE-M,TEE,Organic tee,Apparel/Tops,21.90,EUR,standard,true,,M"]
WITH_COLOUR = [row + ",Navy" for row in SIZE_ONLY]


def with_colour_feed(world, name: str, rows: list[str]) -> str:
    return world.feed(name, ("\n".join([HEADER + ",attr_colour", *rows]) + "\n").encode())


def bound_variant(world, sku: str) -> dict:
    """The product.product the SKU's external id names, with what a person sees of it."""
    res_id = world.client.call("ir.model.data", "search_read",
                               [["module", "=", MODULE], ["name", "=", xmlid_name(product_key(sku))]],
                               ["res_id"])[0]["res_id"]
    return world.client.call("product.product", "read", [res_id],
                             ["default_code", "barcode", "active", "display_name", "lst_price"],
                             context={"active_test": False})[0]


def count_stock(world, variant_ids: list[int]) -> None:
    """An inventory count on the variants, by the administrator: a quant refuses their deletion, so Odoo
    archives them (not deletes) when their template's combinations change."""
    with OdooClient(OdooConfig(world.server.url, "odoo", "admin", "admin")) as admin:
        stock = admin.call("stock.location", "search", [["usage", "=", "internal"]], limit=1)[0]
        for variant in variant_ids:
            admin.call("stock.quant", "create", {"product_id": variant, "location_id": stock, "inventory_quantity": 4},
                       context={"inventory_mode": True})


def test_a_new_attribute_moves_the_skus_to_the_new_active_variants(world):
    assert world.run(world.feed("size.csv", SIZE_ONLY)).loaded == 2
    first = {sku: bound_variant(world, sku)["id"] for sku in ("TEE-S", "TEE-M")}

    assert world.run(with_colour_feed(world, "colour.csv", WITH_COLOUR), run_id="run-2").loaded == 2
    for sku, size in (("TEE-S", "S"), ("TEE-M", "M")):
        variant = bound_variant(world, sku)
        assert variant["id"] != first[sku]          # Odoo made a new variant for the new combination
        assert variant["active"] is True
        assert variant["default_code"] == sku
        assert variant["display_name"] == f"[{sku}] Organic tee ({size}, Navy)"
    assert bound_variant(world, "TEE-S")["barcode"] == "4006381333931"
    # Nothing referred to the old variants: Odoo deleted them. One product per SKU, holding its code.
    assert world.client.call("product.product", "search", [["id", "in", list(first.values())]],
                             context={"active_test": False}) == []
    active = world.client.call("product.product", "search_read", [["default_code", "in", ["TEE-S", "TEE-M"]]],
                               ["default_code"])
    assert sorted(p["default_code"] for p in active) == ["TEE-M", "TEE-S"]

    # A later run writes the new variant (the price rule names it).
    dearer = [WITH_COLOUR[0], WITH_COLOUR[1].replace("21.90", "24.90")]
    result = world.run(with_colour_feed(world, "later.csv", dearer), run_id="run-3")
    assert result.loaded == 1 and result.failures == {}
    rules = world.client.call("product.pricelist.item", "search_read", [["product_id", "!=", False]],
                              ["product_id", "fixed_price"])
    assert [(r["product_id"][0], r["fixed_price"]) for r in rules] == [(bound_variant(world, "TEE-M")["id"], 24.9)]


def test_archived_old_variants_whose_external_ids_cannot_move_are_dead_lettered_not_written(world):
    """Stock on the old variants makes Odoo archive them. Moving their external ids is an ir.model.data write
    the least-privilege integration user may not make: the SKUs are dead-lettered with that reason (an
    operator hears of it), and nothing is written to the archived variants."""
    assert world.run(world.feed("size.csv", SIZE_ONLY)).loaded == 2
    first = {sku: bound_variant(world, sku) for sku in ("TEE-S", "TEE-M")}
    count_stock(world, [v["id"] for v in first.values()])

    result = world.run(with_colour_feed(world, "colour.csv", WITH_COLOUR), run_id="run-2")
    assert result.loaded == 0 and sorted(result.failures) == [product_key("TEE-M"), product_key("TEE-S")]
    assert all("could not be moved" in error and "ir.model.data" in error for error in result.failures.values())
    assert sorted(letter.key for letter in world.store.dead_letters()) == [product_key("TEE-M"), product_key("TEE-S")]
    for sku, before in first.items():
        after = bound_variant(world, sku)
        assert after == {**before, "active": False}   # archived by Odoo, not written by the run
