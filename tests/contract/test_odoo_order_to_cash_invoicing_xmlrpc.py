"""Order to cash over XML-RPC, written the way Odoo's external API documentation writes its examples
(xmlrpc.client, `common.authenticate`, `models.execute_kw(db, uid, password, model, method, args, kw)`):
an order confirmed and shipped, invoiced with the "Create Invoice" wizard, the invoice posted and paid
through the "Register Payment" wizard in the gateway's journal, then one shirt refunded — a credit
note for that line only — and the refund paid back. It continues test_odoo_order_to_cash_xmlrpc.py
(order to delivery) from the accounting side, as the integration user with its API key.
"""

from __future__ import annotations

import uuid
import xmlrpc.client

import pytest

from .sale_fixtures import make_tax, put_in_stock


def test_order_to_cash_over_xmlrpc(odoo):
    vat21 = make_tax(odoo, 21.0, included=True)
    url, db, username, password = odoo.url, odoo.db, odoo.login, odoo.secret

    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    uid = common.authenticate(db, username, password, {})
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")

    storable = {"detailed_type": "product"} if odoo.version == 17 else {"type": "consu", "is_storable": True}
    service = {"detailed_type": "service"} if odoo.version == 17 else {"type": "service"}
    shirt_id = models.execute_kw(db, uid, password, "product.product", "create", [{
        "name": "Linen shirt", "list_price": 30.25, "taxes_id": [(6, 0, [vat21])], "invoice_policy": "delivery",
        **storable}])
    shipping_id = models.execute_kw(db, uid, password, "product.product", "create", [{
        "name": "Shipping", "list_price": 4.95, "taxes_id": [(6, 0, [vat21])], "invoice_policy": "order", **service}])
    put_in_stock(odoo, shirt_id, 5)

    partner_id = models.execute_kw(db, uid, password, "res.partner", "create", [{"name": "Grace Hopper"}])
    order_id = models.execute_kw(db, uid, password, "sale.order", "create", [{
        "partner_id": partner_id, "client_order_ref": f"#{uuid.uuid4().hex[:8]}", "origin": "shopify-eu",
        "order_line": [(0, 0, {"product_id": shirt_id, "product_uom_qty": 2}),
                       (0, 0, {"product_id": shipping_id, "product_uom_qty": 1})]}])
    assert models.execute_kw(db, uid, password, "sale.order", "action_confirm", [[order_id]]) is True

    # Nothing shipped yet: the shirts (invoiced on delivery) are not to invoice, the shipping is.
    [order] = models.execute_kw(db, uid, password, "sale.order", "read", [[order_id]],
                                {"fields": ["name", "client_order_ref", "picking_ids", "invoice_status"]})
    assert order["invoice_status"] == "to invoice"
    [picking_id] = order["picking_ids"]
    assert models.execute_kw(db, uid, password, "stock.picking", "button_validate", [[picking_id]]) is True

    # "Create Invoice" on the order: the wizard, opened with the order as active record.
    wizard_id = models.execute_kw(db, uid, password, "sale.advance.payment.inv", "create",
                                  [{"advance_payment_method": "delivered"}],
                                  {"context": {"active_model": "sale.order", "active_ids": [order_id]}})
    action = models.execute_kw(db, uid, password, "sale.advance.payment.inv", "create_invoices", [[wizard_id]],
                               {"context": {"active_model": "sale.order", "active_ids": [order_id]}})
    invoice_id = action["res_id"]
    [invoice] = models.execute_kw(db, uid, password, "account.move", "read", [[invoice_id]], {
        "fields": ["move_type", "state", "invoice_origin", "ref", "partner_id", "amount_untaxed", "amount_tax",
                   "amount_total"]})
    # 2 × 30.25 = 60.50 → 50.00 + 10.50; 4.95 → 4.09 + 0.86
    assert (invoice["move_type"], invoice["state"], invoice["invoice_origin"], invoice["ref"]) == (
        "out_invoice", "draft", order["name"], order["client_order_ref"])
    assert (invoice["amount_untaxed"], invoice["amount_tax"], invoice["amount_total"]) == (54.09, 11.36, 65.45)
    [order] = models.execute_kw(db, uid, password, "sale.order", "read", [[order_id]],
                                {"fields": ["invoice_status", "invoice_ids"]})
    assert order == {"id": order_id, "invoice_status": "invoiced", "invoice_ids": [invoice_id]}

    assert models.execute_kw(db, uid, password, "account.move", "action_post", [[invoice_id]]) is False
    [invoice] = models.execute_kw(db, uid, password, "account.move", "read", [[invoice_id]],
                                  {"fields": ["name", "state", "payment_state", "amount_residual"]})
    assert invoice["state"] == "posted" and invoice["name"].startswith("INV/")
    assert (invoice["payment_state"], invoice["amount_residual"]) == ("not_paid", 65.45)

    # "Register Payment": the wizard on the invoice, in the journal of the gateway that took the money.
    [stripe_id] = models.execute_kw(db, uid, password, "account.journal", "search", [[["code", "=", "STRP"]]])
    context = {"active_model": "account.move", "active_ids": [invoice_id]}
    register_id = models.execute_kw(db, uid, password, "account.payment.register", "create",
                                    [{"journal_id": stripe_id, "communication": "ch_3Nx"}], {"context": context})
    payment_action = models.execute_kw(db, uid, password, "account.payment.register", "action_create_payments",
                                       [[register_id]], {"context": context})
    [payment] = models.execute_kw(db, uid, password, "account.payment", "read", [[payment_action["res_id"]]],
                                  {"fields": ["amount", "state", "journal_id"]})
    assert (payment["amount"], payment["journal_id"][0]) == (65.45, stripe_id)
    [invoice] = models.execute_kw(db, uid, password, "account.move", "read", [[invoice_id]],
                                  {"fields": ["payment_state", "amount_residual"]})
    assert (invoice["payment_state"], invoice["amount_residual"]) == ("in_payment", 0.0)

    # One shirt comes back: a credit note from the invoice, kept to that line and quantity.
    context = {"active_model": "account.move", "active_ids": [invoice_id]}
    reversal_id = models.execute_kw(db, uid, password, "account.move.reversal", "create",
                                    [{"reason": "returned shirt"}], {"context": context})
    refund_id = models.execute_kw(db, uid, password, "account.move.reversal", "refund_moves",
                                  [[reversal_id]], {"context": context})["res_id"]
    refund_lines = models.execute_kw(db, uid, password, "account.move.line", "search_read",
                                     [[["move_id", "=", refund_id], ["display_type", "=", "product"]]],
                                     {"fields": ["product_id"]})
    shirt_line = next(li["id"] for li in refund_lines if li["product_id"][0] == shirt_id)
    models.execute_kw(db, uid, password, "account.move", "write", [[refund_id], {"invoice_line_ids": [
        (1, shirt_line, {"quantity": 1})] + [(2, li["id"]) for li in refund_lines if li["id"] != shirt_line]}])
    models.execute_kw(db, uid, password, "account.move", "action_post", [[refund_id]])
    [refund] = models.execute_kw(db, uid, password, "account.move", "read", [[refund_id]],
                                 {"fields": ["move_type", "reversed_entry_id", "amount_total"]})
    assert (refund["move_type"], refund["reversed_entry_id"][0], refund["amount_total"]) == (
        "out_refund", invoice_id, 30.25)

    # The refund is paid back through the gateway; the order has one shirt to invoice again.
    context = {"active_model": "account.move", "active_ids": [refund_id]}
    register_id = models.execute_kw(db, uid, password, "account.payment.register", "create",
                                    [{"journal_id": stripe_id}], {"context": context})
    refund_payment = models.execute_kw(db, uid, password, "account.payment.register", "action_create_payments",
                                       [[register_id]], {"context": context})["res_id"]
    [paid_back] = models.execute_kw(db, uid, password, "account.payment", "read", [[refund_payment]],
                                    {"fields": ["payment_type", "amount"]})
    assert (paid_back["payment_type"], paid_back["amount"]) == ("outbound", 30.25)
    [line] = models.execute_kw(db, uid, password, "sale.order.line", "search_read",
                               [[["order_id", "=", order_id], ["product_id", "=", shirt_id]]],
                               {"fields": ["qty_delivered", "qty_invoiced", "qty_to_invoice"]})
    assert (line["qty_delivered"], line["qty_invoiced"], line["qty_to_invoice"]) == (2.0, 1.0, 1.0)
    [order] = models.execute_kw(db, uid, password, "sale.order", "read", [[order_id]],
                                {"fields": ["invoice_ids", "invoice_status"]})
    assert order["invoice_ids"] == [invoice_id, refund_id] and order["invoice_status"] == "to invoice"


