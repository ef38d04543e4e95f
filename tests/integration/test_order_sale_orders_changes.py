"""Orders changed after they reached Odoo: cancelled (cancelled in Odoo if nothing shipped, else dead-lettered
for a person), refunded in full or in part (a credit note of the refunded lines, posted and paid back, once)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from retail_sync.flows.orders.load import load_page
from retail_sync.state.store import StateStore
from retail_sync_sandbox.datagen.orders import state_at
from tests.integration.sale_order_fixtures import FLOW, start_order_world
from tests.order_pages import woo_page


def key(order) -> str:
    return f"woo-uk:order:{order['id']}"


@pytest.fixture(scope="module")
def good_orders(small_world):
    bad = small_world.truth["bad_orders"]
    return [o for o in small_world.orders_of("woo-uk") if key(o) not in bad]


@pytest.fixture
def world(tmp_path, small_world):
    created = start_order_world(tmp_path, small_world.catalog)
    yield created
    created.world.server.stop()


def test_a_cancelled_quotation_is_cancelled(world, good_orders):
    order = next(o for o in good_orders if o["story"] == "cancelled")
    first = world.load(woo_page([dict(state_at(order, order["created_at"]), story="authorized")]))
    assert first.held == [key(order)] and world.sale_orders()[0]["state"] == "draft"
    outcome = world.load(woo_page([order]), "run-2")
    assert outcome.outcomes == {key(order): "loaded"}
    [sale] = world.sale_orders()
    assert sale["state"] == "cancel" and world.store.dead_letters(FLOW) == []


def test_an_order_cancelled_after_it_shipped_is_dead_lettered_for_a_person(world, good_orders):
    order = next(o for o in good_orders if o["story"] == "paid" and not o["refunds"])
    world.load(woo_page([order]))
    [sale] = world.sale_orders()
    # The warehouse ships it.
    [picking] = world.client.call("stock.picking", "search", [["sale_id", "=", sale["id"]]])
    for move in world.client.call("stock.move", "search_read", [["picking_id", "=", picking]], ["product_uom_qty"]):
        world.client.call("stock.move", "write", [move["id"]], {"quantity": move["product_uom_qty"], "picked": True})
    assert world.client.call("stock.picking", "button_validate", [picking]) is True
    cancelled = dict(order, story="cancelled", cancelled_at="2026-12-01T10:00:00Z", cancel_reason="customer",
                     updated_at="2026-12-01T10:00:00Z")
    outcome = world.load(woo_page([cancelled]), "run-2")
    assert outcome.outcomes == {key(order): "dead_lettered"} and outcome.stages[key(order)] == "cancel"
    assert "already delivered" in outcome.reasons[key(order)]
    assert world.sale_orders()[0]["state"] == "sale"
    [letter] = world.store.dead_letters(FLOW)
    assert letter.stage == "cancel" and letter.key == key(order)


def test_a_cancelled_order_never_shipped_is_cancelled_even_once_confirmed(world, good_orders):
    order = next(o for o in good_orders if o["story"] == "paid" and not o["refunds"])
    world.load(woo_page([order]))
    assert world.sale_orders()[0]["state"] == "sale"
    cancelled = dict(order, story="cancelled", cancelled_at="2026-12-01T10:00:00Z", cancel_reason="customer",
                     updated_at="2026-12-01T10:00:00Z")
    outcome = world.load(woo_page([cancelled]), "run-2")
    assert outcome.outcomes == {key(order): "loaded"}
    assert world.sale_orders()[0]["state"] == "cancel"
    assert world.client.call("stock.picking", "search_read", [], ["state"]) == [
        {"id": world.client.call("stock.picking", "search", [])[0], "state": "cancel"}]


@pytest.mark.parametrize("story", ["refunded", "partially_refunded"])
def test_a_refund_becomes_one_credit_note_paid_back(world, good_orders, story, tmp_path):
    order = next(o for o in good_orders if o["story"] == story and (story == "refunded" or len(o["lines"]) > 1))
    [refund] = order["refunds"]
    # First the order as paid, then the version with its refund.
    before_refund = state_at(order, order["transactions"][0]["processed_at"])
    world.load(woo_page([before_refund]))
    assert world.moves("out_refund") == []
    outcome = world.load(woo_page([order]), "run-2")
    assert outcome.outcomes == {key(order): "loaded"}, outcome.reasons
    [invoice] = world.moves("out_invoice")
    [credit_note] = world.moves("out_refund")
    assert credit_note["reversed_entry_id"][0] == invoice["id"] and credit_note["state"] == "posted"
    assert Decimal(str(credit_note["amount_total"])) == Decimal(refund["amount"])
    assert f"[woo-uk:refund:{refund['id']}]" in credit_note["ref"] and credit_note["amount_residual"] == 0
    back = [p for p in world.payments() if p["payment_type"] == "outbound"]
    assert [p["amount"] for p in back] == [float(refund["amount"])]
    if story == "partially_refunded":   # only the refunded line, at its quantity
        lines = world.client.call("account.move.line", "search_read",
                                  [["move_id", "=", credit_note["id"]], ["display_type", "=", "product"]],
                                  ["quantity"])
        assert [li["quantity"] for li in lines] == [refund["lines"][0]["quantity"]]
    # Delivered again (the overlap window): nothing to do. Run again by a run that kept no state (a crash
    # before settling): the credit note is found by its reference, and has nothing left to pay back.
    counts = world.counts()
    assert world.load(woo_page([order]), "run-3").counts == {"skipped": 1}
    amnesiac = load_page(woo_page([order]), world.client, StateStore(f"sqlite:///{tmp_path}/other.sqlite"),
                         world.settings, FLOW, "run-4")
    assert amnesiac.outcomes == {key(order): "loaded"} and world.counts() == counts


def test_a_refund_of_an_order_without_an_invoice_is_dead_lettered(world, good_orders):
    order = next(o for o in good_orders if o["story"] == "refunded")
    # Odoo never invoiced it: its payment was only ever authorized (held), then the channel refunded it.
    world.load(woo_page([dict(state_at(order, order["created_at"]), story="authorized")]))
    outcome = world.load(woo_page([dict(order, story="authorized")]), "run-2")
    assert outcome.stages == {key(order): "refund"} and "no posted invoice" in outcome.reasons[key(order)]
    assert world.moves("out_refund") == []
