"""Inactive SKUs publish like any other. The variant, its price rules and an attribute line of an inactive
parent's template all name archived records by database id, which Odoo's load() finds only with active_test
off; before, the prices of an inactive SKU and the lines of an all-inactive parent were refused as "Unknown
database identifier"/"No matching record" (the sandbox checks ids as Odoo's search does: tests/contract)."""

from __future__ import annotations

from retail_sync.canonical.keys import price_key, promo_key
from retail_sync.odoo.binder import xmlid

from .catalog_fixtures import start_world

HEADER = "sku,parent_key,name,category_path,list_price,currency,tax_class,active,attr_size,promo_price,promo_start,promo_end"
LINES = ["TEE-S,TEE,Tee,Apparel/Tops,19.90,EUR,standard,true,S,,,",
         "TEE-M,TEE,Tee,Apparel/Tops,21.90,EUR,standard,false,M,15.00,2030-01-01T00:00:00Z,2030-01-31T00:00:00Z",
         "CAP-L,CAP,Cap,Apparel/Hats,9.90,EUR,standard,false,L,,,"]


def feed(world, name: str, lines: list[str]) -> str:
    path = world.tmp / name
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return str(path)


def rule_price(world, key: str) -> float | None:
    found = world.client.call("product.pricelist.item", "search_read", [["id", "=", rule_id(world, key)]],
                              ["fixed_price"])
    return found[0]["fixed_price"] if found else None


def rule_id(world, key: str) -> int:
    module, name = xmlid(key).split(".")
    return world.client.call("ir.model.data", "search_read", [["module", "=", module], ["name", "=", name]],
                             ["res_id"])[0]["res_id"]


def test_inactive_skus_and_an_all_inactive_parent_load_and_update(tmp_path):
    world = start_world(tmp_path)
    try:
        outcome = world.run(feed(world, "first.csv", LINES))
        assert (outcome.loaded, outcome.dead_lettered) == (3, 0), outcome.failures
        inactive = world.client.call("product.product", "search_read", [["active", "=", False]], ["default_code"],
                                     context={"active_test": False})
        assert sorted(p["default_code"] for p in inactive) == ["CAP-L", "TEE-M"]
        cap = world.client.call("product.template", "search_read", [["name", "=", "Cap"]], ["active", "attribute_line_ids"],
                                context={"active_test": False})
        assert cap[0]["active"] is False and len(cap[0]["attribute_line_ids"]) == 1
        assert rule_price(world, price_key("TEE-M")) == 21.9 and rule_price(world, promo_key("TEE-M")) == 15.0
        # The inactive SKU's prices change: its archived variant and rules are updated, not refused.
        changed = [LINES[0], LINES[1].replace("21.90", "22.90").replace("15.00", "14.00"), LINES[2]]
        outcome = world.run(feed(world, "second.csv", changed), run_id="run-2")
        assert (outcome.loaded, outcome.dead_lettered) == (1, 0), outcome.failures
        assert rule_price(world, price_key("TEE-M")) == 22.9 and rule_price(world, promo_key("TEE-M")) == 14.0
    finally:
        world.server.stop()
