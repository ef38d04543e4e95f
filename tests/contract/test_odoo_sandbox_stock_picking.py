"""Deliveries as addons/stock and sale_stock make them in 17, 18 and 19: a confirmed order's picking reserves
stock from the quants; validating it in full, or in part with the "Create Backorder?" wizard (backorder or
not), moves the stock out and sets the order line's delivered quantity.

Since 17 the quantity to ship is the move's `quantity` (with `picked`): there is no immediate-transfer
wizard any more. On a real Odoo the integration user needs Inventory / User and Sales / User.
"""

from __future__ import annotations

import pytest

from .odoo_target import RpcError
from .sale_fixtures import make_order, make_product, on_hand, put_in_stock, read_one

NO_WARNING = {"disable_cancel_warning": True}


def confirmed_order(odoo, product: int, quantity: float, **extra) -> tuple[int, int]:
    order = make_order(odoo, [{"product_id": product, "product_uom_qty": quantity}], **extra)
    odoo.call("sale.order", "action_confirm", [order])
    [picking] = read_one(odoo, "sale.order", order, ["picking_ids"])["picking_ids"]
    return order, picking


def moves_of(odoo, picking: int) -> list[dict]:
    return odoo.call("stock.move", "search_read", [["picking_id", "=", picking]],
                     ["product_uom_qty", "quantity", "picked", "state"])


def delivered(odoo, order: int) -> list[float]:
    return [li["qty_delivered"] for li in odoo.call("sale.order.line", "search_read", [["order_id", "=", order]],
                                                    ["qty_delivered"])]


def quants_of(odoo, product: int) -> tuple[float, float]:
    rows = odoo.call("stock.quant", "search_read", [["product_id", "=", product], ["location_id.usage", "=", "internal"]],
                     ["quantity", "reserved_quantity"])
    return sum(r["quantity"] for r in rows), sum(r["reserved_quantity"] for r in rows)


def ship(odoo, picking: int, quantity: float) -> dict | bool:
    """What a warehouse app does: set the picked quantity on the (single) move, then validate."""
    [move] = moves_of(odoo, picking)
    odoo.call("stock.move", "write", [move["id"]], {"quantity": quantity, "picked": True})
    return odoo.call("stock.picking", "button_validate", [picking])


def test_confirmation_reserves_the_stock(odoo):
    product = make_product(odoo)
    put_in_stock(odoo, product, 10)
    _order, picking = confirmed_order(odoo, product, 4)
    assert [(m["product_uom_qty"], m["quantity"], m["state"]) for m in moves_of(odoo, picking)] == [
        (4.0, 4.0, "assigned")]
    assert quants_of(odoo, product) == (10.0, 4.0)
    lines = odoo.call("stock.move.line", "search_read", [["picking_id", "=", picking]], ["quantity", "location_id"])
    assert [line["quantity"] for line in lines] == [4.0]
    assert read_one(odoo, "stock.picking", picking, ["state"])["state"] == "assigned"


def test_short_stock_is_partially_reserved_and_reserved_again_later(odoo):
    product = make_product(odoo)
    put_in_stock(odoo, product, 3)
    _order, picking = confirmed_order(odoo, product, 5)
    assert [(m["quantity"], m["state"]) for m in moves_of(odoo, picking)] == [(3.0, "partially_available")]
    put_in_stock(odoo, product, 8)
    assert odoo.call("stock.picking", "action_assign", [picking]) is True
    assert [(m["quantity"], m["state"]) for m in moves_of(odoo, picking)] == [(5.0, "assigned")]
    assert quants_of(odoo, product) == (8.0, 5.0)


def test_full_validation_ships_everything(odoo):
    product = make_product(odoo)
    put_in_stock(odoo, product, 10)
    order, picking = confirmed_order(odoo, product, 4)
    before = odoo.call("stock.picking", "search", [["state", "=", "done"], ["date_done", "!=", False]])
    odoo.call("stock.picking", "write", [picking], {"carrier_tracking_ref": "TRACK-0001"})
    assert odoo.call("stock.picking", "button_validate", [picking]) is True
    row = read_one(odoo, "stock.picking", picking, ["state", "date_done", "carrier_tracking_ref", "backorder_ids"])
    assert (row["state"], row["carrier_tracking_ref"], row["backorder_ids"]) == ("done", "TRACK-0001", [])
    assert row["date_done"]
    done_since = odoo.call("stock.picking", "search", [["state", "=", "done"], ["date_done", ">=", row["date_done"]]])
    assert picking in done_since and picking not in before
    assert quants_of(odoo, product) == (6.0, 0.0) and on_hand(odoo, product) == 6.0
    assert delivered(odoo, order) == [4.0]
    assert [(m["quantity"], m["picked"], m["state"]) for m in moves_of(odoo, picking)] == [(4.0, True, "done")]


