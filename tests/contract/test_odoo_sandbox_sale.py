"""sale.order / sale.order.line as addons/sale (and sale_stock) have them in 17, 18 and 19: amounts with
price-included and price-excluded taxes rounded per line or globally, the states, confirmation creating
the delivery, cancellation, invoicing status.

The expected amounts are worked out by hand from account_tax.py, not read from the sandbox:
17's compute_all rounds the line base first and takes an included tax back out of the rounded price;
18+ keeps raw amounts per line and, rounding globally, rounds each tax's sum over the order and the sum
of the raw bases (the docstring of _round_base_lines_tax_details works the same 2 x 21.53 example).
On a real Odoo the integration user needs Sales / User (sales_team.group_sale_salesman) and
Inventory / User.
"""

from __future__ import annotations

import uuid

import pytest

from .odoo_target import RpcError
from .sale_fixtures import (
    main_company,
    make_customer,
    make_order,
    make_product,
    make_tax,
    put_in_stock,
    read_one,
    tax_field,
    tax_rounding,
    uom_field,
)

AMOUNTS = ["amount_untaxed", "amount_tax", "amount_total"]
NO_WARNING = {"disable_cancel_warning": True}


def amounts(odoo, order: int) -> tuple[float, float, float]:
    row = read_one(odoo, "sale.order", order, AMOUNTS)
    return row["amount_untaxed"], row["amount_tax"], row["amount_total"]


def error_of(call) -> RpcError:
    with pytest.raises(RpcError) as info:
        call()
    return info.value


# ---------------------------------------------------------------- amounts
@pytest.mark.parametrize("method", ["round_per_line", "round_globally"])
def test_price_included_tax_two_lines_of_21_53(odoo, method):
    """21.53 with 21% included: raw base 21.53 / 1.21 = 17.79338843, raw tax 3.73661157.
    Per line (every version) and globally in 17: base 17.79, tax 21.53 - 17.79 = 3.74 per line -> 35.58 + 7.48.
    Globally in 18+: untaxed round(35.58677686) = 35.59, tax round(7.47322314) = 7.47. Both total 43.06."""
    tax = make_tax(odoo, 21.0, included=True)
    product = make_product(odoo, price=21.53, taxes=[tax], storable=False)
    with tax_rounding(odoo, method):
        order = make_order(odoo, [{"product_id": product, "product_uom_qty": 1}] * 2)
        expected = (35.59, 7.47, 43.06) if method == "round_globally" and odoo.version >= 18 else (35.58, 7.48, 43.06)
        assert amounts(odoo, order) == expected
        lines = odoo.call("sale.order.line", "search_read", [["order_id", "=", order]],
                          ["price_unit", "price_subtotal", "price_tax", "price_total"])
        assert [(li["price_unit"], li["price_subtotal"], li["price_tax"], li["price_total"]) for li in lines] == [
            (21.53, 17.79, 3.74, 21.53)] * 2


@pytest.mark.parametrize("method,expected", [("round_per_line", (3.75, 0.39, 4.14)),
                                             ("round_globally", (3.75, 0.38, 4.13))])
def test_price_excluded_tax_rounded_per_line_or_globally(odoo, method, expected):
    """Three lines of 1.25 with 10% excluded: 0.125 tax each. Per line round(0.125) = 0.13, three times 0.39;
    globally round(0.375) = 0.38. Same in every version."""
    tax = make_tax(odoo, 10.0, included=False)
    product = make_product(odoo, price=1.25, taxes=[tax], storable=False)
    with tax_rounding(odoo, method):
        order = make_order(odoo, [{"product_id": product, "product_uom_qty": 1}] * 3)
        assert amounts(odoo, order) == expected
        line = odoo.call("sale.order.line", "search_read", [["order_id", "=", order]], ["price_total"], limit=1)[0]
        assert line["price_total"] == 1.38  # round(1.375) on the line, whatever the method


def test_discount_quantity_and_excluded_tax(odoo):
    """3 x 10.04 at 10% off with 21% on top: base round(3 x 9.036 = 27.108) = 27.11, tax round(5.6931) = 5.69."""
    tax = make_tax(odoo, 21.0, included=False)
    product = make_product(odoo, price=10.04, taxes=[tax], storable=False)
    order = make_order(odoo, [{"product_id": product, "product_uom_qty": 3, "discount": 10}])
    assert amounts(odoo, order) == (27.11, 5.69, 32.8)


