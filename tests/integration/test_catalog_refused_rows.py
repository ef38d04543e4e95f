"""A row Odoo would refuse leaves nothing behind: no code-less product from a refused barcode, and no
second product carrying the SKU of a product the sync does not manage (dead-lettered as a conflict)."""

from __future__ import annotations

import pytest

from retail_sync.flows.catalog.flow import FileStatus

GOOD = ["TEE-S,TEE,Organic tee,Apparel/Tops,19.90,EUR,standard,true,4006381333931,S",
        "MUG,MUG,Mug,Home/Kitchen,8.00,EUR,reduced,true,,"]


def all_products(world) -> list[dict]:
    return world.client.call("product.product", "search_read", [["default_code", "!=", "SHIP"]],
                             ["default_code", "barcode", "active", "product_tmpl_id"], context={"active_test": False})


@pytest.mark.parametrize("twin", [
    "TWIN,TWIN,Twin,Apparel,5.00,EUR,standard,true,4006381333931,",          # a parent of its own
    "TEE-M,TEE,Organic tee,Apparel/Tops,21.90,EUR,standard,true,4006381333931,M",  # a new size of a parent
])
def test_a_barcode_odoo_refuses_leaves_no_product_behind(world, twin):
    assert world.run(world.feed("first.csv", GOOD)).loaded == 2
    before = all_products(world)
    result = world.run(world.feed("second.csv", GOOD + [twin]), run_id="run-2")
    assert result.status == FileStatus.PUBLISHED and result.dead_lettered == 1
    [letter] = world.store.dead_letters("catalog")
    assert "barcode 4006381333931 already belongs" in letter.error and letter.stage == "load"
    assert all_products(world) == before  # no template, no code-less variant, nothing else changed


def test_a_sku_that_is_the_code_of_a_product_the_sync_does_not_manage_is_a_conflict(world):
    template = world.client.call("product.template", "create", {"name": "Hand-made mug"})
    [foreign] = world.client.call("product.product", "search", [["product_tmpl_id", "=", template]])
    world.client.call("product.product", "write", [foreign], {"default_code": "MUG"})
    result = world.run(world.feed("feed.csv", GOOD))
    assert result.loaded == 1 and result.dead_lettered == 1
    error = result.failures["pim:product:MUG"]
    assert error.startswith("conflict: SKU MUG is already the internal reference") and str(foreign) in error
    assert [p["id"] for p in all_products(world) if p["default_code"] == "MUG"] == [foreign]
    # Once a person renames the other product, the next file loads the SKU and resolves its dead letter.
    world.client.call("product.product", "write", [foreign], {"default_code": "MUG-OLD"})
    again = world.run(world.feed("again.csv", GOOD[::-1]), run_id="run-2")
    assert again.loaded == 1 and world.store.dead_letters("catalog") == []
