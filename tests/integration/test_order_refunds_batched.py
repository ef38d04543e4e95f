"""A page of refunds costs a few calls, not a few per refund: every credit note of the page in one create, one
post for them all, one "Register Payment" wizard per journal; each credit note still its own refund's (its
invoice, its key, its lines and amount), and a lost answer on the batched create doubles none of them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from retail_sync.odoo.errors import OdooError
from retail_sync_sandbox.datagen.orders import state_at
from retail_sync_sandbox.faults import FaultPlan
from tests.integration.sale_order_fixtures import recording_client, start_order_world, woo_order_key
from tests.order_pages import woo_page


@pytest.fixture(scope="module")
def refunded(small_world):
    """Two orders refunded in full and two in part (one line of several), all paid through Stripe."""
    bad = small_world.truth["bad_orders"]
    good = [o for o in small_world.orders_of("woo-uk") if woo_order_key(o) not in bad and len(o["refunds"]) == 1]
    full = [o for o in good if o["story"] == "refunded"][:2]
    partial = [o for o in good if o["story"] == "partially_refunded" and len(o["lines"]) > 1][:2]
    assert len(full) == len(partial) == 2
    return full + partial


def paid_first(world, orders) -> None:
    """The orders as they were when paid: invoiced and paid in Odoo, nothing refunded yet."""
    world.load(woo_page([state_at(o, o["transactions"][0]["processed_at"]) for o in orders]))
    assert world.moves("out_refund") == []


def credit_notes_as_refunded(world, orders, sale_orders: dict[str, int]) -> None:
    """One posted credit note per refund, of its order's invoice, for the refund's amount, paid back."""
    notes = world.moves("out_refund")
    assert len(notes) == len(orders) and {n["state"] for n in notes} == {"posted"}
    invoices = {s["id"]: [m["id"] for m in world.moves("out_invoice") if m["id"] in s["invoice_ids"]]
                for s in world.sale_orders()}
    for order in orders:
        [refund] = order["refunds"]
        [note] = [n for n in notes if f"[woo-uk:refund:{refund['id']}]" in n["ref"]]
        assert [note["reversed_entry_id"][0]] == invoices[sale_orders[woo_order_key(order)]]
        assert Decimal(str(note["amount_total"])) == Decimal(refund["amount"]) and note["amount_residual"] == 0
        lines = world.client.call("account.move.line", "search_read",
                                  [["move_id", "=", note["id"]], ["display_type", "=", "product"]], ["quantity"])
        if order["story"] == "partially_refunded":      # only the refunded line, at its quantity
            assert [li["quantity"] for li in lines] == [li["quantity"] for li in refund["lines"]]
        else:                                           # the invoice's every line (shipping included)
            assert len(lines) == len(order["lines"]) + (order["shipping"] != "0.00")
    back = sorted(p["amount"] for p in world.payments() if p["payment_type"] == "outbound")
    assert back == sorted(float(o["refunds"][0]["amount"]) for o in orders)


def test_a_page_of_refunds_is_credited_in_one_create_one_post_and_one_payment_wizard(refunded, small_world, tmp_path):
    world = start_order_world(tmp_path, small_world.catalog)
    sequence: list[str] = []
    client = recording_client(world, sequence)
    try:
        paid_first(world, refunded)
        outcome = world.load(woo_page(refunded), "run-2", client=client)
        assert outcome.counts == {"loaded": len(refunded)}, outcome.reasons
        credit_notes_as_refunded(world, refunded, outcome.sale_orders)
        # Four refunds: one create makes the four credit notes, no "Credit Note" wizard, one post, one Register
        # Payment wizard (every order paid through Stripe: one journal).
        assert sequence.count("account.move.create") == 1
        assert not [name for name in sequence if name.startswith("account.move.reversal.")]
        assert sequence.count("account.move.action_post") == 1
        assert sequence.count("account.payment.register.create") == 1
        assert sequence.count("account.payment.register.action_create_payments") == 1
    finally:
        client.close()
        world.world.server.stop()


def test_a_lost_answer_on_the_batched_create_makes_each_credit_note_once(refunded, small_world, tmp_path_factory):
    # Where the credit notes' create falls among the refund run's calls, from a clean run.
    clean = start_order_world(tmp_path_factory.mktemp("clean"), small_world.catalog)
    sequence: list[str] = []
    client = recording_client(clean, sequence)
    try:
        paid_first(clean, refunded)
        client.uid  # noqa: B018  (logged in before the count starts, as the faulty world's client is)
        sequence.clear()
        clean.load(woo_page(refunded), "run-2", client=client)
        clean_counts = clean.counts()
    finally:
        client.close()
        clean.world.server.stop()
    at = sequence.index("account.move.create") + 1

    world = start_order_world(tmp_path_factory.mktemp("faulty"), small_world.catalog)
    try:
        paid_first(world, refunded)
        world.world.sandbox.faults.configure(FaultPlan(fail_calls={at: "503"}, after_commit=True))
        try:
            outcome = world.load(woo_page(refunded), "run-2")
            assert world.world.sandbox.faults.calls >= at     # the create's answer was lost, and the load went on
        except OdooError:                  # the task fails; its retry runs the page again
            assert world.world.sandbox.faults.calls >= at
            world.world.sandbox.faults.configure(FaultPlan())
            outcome = world.load(woo_page(refunded), "run-2-retry")
        world.world.sandbox.faults.configure(FaultPlan())
        assert outcome.counts == {"loaded": len(refunded)}, outcome.reasons
        assert world.counts() == clean_counts
        assert {m["state"] for m in world.moves("out_refund")} == {"posted"}    # no cancelled second copy either
        credit_notes_as_refunded(world, refunded, outcome.sale_orders)
    finally:
        world.world.server.stop()