def test_nothing_to_invoice_is_refused(odoo):
    url, db, password = odoo.url, odoo.db, odoo.secret
    uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, odoo.login, password, {})
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    storable = {"detailed_type": "product"} if odoo.version == 17 else {"type": "consu", "is_storable": True}
    product_id = models.execute_kw(db, uid, password, "product.product", "create", [{
        "name": "Undelivered", "list_price": 10.0, "invoice_policy": "delivery", **storable}])
    partner_id = models.execute_kw(db, uid, password, "res.partner", "create", [{"name": "Nothing yet"}])
    order_id = models.execute_kw(db, uid, password, "sale.order", "create", [{
        "partner_id": partner_id, "order_line": [(0, 0, {"product_id": product_id, "product_uom_qty": 1})]}])
    models.execute_kw(db, uid, password, "sale.order", "action_confirm", [[order_id]])
    wizard_id = models.execute_kw(db, uid, password, "sale.advance.payment.inv", "create", [{}],
                                  {"context": {"active_model": "sale.order", "active_ids": [order_id]}})
    with pytest.raises(xmlrpc.client.Fault, match="No items are available to invoice"):
        models.execute_kw(db, uid, password, "sale.advance.payment.inv", "create_invoices", [[wizard_id]])
    assert models.execute_kw(db, uid, password, "account.move", "search_count",
                             [[["invoice_origin", "=", models.execute_kw(
                                 db, uid, password, "sale.order", "read", [[order_id]], {"fields": ["name"]})[0][
                                 "name"]]]]) == 0