def test_partial_validation_asks_then_leaves_a_backorder(odoo):
    product = make_product(odoo, policy="delivery")
    put_in_stock(odoo, product, 10)
    order, picking = confirmed_order(odoo, product, 5)
    action = ship(odoo, picking, 2)
    assert action["res_model"] == "stock.backorder.confirmation" and action["type"] == "ir.actions.act_window"
    assert action["context"]["button_validate_picking_ids"] == [picking]
    assert read_one(odoo, "stock.picking", picking, ["state"])["state"] == "assigned"  # nothing done yet
    wizard = odoo.call("stock.backorder.confirmation", "create", {}, context=action["context"])
    assert odoo.call("stock.backorder.confirmation", "process", [wizard], context=action["context"]) is True

    row = read_one(odoo, "stock.picking", picking, ["state", "backorder_ids", "name"])
    assert row["state"] == "done" and len(row["backorder_ids"]) == 1
    backorder = read_one(odoo, "stock.picking", row["backorder_ids"][0], ["state", "backorder_id", "origin", "sale_id"])
    assert (backorder["backorder_id"][0], backorder["state"], backorder["sale_id"][0]) == (picking, "assigned", order)
    assert [(m["product_uom_qty"], m["state"]) for m in moves_of(odoo, picking)] == [(2.0, "done")]
    assert [(m["product_uom_qty"], m["quantity"]) for m in moves_of(odoo, backorder["id"])] == [(3.0, 3.0)]
    assert delivered(odoo, order) == [2.0]
    assert quants_of(odoo, product) == (8.0, 3.0)
    line = odoo.call("sale.order.line", "search_read", [["order_id", "=", order]], ["qty_to_invoice", "invoice_status"])
    assert (line[0]["qty_to_invoice"], line[0]["invoice_status"]) == (2.0, "to invoice")

    assert odoo.call("stock.picking", "button_validate", [backorder["id"]]) is True
    assert delivered(odoo, order) == [5.0]
    assert quants_of(odoo, product) == (5.0, 0.0)
    assert set(read_one(odoo, "sale.order", order, ["picking_ids"])["picking_ids"]) == {picking, backorder["id"]}


def test_partial_validation_without_backorder_cancels_the_rest(odoo):
    product = make_product(odoo)
    put_in_stock(odoo, product, 10)
    order, picking = confirmed_order(odoo, product, 5)
    action = ship(odoo, picking, 2)
    wizard = odoo.call("stock.backorder.confirmation", "create", {}, context=action["context"])
    assert odoo.call("stock.backorder.confirmation", "process_cancel_backorder", [wizard],
                     context=action["context"]) is True
    row = read_one(odoo, "stock.picking", picking, ["state", "backorder_ids"])
    assert (row["state"], row["backorder_ids"]) == ("done", [])
    assert sorted((m["product_uom_qty"], m["state"]) for m in moves_of(odoo, picking)) == [(2.0, "done"),
                                                                                          (3.0, "cancel")]
    assert delivered(odoo, order) == [2.0]
    assert quants_of(odoo, product) == (8.0, 0.0)


def test_nothing_reserved_nothing_to_validate(odoo):
    product = make_product(odoo)  # no stock at all
    _order, picking = confirmed_order(odoo, product, 2)
    assert [(m["quantity"], m["state"]) for m in moves_of(odoo, picking)] == [(0.0, "confirmed")]
    assert read_one(odoo, "stock.picking", picking, ["state"])["state"] == "confirmed"
    with pytest.raises(RpcError) as info:
        odoo.call("stock.picking", "button_validate", [picking])
    assert info.value.name == "odoo.exceptions.UserError"
    assert "You cannot validate a transfer if no quantities are reserved nor done." in str(info.value)


def test_shipping_more_than_reserved_drives_stock_negative(odoo):
    product = make_product(odoo)
    put_in_stock(odoo, product, 1)
    order, picking = confirmed_order(odoo, product, 3)
    assert ship(odoo, picking, 3) is True
    assert delivered(odoo, order) == [3.0]
    assert on_hand(odoo, product) == -2.0


