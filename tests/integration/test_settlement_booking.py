"""Booking a run's settlements in the Odoo sandbox: exactly the statement lines, fee entries and payments
the classified lines call for; nothing for mismatches, invalid payouts or a currency Odoo lacks; nothing
again on a re-run or an overlapping backfill; nothing at all on a dry run."""

from __future__ import annotations

import pytest

from retail_sync.flows.settlement.book import BookingSettings, book_settlements

from .settlement_fixtures import line, payout, start_world, tables


@pytest.fixture
def world():
    created = start_world(18)
    yield created
    created.stop()


@pytest.fixture(params=[17, 19])
def other_version(request):
    created = start_world(request.param)
    yield created
    created.stop()


def scenario(world) -> dict:
    """Two payouts: po_1 with two matched charges, a matched refund and a charge whose amount differs from its
    invoice; po_2 with a matched charge, a monthly fee line and a charge no order explains."""
    inv = {name: world.invoice(amount) for name, amount in (("a", 100.0), ("b", 50.0), ("m", 35.0), ("c", 80.0))}
    credit_note = world.invoice(20.0, "out_refund")
    lines = [
        line("po_1", "txn_a", "charge", "100.00", "3.20", invoice_id=inv["a"]),
        line("po_1", "txn_b", "charge", "50.00", "1.75", invoice_id=inv["b"]),
        line("po_1", "txn_r", "refund", "-20.00", credit_note_id=credit_note),
        line("po_1", "txn_m", "charge", "30.00", "1.10", invoice_id=inv["m"], status="amount_mismatch",
             reason="charged 30.00 EUR, invoice 35.00 EUR"),
        line("po_2", "txn_c", "charge", "80.00", "2.62", invoice_id=inv["c"]),
        line("po_2", "txn_fee", "fee", "-5.00"),
        line("po_2", "txn_x", "charge", "10.00", "0.59", status="missing_in_odoo", reason="charge has no order reference"),
    ]
    payouts = [payout("po_1", "153.95"), payout("po_2", "81.79")]
    return {"invoices": inv, "credit_note": credit_note, "lines": lines, "payouts": payouts}


def statement_lines(world) -> list[dict]:
    return world.client.call("account.bank.statement.line", "search_read", [], ["payment_ref", "amount", "journal_id",
                                                                                "is_reconciled"], load=None)


def fee_entries(world) -> list[dict]:
    moves = world.client.call("account.move", "search_read", [["ref", "like", "Stripe fees"]], ["ref", "state"])
    for move in moves:
        move["items"] = sorted(
            (item["account_id"][1], item["debit"], item["credit"])
            for item in world.client.call("account.move.line", "search_read", [["move_id", "=", move["id"]]],
                                          ["account_id", "debit", "credit"]))
    return moves


def payments(world) -> list[tuple]:
    memo = "ref" if world.client.version == 17 else "memo"
    rows = world.client.call("account.payment", "search_read", [], [memo, "amount", "payment_type", "journal_id"])
    return sorted((r[memo], r["amount"], r["payment_type"], r["journal_id"][1]) for r in rows)


def payment_state(world, move_id: int) -> str:
    return world.client.call("account.move", "read", [move_id], ["payment_state"])[0]["payment_state"]


def test_booking_creates_exactly_the_entries(world):
    assert_books_exactly_the_entries(world)


def test_booking_is_the_same_in_17_and_19(other_version):
    """17 keeps a payment's memo in `ref`; 19 talks JSON-2."""
    assert_books_exactly_the_entries(other_version)


