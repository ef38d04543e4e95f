"""A whole order over XML-RPC, written the way Odoo's external API documentation writes its examples
(xmlrpc.client, `common.authenticate`, `models.execute_kw(db, uid, password, model, method, args, kw)`):
customer, quotation with a product and a shipping line, confirmation, delivery in two parts with the
backorder wizard. The invoicing and payment steps continue it from the accounting side.

It runs as the integration user with its API key (accepted wherever the documentation says password).
"""

from __future__ import annotations

import uuid
import xmlrpc.client

from .sale_fixtures import make_tax, put_in_stock, tax_field


def test_order_to_delivery_over_xmlrpc(odoo):
    # Set-up the documentation takes for granted: a 21% price-included tax and stock of the article.
    vat21 = make_tax(odoo, 21.0, included=True)
    url, db, username, password = odoo.url, odoo.db, odoo.login, odoo.secret
    taxes = tax_field(odoo)  # 'tax_id' up to 18, 'tax_ids' from 19

    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    uid = common.authenticate(db, username, password, {})
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")

    storable = {"detailed_type": "product"} if odoo.version == 17 else {"type": "consu", "is_storable": True}
    service = {"detailed_type": "service"} if odoo.version == 17 else {"type": "service"}
    article_id = models.execute_kw(db, uid, password, "product.product", "create", [{
        "name": "Linen shirt", "default_code": f"SHIRT-{vat21}", "list_price": 30.25,
        "taxes_id": [(6, 0, [vat21])], "invoice_policy": "delivery", **storable}])
    shipping_id = models.execute_kw(db, uid, password, "product.product", "create", [{
        "name": "Shipping", "list_price": 4.95, "taxes_id": [(6, 0, [vat21])], **service}])
    put_in_stock(odoo, article_id, 10)

    partner_id = models.execute_kw(db, uid, password, "res.partner", "create", [{
        "name": "Ada Lovelace", "email": "ada@example.com", "street": "12 St James's Square", "city": "London"}])
    order_id = models.execute_kw(db, uid, password, "sale.order", "create", [{
        "partner_id": partner_id,
        "client_order_ref": f"#{uuid.uuid4().hex[:8]}",
        "origin": "shopify-eu",
        "order_line": [
            (0, 0, {"product_id": article_id, "product_uom_qty": 2}),
            (0, 0, {"product_id": shipping_id, "product_uom_qty": 1, "price_unit": 4.95}),
        ],
    }])
    [order] = models.execute_kw(db, uid, password, "sale.order", "read", [[order_id]],
                                {"fields": ["name", "state", "amount_untaxed", "amount_tax", "amount_total"]})
    # 60.50 / 1.21 = 50.00 and 4.95 / 1.21 = 4.09 (tax 0.86): the same per line and globally.
    assert (order["state"], order["amount_untaxed"], order["amount_tax"], order["amount_total"]) == (
        "draft", 54.09, 11.36, 65.45)
    lines = models.execute_kw(db, uid, password, "sale.order.line", "search_read", [[["order_id", "=", order_id]]],
                              {"fields": ["product_id", taxes, "price_subtotal"]})
    assert [(li["product_id"][0], li[taxes], li["price_subtotal"]) for li in lines] == [
        (article_id, [vat21], 50.0), (shipping_id, [vat21], 4.09)]

    assert models.execute_kw(db, uid, password, "sale.order", "action_confirm", [[order_id]]) is True
    [order] = models.execute_kw(db, uid, password, "sale.order", "read", [[order_id]],
                                {"fields": ["state", "picking_ids"]})
    assert order["state"] == "sale" and len(order["picking_ids"]) == 1
    picking_id = order["picking_ids"][0]

    # The warehouse ships one shirt now: the picked quantity, then validation asks about a backorder.
    move_ids = models.execute_kw(db, uid, password, "stock.move", "search", [[["picking_id", "=", picking_id]]])
    models.execute_kw(db, uid, password, "stock.move", "write", [move_ids, {"quantity": 1, "picked": True}])
    models.execute_kw(db, uid, password, "stock.picking", "write", [[picking_id], {"carrier_tracking_ref": "1Z999"}])
    action = models.execute_kw(db, uid, password, "stock.picking", "button_validate", [[picking_id]])
    assert action["res_model"] == "stock.backorder.confirmation"
    wizard_id = models.execute_kw(db, uid, password, "stock.backorder.confirmation", "create", [{}],
                                  {"context": action["context"]})
    models.execute_kw(db, uid, password, "stock.backorder.confirmation", "process", [[wizard_id]],
                      {"context": action["context"]})

    [picking] = models.execute_kw(db, uid, password, "stock.picking", "read", [[picking_id]],
                                  {"fields": ["state", "date_done", "carrier_tracking_ref", "backorder_ids"]})
    assert (picking["state"], picking["carrier_tracking_ref"]) == ("done", "1Z999") and picking["date_done"]
    [line] = models.execute_kw(db, uid, password, "sale.order.line", "search_read",
                               [[["order_id", "=", order_id], ["product_id", "=", article_id]]],
                               {"fields": ["qty_delivered", "qty_to_invoice"]})
    assert (line["qty_delivered"], line["qty_to_invoice"]) == (1.0, 1.0)

    # The backorder ships the second shirt later, in full.
    [backorder_id] = picking["backorder_ids"]
    assert models.execute_kw(db, uid, password, "stock.picking", "button_validate", [[backorder_id]]) is True
    [line] = models.execute_kw(db, uid, password, "sale.order.line", "read", [[line["id"]]],
                               {"fields": ["qty_delivered", "qty_to_invoice", "invoice_status"]})
    assert (line["qty_delivered"], line["qty_to_invoice"], line["invoice_status"]) == (2.0, 2.0, "to invoice")
    [order] = models.execute_kw(db, uid, password, "sale.order", "read", [[order_id]], {"fields": ["invoice_status"]})
    assert order["invoice_status"] == "to invoice"
    [article] = models.execute_kw(db, uid, password, "product.product", "read", [[article_id]],
                                  {"fields": ["qty_available"]})
    assert article["qty_available"] == 8.0
