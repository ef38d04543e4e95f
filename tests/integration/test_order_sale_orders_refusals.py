"""What the order load cannot finish alone, each dead-lettered with its stage and a reason a person can act
on, and nothing half-done posted: a gateway without a journal, products Odoo invoices only on delivery, a
refund whose amount the refunded lines do not make."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from retail_sync_sandbox.datagen.orders import state_at
from tests.integration.sale_order_fixtures import FLOW, page_of, rows_of, woo_order_key
from tests.order_pages import woo_page


def test_a_gateway_without_a_journal_leaves_the_invoice_unpaid_and_says_so(order_world, good_orders):
    order = next(o for o in good_orders if o["story"] == "paid" and not o["refunds"])
    order_world.settings = dataclasses.replace(order_world.settings, journals={"stripe": "NOPE"})
    outcome = order_world.load(woo_page([order]))
    assert outcome.stages == {woo_order_key(order): "payment"}
    assert "no journal with code 'NOPE'" in outcome.reasons[woo_order_key(order)]
    [invoice] = order_world.moves("out_invoice")
    assert invoice["state"] == "posted" and invoice["payment_state"] == "not_paid" and order_world.payments() == []
    [letter] = order_world.store.dead_letters(FLOW)
    assert (letter.key, letter.stage) == (woo_order_key(order), "payment")


def test_products_invoiced_on_delivery_leave_a_draft_for_a_person(order_world, good_orders):
    order = next(o for o in good_orders if o["story"] == "paid" and not o["refunds"] and o["shipping"] != "0.00")
    order_world.add_products([order_world.catalog[li["sku"]] for li in order["lines"]])
    products = order_world.client.call("product.product", "search", [["default_code", "in", [li["sku"] for li in
                                                                                       order["lines"]]]])
    templates = [p["product_tmpl_id"][0] for p in order_world.client.call("product.product", "read", products,
                                                                     ["product_tmpl_id"])]
    order_world.admin.call("product.template", "write", templates, {"invoice_policy": "delivery"})
    outcome = order_world.load(woo_page([order]))
    # Only the shipping can be invoiced before delivery: the invoice is not the order's total.
    assert outcome.stages == {woo_order_key(order): "invoice"} and "invoiced" in outcome.reasons[woo_order_key(order)]
    [sale] = order_world.sale_orders()
    [invoice] = order_world.moves("out_invoice")
    assert sale["state"] == "sale" and invoice["state"] == "draft" and order_world.payments() == []
    assert Decimal(str(invoice["amount_total"])) == Decimal(order["shipping"])


def test_a_refund_the_refunded_lines_do_not_make_stays_a_draft_credit_note(order_world, good_orders):
    order = next(o for o in good_orders if o["story"] == "partially_refunded" and len(o["lines"]) > 1)
    order_world.load(woo_page([state_at(order, order["transactions"][0]["processed_at"])]))
    rows = rows_of(woo_page([order]))
    [refund] = rows["refunds"]
    refund["amount"] -= Decimal("5.00")          # the channel refunded less than the line is worth
    outcome = order_world.load(page_of(rows), "run-2")
    assert outcome.stages == {woo_order_key(order): "refund"}
    assert f"{refund['amount']}" in outcome.reasons[woo_order_key(order)] and "left in draft" in outcome.reasons[woo_order_key(order)]
    [credit_note] = order_world.moves("out_refund")
    assert credit_note["state"] == "draft" and [p["payment_type"] for p in order_world.payments()] == ["inbound"]