def assert_books_exactly_the_entries(world):
    s = scenario(world)
    outcome = book_settlements(world.client, *tables(s["payouts"], s["lines"]), BookingSettings())

    assert outcome.counts == {"booked": 8, "already_booked": 0, "skipped": 3, "failed": 0}
    stripe = world.client.call("account.journal", "search", [["code", "=", "STRP"]])[0]
    assert sorted((r["payment_ref"], r["amount"], r["journal_id"], r["is_reconciled"]) for r in statement_lines(world)) \
        == [("Stripe payout po_1", 153.95, stripe, False), ("Stripe payout po_2", 81.79, stripe, False)]
    entries = sorted(fee_entries(world), key=lambda m: m["ref"])
    assert [(m["ref"], m["state"], m["items"]) for m in entries] == [
        ("Stripe fees po_1", "posted", [("101403 Outstanding Receipts", 0.0, 6.05),
                                        ("627000 Payment Provider Fees", 6.05, 0.0)]),
        ("Stripe fees po_2", "posted", [("101403 Outstanding Receipts", 0.0, 8.21),
                                        ("627000 Payment Provider Fees", 8.21, 0.0)])]
    # Each payment names the charge or refund it settles: what matching looks payments up by.
    assert payments(world) == [("ch_a", 100.0, "inbound", "Stripe"), ("ch_b", 50.0, "inbound", "Stripe"),
                                ("ch_c", 80.0, "inbound", "Stripe"), ("re_r", 20.0, "outbound", "Stripe")]
    for name in ("a", "b", "c"):
        assert payment_state(world, s["invoices"][name]) in ("in_payment", "paid")
    assert payment_state(world, s["credit_note"]) in ("in_payment", "paid")
    assert payment_state(world, s["invoices"]["m"]) == "not_paid"          # a mismatch is left unbooked
    skipped = {(b.transaction_id, b.reason) for b in outcome.lines if b.status == "skipped"}
    assert skipped == {("txn_m", "amount_mismatch: charged 30.00 EUR, invoice 35.00 EUR"),
                       ("txn_x", "missing_in_odoo: charge has no order reference"),
                       ("txn_fee", "in the payout's fee entry")}
    # Every booking is bound to its external id.
    xmlids = world.client.call("ir.model.data", "search_read", [["module", "=", "retail_sync"],
                                                                ["name", "like", "stripe_"]], ["model"])
    assert sorted(x["model"] for x in xmlids) == sorted(["account.bank.statement.line"] * 2 + ["account.move"] * 2
                                                         + ["account.payment"] * 4)


def test_a_rerun_books_nothing(world):
    s = scenario(world)
    payouts, classified = tables(s["payouts"], s["lines"])
    book_settlements(world.client, payouts, classified, BookingSettings())
    before = (len(statement_lines(world)), len(fee_entries(world)), payments(world))
    start = len(world.calls)
    again = book_settlements(world.client, payouts, classified, BookingSettings())
    assert again.counts == {"booked": 0, "already_booked": 8, "skipped": 3, "failed": 0}
    assert (len(statement_lines(world)), len(fee_entries(world)), payments(world)) == before
    assert not [c for c in world.calls[start:] if c.endswith((".create", ".action_post", ".action_create_payments"))]


def test_a_dry_run_books_nothing(world):
    s = scenario(world)
    start = len(world.calls)
    outcome = book_settlements(world.client, *tables(s["payouts"], s["lines"]), BookingSettings(), dry_run=True)
    assert outcome.dry_run and outcome.counts["booked"] == 0 and outcome.counts["failed"] == 0
    assert {b.reason for b in outcome.lines if b.booking == "statement_line"} == {
        "dry run: would book Stripe payout po_1", "dry run: would book Stripe payout po_2"}
    assert statement_lines(world) == [] and fee_entries(world) == [] and payments(world) == []
    assert not [c for c in world.calls[start:] if not c.endswith((".search_read", ".read", ".search"))]


def test_an_overlapping_backfill_books_only_the_new_days(world):
    s = scenario(world)
    first_day = [x for x in s["lines"] if x["payout_id"] == "po_1"]
    book_settlements(world.client, *tables(s["payouts"][:1], first_day), BookingSettings())
    outcome = book_settlements(world.client, *tables(s["payouts"], s["lines"]), BookingSettings())
    assert {(b.payout_id, b.booking) for b in outcome.lines if b.status == "booked"} == {
        ("po_2", "statement_line"), ("po_2", "fee_entry"), ("po_2", "payment")}
    assert len(statement_lines(world)) == 2 and len(fee_entries(world)) == 2 and len(payments(world)) == 4