def test_amounts_follow_line_changes(odoo):
    tax = make_tax(odoo, 21.0, included=False)
    product = make_product(odoo, price=100.0, taxes=[tax], storable=False)
    order = make_order(odoo, [{"product_id": product, "product_uom_qty": 1}])
    assert amounts(odoo, order) == (100.0, 21.0, 121.0)
    [line] = read_one(odoo, "sale.order", order, ["order_line"])["order_line"]
    odoo.call("sale.order.line", "write", [line], {"product_uom_qty": 2, "price_unit": 50.0, "discount": 50})
    assert amounts(odoo, order) == (50.0, 10.5, 60.5)
    odoo.call("sale.order", "write", [order], {"order_line": [(0, 0, {"product_id": product, "price_unit": 10.0,
                                                                      tax_field(odoo): [(6, 0, [])]})]})
    assert amounts(odoo, order) == (60.0, 10.5, 70.5)
    odoo.call("sale.order", "write", [order], {"order_line": [(2, line, 0)]})
    assert amounts(odoo, order) == (10.0, 0.0, 10.0)


def test_sections_and_notes_count_for_nothing(odoo):
    product = make_product(odoo, price=5.0, storable=False)
    order = make_order(odoo, [{"display_type": "line_section", "name": "Shoes", "product_uom_qty": 0},
                              {"product_id": product, "product_uom_qty": 2},
                              {"display_type": "line_note", "name": "Gift wrap please", "product_uom_qty": 0}])
    assert amounts(odoo, order) == (10.0, 0.0, 10.0)


def test_line_without_product_or_section_with_product_is_refused(odoo):
    product = make_product(odoo, storable=False)
    partner = make_customer(odoo)
    error = error_of(lambda: odoo.call("sale.order", "create", {"partner_id": partner, "order_line": [
        (0, 0, {"name": "free text", "price_unit": 3.0})]}))
    assert "Missing required fields on accountable sale order line." in str(error)
    error = error_of(lambda: odoo.call("sale.order", "create", {"partner_id": partner, "order_line": [
        (0, 0, {"display_type": "line_note", "name": "note", "product_id": product, "product_uom_qty": 0})]}))
    assert "Forbidden values on non-accountable sale order line" in str(error)
    assert odoo.call("sale.order", "search_count", [["partner_id", "=", partner]]) == 0


# ---------------------------------------------------------------- fields and defaults
def test_field_names_per_version(odoo):
    lines = odoo.call("sale.order.line", "fields_get", [], attributes=["type", "relation"])
    assert lines[tax_field(odoo)] == {"type": "many2many", "relation": "account.tax"}
    assert lines[uom_field(odoo)] == {"type": "many2one", "relation": "uom.uom"}
    renamed = {"tax_id", "product_uom"} if odoo.version >= 19 else {"tax_ids", "product_uom_id"}
    assert not renamed & set(lines)
    orders = odoo.call("sale.order", "fields_get", ["state", "locked"], attributes=["type", "selection"])
    assert [key for key, _label in orders["state"]["selection"]] == ["draft", "sent", "sale", "cancel"]
    assert orders["locked"]["type"] == "boolean"
    company = odoo.admin_call("res.company", "fields_get", [], attributes=["type"])
    assert company["tax_calculation_rounding_method"]["type"] == "selection"
    assert ("account_price_include" in company) is (odoo.version >= 18)


def test_line_defaults_come_from_the_product(odoo):
    tax = make_tax(odoo, 6.0, included=True)
    product = make_product(odoo, price=12.5, taxes=[tax], storable=False)
    order = make_order(odoo, [{"product_id": product}])
    [line] = odoo.call("sale.order.line", "search_read", [["order_id", "=", order]],
                       ["name", "price_unit", "product_uom_qty", tax_field(odoo), uom_field(odoo)])
    name = read_one(odoo, "product.product", product, ["display_name"])["display_name"]
    assert (line["name"], line["price_unit"], line["product_uom_qty"], line[tax_field(odoo)]) == (name, 12.5, 1.0, [tax])
    assert line[uom_field(odoo)][1] == "Units"


