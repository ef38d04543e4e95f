"""stock.quant as addons/stock/models/stock_quant.py has it: quants only for storable products, counts
entered in inventory mode and applied, the conflict wizard for a count that went stale, and
inventory_quantity_auto_apply for counting and applying at once.

On a real Odoo the integration user needs Inventory / User (stock.group_stock_user), as the README says."""

from __future__ import annotations

import uuid

import pytest

from .odoo_target import RpcError

INVENTORY = {"inventory_mode": True}


@pytest.fixture
def stock(odoo) -> int:
    return odoo.call("stock.location", "search", [["usage", "=", "internal"]], limit=1)[0]


def storable(odoo) -> int:
    return odoo.call("product.product", "create", {"name": f"Stocked {uuid.uuid4().hex[:8]}", **odoo.storable()})


def quant_of(odoo, quant: int, fields: list[str], admin: bool = False) -> dict:
    call = odoo.admin_call if admin else odoo.call
    return call("stock.quant", "read", [quant], fields)[0]


@pytest.mark.parametrize("kind", ["consu", "service"])
def test_no_quants_for_consumables_or_services(odoo, stock, kind):
    vals = {"detailed_type": kind} if odoo.version == 17 else {"type": kind}
    product = odoo.call("product.product", "create", {"name": f"Not stocked {uuid.uuid4().hex[:8]}", **vals})
    with pytest.raises(RpcError) as info:
        odoo.call("stock.quant", "create", {"product_id": product, "location_id": stock, "inventory_quantity": 3},
                  context=INVENTORY)
    assert info.value.name == "odoo.exceptions.ValidationError"
    assert "Quants cannot be created for consumables or services." in str(info.value)
    assert odoo.call("stock.quant", "search_count", [["product_id", "=", product]]) == 0


def test_a_count_is_entered_then_applied(odoo, stock):
    product = storable(odoo)
    quant = odoo.call("stock.quant", "create", {"product_id": product, "location_id": stock,
                                                "inventory_quantity": 5}, context=INVENTORY)
    counted = quant_of(odoo, quant, ["quantity", "inventory_quantity", "inventory_quantity_set",
                                     "inventory_diff_quantity"])
    assert (counted["quantity"], counted["inventory_quantity"], counted["inventory_quantity_set"],
            counted["inventory_diff_quantity"]) == (0.0, 5.0, True, 5.0)
    assert odoo.call("stock.quant", "action_apply_inventory", [quant], context=INVENTORY) is None
    applied = quant_of(odoo, quant, ["quantity", "inventory_quantity_set"])
    assert (applied["quantity"], applied["inventory_quantity_set"]) == (5.0, False)
    assert odoo.call("product.product", "read", [product], ["qty_available"])[0]["qty_available"] == 5.0


def test_applying_a_count_that_went_stale_returns_the_conflict_wizard(odoo, stock):
    product = storable(odoo)
    quant = odoo.call("stock.quant", "create", {"product_id": product, "location_id": stock,
                                                "inventory_quantity": 10}, context=INVENTORY)
    odoo.admin_call("stock.quant", "write", [quant], {"quantity": 3})  # stock moved after the count
    assert quant_of(odoo, quant, ["is_outdated"])["is_outdated"] is True
    action = odoo.call("stock.quant", "action_apply_inventory", [quant], context=INVENTORY)
    assert action["res_model"] == "stock.inventory.conflict" and action["type"] == "ir.actions.act_window"
    assert action["context"]["default_quant_to_fix_ids"] == [quant]
    assert quant_of(odoo, quant, ["quantity", "inventory_quantity_set"]) == {
        "id": quant, "quantity": 3.0, "inventory_quantity_set": True}


def test_inventory_quantity_auto_apply_counts_and_applies_at_once(odoo, stock):
    product = storable(odoo)
    quant = odoo.call("stock.quant", "create", {"product_id": product, "location_id": stock,
                                                "inventory_quantity_auto_apply": 7}, context=INVENTORY)
    assert quant_of(odoo, quant, ["quantity", "inventory_quantity_set"]) == {
        "id": quant, "quantity": 7.0, "inventory_quantity_set": False}
    assert quant_of(odoo, quant, ["inventory_quantity_auto_apply"], admin=True)["inventory_quantity_auto_apply"] == 7
    again = odoo.call("stock.quant", "create", {"product_id": product, "location_id": stock,
                                                "inventory_quantity_auto_apply": 4}, context=INVENTORY)
    assert again == quant and quant_of(odoo, quant, ["quantity"])["quantity"] == 4.0
    # The field itself belongs to stock managers (groups="stock.group_stock_manager").
    for attempt in (lambda: quant_of(odoo, quant, ["inventory_quantity_auto_apply"]),
                    lambda: odoo.call("stock.quant", "write", [quant], {"inventory_quantity_auto_apply": 1},
                                      context=INVENTORY)):
        with pytest.raises(RpcError) as info:
            attempt()
        assert info.value.name == "odoo.exceptions.AccessError"
    assert "inventory_quantity_auto_apply" not in odoo.call("stock.quant", "fields_get", [])
    assert quant_of(odoo, quant, ["quantity"])["quantity"] == 4.0


def test_inventory_mode_needs_the_stock_groups(odoo, stock):
    """A user outside the stock groups gets no inventory mode (and no right to touch quants at all)."""
    product = storable(odoo)
    login = f"clerk-{uuid.uuid4().hex[:8]}"
    group_field = "groups_id" if odoo.version < 19 else "group_ids"
    internal = odoo.admin_call("ir.model.data", "search_read", [["module", "=", "base"],
                                                               ["name", "=", "group_user"]], ["res_id"])[0]["res_id"]
    uid = odoo.admin_call("res.users", "create", {"name": "Clerk", "login": login, "password": "clerk-pw-123456",
                                                 group_field: [(6, 0, [internal])]})
    assert odoo.jsonrpc("common", "authenticate", odoo.db, login, "clerk-pw-123456", {}) == uid
    with pytest.raises(RpcError) as info:
        odoo.jsonrpc("object", "execute_kw", odoo.db, uid, "clerk-pw-123456", "stock.quant", "create",
                     [{"product_id": product, "location_id": stock, "inventory_quantity": 2}], {"context": INVENTORY})
    assert info.value.name == "odoo.exceptions.AccessError"
    assert odoo.call("stock.quant", "search_count", [["product_id", "=", product]]) == 0