@pytest.mark.parametrize("bad, reason", [
    (dict(currency="JPY"), "currency JPY is not active in Odoo"),
    (dict(currency="USD"), "journal STRP keeps EUR, the payout is in USD"),
    (dict(valid=False, reason="transactions sum to 120.00, payout is 125.05"),
     "invalid payout: transactions sum to 120.00, payout is 125.05"),
    (dict(status="in_transit"), "payout is in_transit, not paid"),
    (dict(provider="paypal"), "no Odoo journal configured for provider paypal"),
])
def test_a_payout_that_cannot_be_booked_is_reported_and_nothing_of_it_is_booked(world, bad, reason):
    invoice = world.invoice(100.0)
    provider = bad.get("provider", "stripe")
    lines = [line("po_9", "txn_9", "charge", "100.00", "3.20", invoice_id=invoice, provider=provider,
                  currency=bad.get("currency", "EUR"))]
    outcome = book_settlements(world.client, *tables([payout("po_9", "96.80", **bad)], lines), BookingSettings())
    assert [(b.booking, b.status, b.reason) for b in outcome.lines] == [
        ("statement_line", "skipped", reason), ("none", "skipped", f"payout po_9 not booked: {reason}")]
    assert statement_lines(world) == [] and fee_entries(world) == [] and payments(world) == []
    assert payment_state(world, invoice) == "not_paid"


def test_a_charge_already_paid_in_odoo_is_not_paid_again(world):
    invoice = world.invoice(100.0)
    lines = [line("po_1", "txn_a", "charge", "100.00", "3.20", invoice_id=invoice, payment_id=77),
             line("po_1", "txn_b", "charge", "100.00", "3.20", invoice_id=invoice)]
    outcome = book_settlements(world.client, *tables([payout("po_1", "193.60")], lines), BookingSettings())
    by_txn = {b.transaction_id: (b.status, b.reason) for b in outcome.lines if b.transaction_id}
    assert by_txn["txn_a"] == ("already_booked", "paid in Odoo by payment 77")
    assert by_txn["txn_b"] == ("booked", "")
    # the same invoice again, under another transaction, once it is paid
    more = [line("po_2", "txn_c", "charge", "100.00", "3.20", invoice_id=invoice)]
    outcome = book_settlements(world.client, *tables([payout("po_2", "96.80")], more), BookingSettings())
    assert [(b.status, b.reason) for b in outcome.lines if b.transaction_id] == [
        ("already_booked", f"invoice {invoice} is already paid in Odoo")]
    assert len(payments(world)) == 1


def test_a_transaction_listed_twice_is_booked_once(world):
    invoice = world.invoice(100.0)
    twice = line("po_1", "txn_a", "charge", "100.00", "3.20", invoice_id=invoice)
    outcome = book_settlements(world.client, *tables([payout("po_1", "96.80"), payout("po_1", "96.80")],
                                                     [twice, dict(twice)]), BookingSettings())
    assert outcome.counts["booked"] == 3 and outcome.counts["failed"] == 0
    assert len(statement_lines(world)) == 1 and len(payments(world)) == 1


def test_a_missing_fee_account_fails_the_fee_entry_only(world):
    invoice = world.invoice(100.0)
    lines = [line("po_1", "txn_a", "charge", "100.00", "3.20", invoice_id=invoice)]
    outcome = book_settlements(world.client, *tables([payout("po_1", "96.80")], lines),
                               BookingSettings(fee_account_code="999999"))
    assert [(b.booking, b.status, b.reason) for b in outcome.lines if b.status != "booked"] == [
        ("fee_entry", "failed", "account 999999 not found in Odoo")]
    assert len(statement_lines(world)) == 1 and len(payments(world)) == 1 and fee_entries(world) == []


def test_a_line_whose_payout_is_not_in_the_run_is_not_booked(world):
    invoice = world.invoice(100.0)
    lines = [line("po_7", "txn_a", "charge", "100.00", "3.20", invoice_id=invoice)]
    outcome = book_settlements(world.client, *tables([], lines), BookingSettings())
    assert [(b.status, b.reason) for b in outcome.lines] == [
        ("skipped", "its payout po_7 is not among this run's payouts")]
    assert payments(world) == [] and payment_state(world, invoice) == "not_paid"