def test_order_defaults_addresses_pricelist_and_references(odoo):
    customer = make_customer(odoo)
    invoice = odoo.call("res.partner", "create", {"name": "Billing", "parent_id": customer, "type": "invoice"})
    delivery = odoo.call("res.partner", "create", {"name": "Home", "parent_id": customer, "type": "delivery"})
    usd = odoo.call("product.pricelist", "search", [["currency_id.name", "=", "USD"]], limit=1)
    product = make_product(odoo, storable=False)
    ref = f"#{uuid.uuid4().hex[:6]}"
    order = make_order(odoo, [{"product_id": product}], partner_id=customer, client_order_ref=ref,
                       origin="shopify-eu", pricelist_id=usd[0])
    row = read_one(odoo, "sale.order", order, ["name", "state", "partner_invoice_id", "partner_shipping_id",
                                               "currency_id", "client_order_ref", "origin", "invoice_status",
                                               "date_order"])
    assert row["name"].startswith("S") and row["state"] == "draft" and row["invoice_status"] == "no"
    assert (row["partner_invoice_id"][0], row["partner_shipping_id"][0]) == (invoice, delivery)
    assert row["currency_id"][1] == "USD"
    assert (row["client_order_ref"], row["origin"]) == (ref, "shopify-eu")
    assert odoo.call("sale.order", "search", [["client_order_ref", "=", ref]]) == [order]
    other = make_customer(odoo)
    odoo.call("sale.order", "write", [order], {"partner_id": other})
    row = read_one(odoo, "sale.order", order, ["partner_invoice_id", "partner_shipping_id"])
    assert (row["partner_invoice_id"][0], row["partner_shipping_id"][0]) == (other, other)


# ---------------------------------------------------------------- states
def test_confirm_creates_the_delivery_for_goods_only(odoo):
    stocked = make_product(odoo, price=20.0)
    service = make_product(odoo, price=5.0, kind="service")
    put_in_stock(odoo, stocked, 10)
    order = make_order(odoo, [{"product_id": stocked, "product_uom_qty": 3}, {"product_id": service}])
    assert read_one(odoo, "sale.order", order, ["picking_ids"])["picking_ids"] == []
    assert odoo.call("sale.order", "action_confirm", [order]) is True
    row = read_one(odoo, "sale.order", order, ["state", "name", "picking_ids", "delivery_count", "invoice_status"])
    assert (row["state"], row["delivery_count"], row["invoice_status"]) == ("sale", 1, "to invoice")
    picking = read_one(odoo, "stock.picking", row["picking_ids"][0],
                       ["origin", "sale_id", "picking_type_code", "state", "move_ids", "location_dest_id"])
    assert (picking["origin"], picking["sale_id"][0], picking["picking_type_code"]) == (row["name"], order, "outgoing")
    assert picking["state"] == "assigned"
    [move] = odoo.call("stock.move", "read", picking["move_ids"], ["product_id", "product_uom_qty", "sale_line_id"])
    assert (move["product_id"][0], move["product_uom_qty"]) == (stocked, 3.0)
    error = error_of(lambda: odoo.call("sale.order", "action_confirm", [order]))
    assert "Some orders are not in a state requiring confirmation." in str(error)


def test_cancel_asks_through_the_wizard_unless_told_not_to(odoo):
    product = make_product(odoo)
    put_in_stock(odoo, product, 4)
    order = make_order(odoo, [{"product_id": product, "product_uom_qty": 4}])
    odoo.call("sale.order", "action_confirm", [order])
    action = odoo.call("sale.order", "action_cancel", [order])
    assert action["res_model"] == "sale.order.cancel" and action["context"]["default_order_id"] == order
    assert read_one(odoo, "sale.order", order, ["state"])["state"] == "sale"
    assert odoo.call("sale.order", "action_cancel", [order], context=NO_WARNING) is True
    row = read_one(odoo, "sale.order", order, ["state", "picking_ids", "invoice_status"])
    assert (row["state"], row["invoice_status"]) == ("cancel", "no")
    assert read_one(odoo, "stock.picking", row["picking_ids"][0], ["state"])["state"] == "cancel"
    quant = odoo.call("stock.quant", "search_read", [["product_id", "=", product]], ["quantity", "reserved_quantity"])
    assert [(q["quantity"], q["reserved_quantity"]) for q in quant] == [(4.0, 0.0)]
    assert odoo.call("sale.order", "action_draft", [order]) is True
    assert read_one(odoo, "sale.order", order, ["state"])["state"] == "draft"


def test_a_draft_quotation_cancels_without_the_wizard(odoo):
    order = make_order(odoo, [{"product_id": make_product(odoo, storable=False)}])
    assert odoo.call("sale.order", "action_cancel", [order]) is True
    assert read_one(odoo, "sale.order", order, ["state"])["state"] == "cancel"


def test_a_locked_order_cannot_be_cancelled(odoo):
    order = make_order(odoo, [{"product_id": make_product(odoo, storable=False)}])
    odoo.call("sale.order", "action_confirm", [order])
    odoo.call("sale.order", "action_lock", [order])
    error = error_of(lambda: odoo.call("sale.order", "action_cancel", [order], context=NO_WARNING))
    assert error.name == "odoo.exceptions.UserError"
    assert "You cannot cancel a locked order. Please unlock it first." in str(error)
    odoo.call("sale.order", "action_unlock", [order])
    assert odoo.call("sale.order", "action_cancel", [order], context=NO_WARNING) is True