def test_consumables_need_no_stock(odoo):
    product = make_product(odoo, storable=False)
    order, picking = confirmed_order(odoo, product, 2)
    assert [(m["quantity"], m["state"]) for m in moves_of(odoo, picking)] == [(2.0, "assigned")]
    assert odoo.call("stock.picking", "button_validate", [picking]) is True
    assert delivered(odoo, order) == [2.0]
    assert odoo.call("stock.quant", "search_count", [["product_id", "=", product]]) == 0


def test_a_line_added_to_a_confirmed_order_joins_the_open_delivery(odoo):
    first, second = make_product(odoo), make_product(odoo)
    put_in_stock(odoo, first, 5)
    put_in_stock(odoo, second, 5)
    order, picking = confirmed_order(odoo, first, 1)
    odoo.call("sale.order", "write", [order], {"order_line": [(0, 0, {"product_id": second, "product_uom_qty": 2})]})
    assert sorted(m["product_uom_qty"] for m in moves_of(odoo, picking)) == [1.0, 2.0]
    assert read_one(odoo, "sale.order", order, ["delivery_count"])["delivery_count"] == 1


def test_cancelling_a_partly_shipped_order_cancels_only_what_is_left(odoo):
    """Odoo does not refuse it: sale_stock cancels the transfers not done, what left stays delivered (the
    product dead-letters such a cancellation itself, before asking Odoo)."""
    product = make_product(odoo)
    put_in_stock(odoo, product, 10)
    order, picking = confirmed_order(odoo, product, 5)
    action = ship(odoo, picking, 2)
    wizard = odoo.call("stock.backorder.confirmation", "create", {}, context=action["context"])
    odoo.call("stock.backorder.confirmation", "process", [wizard], context=action["context"])
    [backorder] = read_one(odoo, "stock.picking", picking, ["backorder_ids"])["backorder_ids"]
    assert odoo.call("sale.order", "action_cancel", [order], context=NO_WARNING) is True
    states = {p["id"]: p["state"] for p in odoo.call("stock.picking", "read", [picking, backorder], ["state"])}
    assert states == {picking: "done", backorder: "cancel"}
    assert read_one(odoo, "sale.order", order, ["state"])["state"] == "cancel"
    assert delivered(odoo, order) == [2.0]
    assert quants_of(odoo, product) == (8.0, 0.0)


def test_a_done_transfer_cannot_be_cancelled(odoo):
    product = make_product(odoo, storable=False)
    _order, picking = confirmed_order(odoo, product, 1)
    odoo.call("stock.picking", "button_validate", [picking])
    with pytest.raises(RpcError) as info:
        odoo.call("stock.picking", "action_cancel", [picking])
    assert "You cannot cancel a stock move that has been set to 'Done'." in str(info.value)
    assert read_one(odoo, "stock.picking", picking, ["state"])["state"] == "done"


def test_quantities_are_quantity_and_picked_since_17(odoo):
    moves = odoo.call("stock.move", "fields_get", [], attributes=["type"])
    lines = odoo.call("stock.move.line", "fields_get", [], attributes=["type"])
    assert (moves["quantity"]["type"], moves["picked"]["type"]) == ("float", "boolean")
    assert (lines["quantity"]["type"], lines["picked"]["type"]) == ("float", "boolean")
    assert not {"quantity_done", "reserved_availability"} & set(moves)
    assert not {"qty_done", "reserved_uom_qty"} & set(lines)


def test_an_empty_transfer_cannot_be_validated(odoo):
    out_type = odoo.call("ir.model.data", "search_read", [["module", "=", "stock"], ["name", "=", "picking_type_out"]],
                         ["res_id"])[0]["res_id"]
    picking = odoo.call("stock.picking", "create", {"picking_type_id": out_type})
    row = read_one(odoo, "stock.picking", picking, ["state", "location_id", "location_dest_id", "name"])
    assert row["state"] == "draft" and row["location_id"] and row["location_dest_id"]
    with pytest.raises(RpcError) as info:
        odoo.call("stock.picking", "button_validate", [picking])
    expected = ("Please add some items to move." if odoo.version == 17 else
                "You can’t validate an empty transfer. Please add some products to move before proceeding.")
    assert expected in str(info.value)
