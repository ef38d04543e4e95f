"""Odoo failing half-way through a booking: a write that commits while the client sees a 503 (the answer
lost) or a 500 (the run stops there), on each kind of write the booking makes. After the run and its retry,
Odoo holds exactly what a clean run leaves: nothing booked twice, nothing missing."""

from __future__ import annotations

import pytest

from retail_sync.flows.settlement.book import BookingSettings, book_settlements
from retail_sync.odoo.errors import OdooError
from retail_sync_sandbox.faults import FaultPlan

from .settlement_fixtures import line, payout, start_world, tables

WRITES = ("account.bank.statement.line.create", "account.move.create", "account.move.action_post",
          "account.payment.register.create", "account.payment.register.action_create_payments",
          "ir.model.data.create")


def prepare(world):
    invoices = [world.invoice(amount) for amount in (100.0, 50.0, 80.0)]
    credit_note = world.invoice(20.0, "out_refund")
    lines = [line("po_1", "txn_a", "charge", "100.00", "3.20", invoice_id=invoices[0]),
             line("po_1", "txn_b", "charge", "50.00", "1.75", invoice_id=invoices[1]),
             line("po_1", "txn_r", "refund", "-20.00", credit_note_id=credit_note),
             line("po_2", "txn_c", "charge", "80.00", "2.62", invoice_id=invoices[2])]
    world.sandbox.faults.configure(FaultPlan())   # the sandbox counts calls from here, as fail_calls does
    return tables([payout("po_1", "125.05"), payout("po_2", "77.38")], lines)


def holdings(world) -> dict:
    """What the booking leaves in Odoo, without database ids."""
    memo = "ref" if world.client.version == 17 else "memo"
    client = world.client
    return {
        "statement_lines": sorted((r["payment_ref"], r["amount"]) for r in client.call(
            "account.bank.statement.line", "search_read", [], ["payment_ref", "amount"])),
        "fee_entries": sorted((r["ref"], r["state"], r["amount_total"]) for r in client.call(
            "account.move", "search_read", [["ref", "like", "Stripe fees"]], ["ref", "state", "amount_total"])),
        "payments": sorted((r[memo], r["amount"], r["payment_type"]) for r in client.call(
            "account.payment", "search_read", [], [memo, "amount", "payment_type"])),
        "invoices": sorted(r["payment_state"] for r in client.call(
            "account.move", "search_read", [["move_type", "in", ["out_invoice", "out_refund"]]], ["payment_state"])),
        "external_ids": client.call("ir.model.data", "search_count", [["module", "=", "retail_sync"],
                                                                      ["name", "like", "stripe_"]]),
    }


@pytest.fixture(scope="module")
def probe():
    """The calls of one clean booking, and what it leaves in Odoo."""
    world = start_world(18)
    try:
        payouts, classified = prepare(world)
        start = len(world.calls)
        outcome = book_settlements(world.client, payouts, classified, BookingSettings())
        assert outcome.counts["booked"] == 8
        return world.calls[start:], holdings(world)
    finally:
        world.stop()


def test_the_booking_makes_every_kind_of_write(probe):
    calls, _ = probe
    assert {c for c in calls if c in WRITES} == set(WRITES)


@pytest.mark.parametrize("fault", ["503", "500"])
@pytest.mark.parametrize("kind", WRITES)
def test_a_failure_on_each_kind_of_write_then_a_retry_books_everything_once(probe, kind, fault):
    calls, clean = probe
    world = start_world(18)
    try:
        payouts, classified = prepare(world)
        position = calls.index(kind) + 1
        # This call commits in Odoo, but the client sees the fault instead of the answer.
        world.sandbox.faults.configure(FaultPlan(fail_calls={position: fault}, after_commit=True))
        start = len(world.calls)
        try:
            book_settlements(world.client, payouts, classified, BookingSettings())
        except OdooError:
            assert fault == "500"              # a lost answer is handled in the run; a 500 stops it
        assert world.calls[start + position - 1] == kind   # the fault hit the write it was meant for
        world.sandbox.faults.configure(FaultPlan())
        retry = book_settlements(world.client, payouts, classified, BookingSettings())
        assert retry.counts["failed"] == 0
        assert holdings(world) == clean
    finally:
        world.stop()
