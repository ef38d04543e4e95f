"""Orders changed after they reached Odoo: cancelled (cancelled in Odoo if nothing shipped, else dead-lettered
for a person), refunded in full or in part (a credit note of the refunded lines, posted and paid back, once)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from retail_sync.flows.orders.load import load_page
from retail_sync.state.store import StateStore
from retail_sync_sandbox.datagen.orders import state_at
from tests.integration.sale_order_fixtures import FLOW, woo_order_key
from tests.order_pages import woo_page


def test_a_cancelled_quotation_is_cancelled(order_world, good_orders):
    order = next(o for o in good_orders if o["story"] == "cancelled")
    first = order_world.load(woo_page([dict(state_at(order, order["created_at"]), story="authorized")]))
    assert first.held == [woo_order_key(order)] and order_world.sale_orders()[0]["state"] == "draft"
    outcome = order_world.load(woo_page([order]), "run-2")
    assert outcome.outcomes == {woo_order_key(order): "loaded"}
    [sale] = order_world.sale_orders()
    assert sale["state"] == "cancel" and order_world.store.dead_letters(FLOW) == []


def test_an_order_cancelled_after_it_shipped_is_dead_lettered_for_a_person(order_world, good_orders):
    order = next(o for o in good_orders if o["story"] == "paid" and not o["refunds"])
    order_world.load(woo_page([order]))
    [sale] = order_world.sale_orders()
    # The warehouse ships it.
    [picking] = order_world.client.call("stock.picking", "search", [["sale_id", "=", sale["id"]]])
    for move in order_world.client.call("stock.move", "search_read", [["picking_id", "=", picking]], ["product_uom_qty"]):
        order_world.client.call("stock.move", "write", [move["id"]], {"quantity": move["product_uom_qty"], "picked": True})
    assert order_world.client.call("stock.picking", "button_validate", [picking]) is True
    cancelled = dict(order, story="cancelled", cancelled_at="2026-12-01T10:00:00Z", cancel_reason="customer",
                     updated_at="2026-12-01T10:00:00Z")
    outcome = order_world.load(woo_page([cancelled]), "run-2")
    assert outcome.outcomes == {woo_order_key(order): "dead_lettered"} and outcome.stages[woo_order_key(order)] == "cancel"
    assert "already delivered" in outcome.reasons[woo_order_key(order)]
    assert order_world.sale_orders()[0]["state"] == "sale"
    [letter] = order_world.store.dead_letters(FLOW)
    assert letter.stage == "cancel" and letter.key == woo_order_key(order)


def test_a_cancelled_order_never_shipped_is_cancelled_even_once_confirmed(order_world, good_orders):
    order = next(o for o in good_orders if o["story"] == "paid" and not o["refunds"])
    order_world.load(woo_page([order]))
    assert order_world.sale_orders()[0]["state"] == "sale"
    cancelled = dict(order, story="cancelled", cancelled_at="2026-12-01T10:00:00Z", cancel_reason="customer",
                     updated_at="2026-12-01T10:00:00Z")
    outcome = order_world.load(woo_page([cancelled]), "run-2")
    assert outcome.outcomes == {woo_order_key(order): "loaded"}
    assert order_world.sale_orders()[0]["state"] == "cancel"
    assert order_world.client.call("stock.picking", "search_read", [], ["state"]) == [
        {"id": order_world.client.call("stock.picking", "search", [])[0], "state": "cancel"}]


@pytest.mark.parametrize("story", ["refunded", "partially_refunded"])
def test_a_refund_becomes_one_credit_note_paid_back(order_world, good_orders, story, tmp_path):
    order = next(o for o in good_orders if o["story"] == story and (story == "refunded" or len(o["lines"]) > 1))
    [refund] = order["refunds"]
    # First the order as paid, then the version with its refund.
    before_refund = state_at(order, order["transactions"][0]["processed_at"])
    order_world.load(woo_page([before_refund]))
    assert order_world.moves("out_refund") == []
    outcome = order_world.load(woo_page([order]), "run-2")
    assert outcome.outcomes == {woo_order_key(order): "loaded"}, outcome.reasons
    [invoice] = order_world.moves("out_invoice")
    [credit_note] = order_world.moves("out_refund")
    assert credit_note["reversed_entry_id"][0] == invoice["id"] and credit_note["state"] == "posted"
    assert Decimal(str(credit_note["amount_total"])) == Decimal(refund["amount"])
    assert f"[woo-uk:refund:{refund['id']}]" in credit_note["ref"] and credit_note["amount_residual"] == 0
    back = [p for p in order_world.payments() if p["payment_type"] == "outbound"]
    assert [p["amount"] for p in back] == [float(refund["amount"])]
    if story == "partially_refunded":   # only the refunded line, at its quantity
        lines = order_world.client.call("account.move.line", "search_read",
                                  [["move_id", "=", credit_note["id"]], ["display_type", "=", "product"]],
                                  ["quantity"])
        assert [li["quantity"] for li in lines] == [refund["lines"][0]["quantity"]]
    # Delivered again (the overlap window): nothing to do. Run again by a run that kept no state (a crash
    # before settling): the credit note is found by its reference, and has nothing left to pay back.
    counts = order_world.counts()
    assert order_world.load(woo_page([order]), "run-3").counts == {"skipped": 1}
    amnesiac = load_page(woo_page([order]), order_world.client, StateStore(f"sqlite:///{tmp_path}/other.sqlite"),
                         order_world.settings, FLOW, "run-4")
    assert amnesiac.outcomes == {woo_order_key(order): "loaded"} and order_world.counts() == counts


def test_a_refund_of_an_order_without_an_invoice_is_dead_lettered(order_world, good_orders):
    order = next(o for o in good_orders if o["story"] == "refunded")
    # Odoo never invoiced it: its payment was only ever authorized (held), then the channel refunded it.
    order_world.load(woo_page([dict(state_at(order, order["created_at"]), story="authorized")]))
    outcome = order_world.load(woo_page([dict(order, story="authorized")]), "run-2")
    assert outcome.stages == {woo_order_key(order): "refund"} and "no posted invoice" in outcome.reasons[woo_order_key(order)]
    assert order_world.moves("out_refund") == []
