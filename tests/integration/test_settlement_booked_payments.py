"""Payments the settlement flow books itself are settled: a later run, once they are due (N days after the
payout), does not report them missing at the provider. The booked payment names the charge (the
transaction's source), the id every run looks payments up by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from retail_sync.flows.settlement.book import BookingSettings, book_settlements
from retail_sync_sandbox.odoo.settled_sales import Sale

from .settlement_fixtures import line, payout, start_world, tables
from .settlement_flow_fixtures import lines, start_settlement_world


def _open_invoices_for(world, stripe: dict, count: int = 2) -> tuple[dict, list[dict]]:
    """A valid payout and its first `count` EUR charges (each of its own order, neither refunded nor disputed)."""
    bad = set(world.truth["bad_payouts"])
    charges = {c["id"]: c for c in stripe["charges"]}
    by_payout: dict[str, list[dict]] = {}
    for bt in stripe["balance_transactions"]:
        charge = charges.get(bt["source"])
        if bt["type"] == "charge" and bt["payout"] not in bad and charge and charge["metadata"] \
                and charge["currency"] == "eur" and bt["currency"] == "eur" and not charge["refunded"] \
                and not charge["disputed"]:
            by_payout.setdefault(bt["payout"], []).append(charge)
    payout_id, picked = next((p, c[:count]) for p, c in by_payout.items() if len(c) >= count)
    return next(p for p in stripe["payouts"] if p["id"] == payout_id), picked


@pytest.fixture
def booked_world(tmp_path, stripe_sandbox, small_world):
    server, _ = stripe_sandbox
    paid_out, charges = _open_invoices_for(small_world, small_world.stripe)
    names = {(c["metadata"]["channel"], c["metadata"]["order_name"]) for c in charges}

    def leave_unpaid(sales: list[Sale]) -> None:
        # These orders go into Odoo through its ORM below, invoiced and not paid: the run books their payments.
        sales[:] = [s for s in sales if (s.channel, s.name) not in names]

    world = start_settlement_world(tmp_path, small_world, server.url, plant=leave_unpaid)
    client = world.client()
    eur = client.call("res.currency", "search", [["name", "=", "EUR"]])[0]
    partner = client.call("res.partner", "create", {"name": "Settlement customer"})
    for charge in charges:
        order = client.call("sale.order", "create", {
            "partner_id": partner, "client_order_ref": charge["metadata"]["order_name"],
            "origin": charge["metadata"]["channel"]})
        order_name = client.call("sale.order", "read", [order], ["name"])[0]["name"]
        move = client.call("account.move", "create", {
            "move_type": "out_invoice", "partner_id": partner, "currency_id": eur, "invoice_origin": order_name,
            "invoice_line_ids": [(0, 0, {"name": "Goods", "quantity": 1,
                                         "price_unit": float(Decimal(charge["amount"]) / 100),
                                         "tax_ids": [(6, 0, [])]})]})
        client.call("account.move", "action_post", [move])
    yield world, paid_out, charges
    client.close()
    world.server.stop()


def test_payments_booked_by_a_run_are_not_missing_at_the_provider_later(booked_world):
    world, paid_out, charges = booked_world
    arrival = datetime.fromtimestamp(paid_out["arrival_date"], UTC).date()
    paid_day = datetime.fromtimestamp(paid_out["created"], UTC).date()
    wanted = {c["balance_transaction"] for c in charges}
    client = world.client()
    memo = "ref" if client.version == 17 else "memo"
    seeded = max(client.call("account.payment", "search", [], order="id desc", limit=1))

    booking = world.reconcile(paid_day, paid_day, dry_run=False, run_id="books")
    report = pq.read_table(booking.report["parquet"]).to_pylist()
    assert {row["transaction_id"] for row in report if row["booking"] == "payment"
            and row["booking_status"] == "booked"} == wanted
    booked = client.call("account.payment", "search_read", [["id", ">", seeded]], [memo, "date"])
    assert len(booked) == len(charges) and {row["date"] for row in booked} == {arrival.isoformat()}

    # N days after the payout's arrival its payments are due: they were settled by that payout.
    due_day = arrival + timedelta(days=world.settings.missing_after_days)
    later = lines(world.reconcile(due_day, due_day, run_id="later"))
    due = [line for line in later if line["status"] == "missing_at_provider"]
    assert not {line["payment_id"] for line in due} & {row["id"] for row in booked}, due

    # Named by the charge, the id matching looks payments up by: the same window again finds each charge
    # paid by its payment, and books nothing twice.
    assert sorted(row[memo] for row in booked) == sorted(c["id"] for c in charges)
    again = world.reconcile(paid_day, paid_day, dry_run=False, run_id="again")
    paid_by = {row["transaction_id"]: row["payment_id"] for row in lines(again) if row["transaction_id"] in wanted}
    assert sorted(paid_by.values()) == sorted(row["id"] for row in booked)
    assert again.booked["booked"] == 0
    client.close()


def test_a_matched_charge_naming_no_charge_is_not_booked():
    """A provider line without its source id could only be booked under a memo no run looks for."""
    world = start_world(18)
    try:
        invoice = world.invoice(100.0)
        lines_ = [line("po_1", "txn_a", "charge", "100.00", "3.20", invoice_id=invoice, source="")]
        outcome = book_settlements(world.client, *tables([payout("po_1", "96.80")], lines_), BookingSettings())
        assert [(b.transaction_id, b.booking, b.status, b.reason) for b in outcome.lines if b.transaction_id] == [
            ("txn_a", "payment", "skipped", "transaction txn_a names no charge to put in the payment's memo")]
        assert world.client.call("account.payment", "search_count", []) == 0
    finally:
        world.stop()