def test_confirmed_orders_keep_their_pricelist_lines_and_existence(odoo):
    product = make_product(odoo, storable=False)
    order = make_order(odoo, [{"product_id": product}])
    odoo.call("sale.order", "action_confirm", [order])
    usd = odoo.call("product.pricelist", "search", [["currency_id.name", "=", "USD"]], limit=1)
    assert "You cannot change the pricelist of a confirmed order !" in str(
        error_of(lambda: odoo.call("sale.order", "write", [order], {"pricelist_id": usd[0]})))
    [line] = read_one(odoo, "sale.order", order, ["order_line"])["order_line"]
    assert "Once a sales order is confirmed, you can't remove one of its lines" in str(
        error_of(lambda: odoo.call("sale.order.line", "unlink", [line])))
    # A salesman may not delete orders at all; a sales administrator may not delete a confirmed one.
    assert error_of(lambda: odoo.call("sale.order", "unlink", [order])).name == "odoo.exceptions.AccessError"
    assert "You can not delete a sent quotation or a confirmed sales order." in str(
        error_of(lambda: odoo.admin_call("sale.order", "unlink", [order])))


# ---------------------------------------------------------------- invoicing status
def test_invoice_status_by_invoicing_policy(odoo):
    ordered = make_product(odoo, policy="order")
    delivered = make_product(odoo, policy="delivery")
    put_in_stock(odoo, ordered, 5)
    put_in_stock(odoo, delivered, 5)
    order = make_order(odoo, [{"product_id": ordered, "product_uom_qty": 2}, {"product_id": delivered,
                                                                              "product_uom_qty": 3}])
    odoo.call("sale.order", "action_confirm", [order])
    lines = odoo.call("sale.order.line", "search_read", [["order_id", "=", order]],
                      ["product_id", "qty_to_invoice", "invoice_status", "qty_delivered", "qty_invoiced"])
    by_product = {li["product_id"][0]: li for li in lines}
    assert (by_product[ordered]["qty_to_invoice"], by_product[ordered]["invoice_status"]) == (2.0, "to invoice")
    assert (by_product[delivered]["qty_to_invoice"], by_product[delivered]["invoice_status"]) == (0.0, "no")
    assert by_product[delivered]["qty_delivered"] == 0.0 and by_product[delivered]["qty_invoiced"] == 0.0
    assert read_one(odoo, "sale.order", order, ["invoice_status"])["invoice_status"] == "to invoice"


# ---------------------------------------------------------------- access
def test_an_internal_user_outside_sales_cannot_read_orders(odoo):
    login = f"clerk-{uuid.uuid4().hex[:8]}"
    group_field = "groups_id" if odoo.version < 19 else "group_ids"
    internal = odoo.admin_call("ir.model.data", "search_read", [["module", "=", "base"], ["name", "=", "group_user"]],
                               ["res_id"])[0]["res_id"]
    uid = odoo.admin_call("res.users", "create", {"name": "Clerk", "login": login, "password": "clerk-pw-123456",
                                                 group_field: [(6, 0, [internal])]})
    error = error_of(lambda: odoo.jsonrpc("object", "execute_kw", odoo.db, uid, "clerk-pw-123456", "sale.order",
                                          "search_read", [[]], {"fields": ["name"]}))
    assert error.name == "odoo.exceptions.AccessError"
    assert str(error).startswith("You are not allowed to access 'Sales Order' (sale.order) records.")
    assert "Sales / User: Own Documents Only" in str(error)


def test_a_tax_without_its_own_setting_follows_the_company(odoo):
    """17 keeps inclusion on the tax (`price_include`, default excluded); 18 moved the default to the company
    (`account_price_include`), a tax without `price_include_override` following it."""
    tax = odoo.admin_call("account.tax", "create", {"name": f"21% {uuid.uuid4().hex[:6]}", "amount": 21.0,
                                                    "type_tax_use": "sale"})
    product = make_product(odoo, price=121.0, taxes=[tax], storable=False)
    order = make_order(odoo, [{"product_id": product}])
    assert amounts(odoo, order) == (121.0, 25.41, 146.41)
    if odoo.version == 17:
        assert "account_price_include" not in odoo.admin_call("res.company", "fields_get", [])
        return
    company = main_company(odoo)
    odoo.admin_call("res.company", "write", [company], {"account_price_include": "tax_included"})
    try:
        order = make_order(odoo, [{"product_id": product}])
        assert amounts(odoo, order) == (100.0, 21.0, 121.0)
    finally:
        odoo.admin_call("res.company", "write", [company], {"account_price_include": "tax_excluded"})
