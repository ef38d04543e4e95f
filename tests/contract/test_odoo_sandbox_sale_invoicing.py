"""Invoicing sale orders with the "Create Invoice" wizard (sale.advance.payment.inv) in 17/18/19: what
gets invoiced by policy, consolidated billing, and how the invoiced quantities follow the invoices —
drafts count, a deleted or cancelled invoice gives its quantities back, a credit note too."""

from __future__ import annotations

import pytest

from .odoo_target import RpcError
from .sale_fixtures import make_customer, make_order, make_product, make_tax, put_in_stock, read_one


def rpc_error(call) -> RpcError:
    with pytest.raises(RpcError) as info:
        call()
    return info.value


def with_context(odoo, model, method, args, context):
    return odoo.jsonrpc("object", "execute_kw", odoo.db, odoo.uid, odoo.secret, model, method, args,
                        {"context": context})


def invoice_orders(odoo, order_ids: list[int], **vals) -> dict:
    context = {"active_model": "sale.order", "active_ids": order_ids}
    wizard = with_context(odoo, "sale.advance.payment.inv", "create", [vals], context)
    return with_context(odoo, "sale.advance.payment.inv", "create_invoices", [[wizard]], context)


def confirmed_order(odoo, lines: list[dict], **extra) -> int:
    order = make_order(odoo, lines, **extra)
    odoo.call("sale.order", "action_confirm", [order])
    return order


def lines_of(odoo, order: int) -> list[dict]:
    return odoo.call("sale.order.line", "search_read", [["order_id", "=", order]],
                     ["qty_invoiced", "qty_to_invoice", "invoice_status"])


def test_ordered_quantities_are_invoiced_and_the_order_is_invoiced(odoo):
    tax = make_tax(odoo, 21.0, included=False)
    product = make_product(odoo, price=10.0, taxes=[tax], storable=False, policy="order")
    order = confirmed_order(odoo, [{"product_id": product, "product_uom_qty": 3}], client_order_ref="#1001")
    action = invoice_orders(odoo, [order])
    invoice = read_one(odoo, "account.move", action["res_id"], ["move_type", "amount_total", "invoice_origin", "ref",
                                                                "partner_id", "currency_id", "invoice_line_ids"])
    name = read_one(odoo, "sale.order", order, ["name"])["name"]
    assert (invoice["move_type"], invoice["amount_total"], invoice["invoice_origin"], invoice["ref"]) == (
        "out_invoice", 36.30, name, "#1001")
    [line] = odoo.call("account.move.line", "read", invoice["invoice_line_ids"], ["quantity", "sale_line_ids"])
    [sale_line] = lines_of(odoo, order)
    assert line["quantity"] == 3 and line["sale_line_ids"] == [sale_line["id"]]
    assert (sale_line["qty_invoiced"], sale_line["qty_to_invoice"], sale_line["invoice_status"]) == (3, 0, "invoiced")
    assert read_one(odoo, "sale.order", order, ["invoice_status", "invoice_count"]) == {
        "id": order, "invoice_status": "invoiced", "invoice_count": 1}
    error = rpc_error(lambda: invoice_orders(odoo, [order]))
    assert "No items are available to invoice" in str(error)


def test_delivered_quantities_wait_for_the_delivery(odoo):
    product = make_product(odoo, price=5.0, policy="delivery")
    put_in_stock(odoo, product, 3)
    order = confirmed_order(odoo, [{"product_id": product, "product_uom_qty": 2}])
    assert "No items are available to invoice" in str(rpc_error(lambda: invoice_orders(odoo, [order])))
    [picking] = read_one(odoo, "sale.order", order, ["picking_ids"])["picking_ids"]
    odoo.call("stock.picking", "button_validate", [picking])
    action = invoice_orders(odoo, [order])
    assert read_one(odoo, "account.move", action["res_id"], ["amount_total"])["amount_total"] == 10.0


def test_consolidated_billing_groups_a_customers_orders(odoo):
    product = make_product(odoo, price=7.0, storable=False)
    customer = make_customer(odoo)
    first = confirmed_order(odoo, [{"product_id": product, "product_uom_qty": 1}], partner_id=customer)
    second = confirmed_order(odoo, [{"product_id": product, "product_uom_qty": 2}], partner_id=customer)
    action = invoice_orders(odoo, [first, second])
    names = [read_one(odoo, "sale.order", o, ["name"])["name"] for o in (first, second)]
    invoice = read_one(odoo, "account.move", action["res_id"], ["invoice_origin", "amount_total"])
    assert invoice == {"id": action["res_id"], "invoice_origin": ", ".join(names), "amount_total": 21.0}

    third = confirmed_order(odoo, [{"product_id": product, "product_uom_qty": 1}], partner_id=customer)
    fourth = confirmed_order(odoo, [{"product_id": product, "product_uom_qty": 1}], partner_id=customer)
    action = invoice_orders(odoo, [third, fourth], consolidated_billing=False)
    assert "res_id" not in action and len(action["domain"][0][2]) == 2


def test_invoiced_quantities_follow_the_invoice(odoo):
    product = make_product(odoo, price=4.0, storable=False)
    order = confirmed_order(odoo, [{"product_id": product, "product_uom_qty": 2}])
    draft = invoice_orders(odoo, [order])["res_id"]
    odoo.call("account.move", "unlink", [draft])
    assert [li["qty_invoiced"] for li in lines_of(odoo, order)] == [0]
    assert read_one(odoo, "sale.order", order, ["invoice_status"])["invoice_status"] == "to invoice"

    invoice = invoice_orders(odoo, [order])["res_id"]
    odoo.call("account.move", "button_cancel", [invoice])
    assert [li["qty_to_invoice"] for li in lines_of(odoo, order)] == [2]

    invoice = invoice_orders(odoo, [order])["res_id"]
    odoo.call("account.move", "action_post", [invoice])
    context = {"active_model": "account.move", "active_ids": [invoice]}
    wizard = with_context(odoo, "account.move.reversal", "create", [{}], context)
    odoo.call("account.move.reversal", "modify_moves", [wizard])
    # the reversal gives the quantity back, the new draft copy takes it again
    [line] = lines_of(odoo, order)
    assert (line["qty_invoiced"], line["qty_to_invoice"]) == (2, 0)
    invoices = read_one(odoo, "sale.order", order, ["invoice_ids"])["invoice_ids"]
    kinds = [read_one(odoo, "account.move", m, ["move_type", "state"]) for m in invoices]
    assert sorted((k["move_type"], k["state"]) for k in kinds) == [
        ("out_invoice", "cancel"), ("out_invoice", "draft"), ("out_invoice", "posted"), ("out_refund", "posted")]


def test_down_payments_are_refused_by_the_sandbox(odoo):
    if not odoo.is_sandbox:
        pytest.skip("a real Odoo makes down payment invoices")
    product = make_product(odoo, price=4.0, storable=False)
    order = confirmed_order(odoo, [{"product_id": product, "product_uom_qty": 1}])
    error = rpc_error(lambda: invoice_orders(odoo, [order], advance_payment_method="percentage", amount=10))
    assert "down payment" in str(error)
    assert read_one(odoo, "sale.order", order, ["invoice_count"])["invoice_count"] == 0
