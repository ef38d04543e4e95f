"""The settlement flow against the Stripe and Odoo sandboxes over HTTP: every mess knob of the demo world
and every planted Odoo discrepancy classified as what it is, and nothing else out of place."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from retail_sync_sandbox.odoo.settled_sales import Sale

from .settlement_flow_fixtures import lines, payouts, start_settlement_world


def _plant(sales: list[Sale]) -> None:
    """One payment for a different amount, one in another currency (both on charges settled in the world)."""
    paid = [s for s in sales if s.charge_id and not s.refunds]
    paid[3].paid += Decimal("1.00")
    paid[5].payment_currency = "CHF"


GHOST = Sale("shopify-eu", "#GHOST", "EUR", Decimal("12.50"), "ch_never_settled", Decimal("12.50"), "2026-10-01")


@pytest.fixture
def settled(tmp_path, stripe_sandbox, small_world):
    server, _ = stripe_sandbox
    world = start_settlement_world(tmp_path, small_world, server.url, [GHOST], plant=_plant)
    yield world
    world.server.stop()


def test_every_line_is_classified_as_the_world_says(settled, small_world):
    outcome = settled.reconcile()
    got = {line["transaction_id"] or f"payment:{line['payment_id']}": line for line in lines(outcome)}
    truth = small_world.truth
    stripe = small_world.stripe
    bt_of_source = {bt["source"]: bt for bt in stripe["balance_transactions"]}
    bad_payouts = set(truth["bad_payouts"])

    # Every payout of the world once, the ones whose transactions do not add up invalid, with the sums shown.
    listed = payouts(outcome)
    assert sorted(p["payout_id"] for p in listed) == sorted(p["id"] for p in stripe["payouts"])
    assert {p["payout_id"] for p in listed if not p["valid"]} == bad_payouts
    assert all("sums to the payout amount" in p["reason"] for p in listed if not p["valid"])
    assert {line["payout_id"] for line in got.values() if line["status"] == "invalid_payout"} == bad_payouts

    def status_of(source: str) -> str:
        return got[bt_of_source[source]["id"]]["status"]

    def expected(source: str, otherwise: str) -> str:
        return "invalid_payout" if bt_of_source[source]["payout"] in bad_payouts else otherwise

    for charge in truth["charges_without_order"]:
        assert status_of(charge) == expected(charge, "missing_in_odoo")
    for refund in truth["refunds_for_unknown_orders"]:
        assert status_of(refund) == expected(refund, "missing_in_odoo")
    quarantined = {key for key in truth["bad_orders"]}
    for charge in stripe["charges"]:
        meta = charge["metadata"]
        if meta and f"{meta['channel']}:order:{meta['order_id']}" in quarantined:
            assert status_of(charge["id"]) == expected(charge["id"], "missing_in_odoo")

    mismatched = [line for line in got.values() if line["status"] in ("amount_mismatch", "currency_mismatch")]
    assert sorted(line["status"] for line in mismatched) == ["amount_mismatch", "currency_mismatch"]
    amount = next(line for line in mismatched if line["status"] == "amount_mismatch")
    assert "Odoo payment" in amount["reason"] and amount["payment_id"] and amount["invoice_id"]
    assert "in CHF" in next(line["reason"] for line in mismatched if line["status"] == "currency_mismatch")

    [ghost] = [line for line in got.values() if line["status"] == "missing_at_provider"]
    assert ghost["payment_id"] == settled.made["ch_never_settled"]["payment_id"]
    assert ghost["gross"] == Decimal("12.50") and "no settlement after 7 days" in ghost["reason"]

    # The rest of the world's charges, refunds and disputes in valid payouts found their order, invoice or
    # credit note, and payment.
    explained = {*truth["charges_without_order"], *truth["refunds_for_unknown_orders"]}
    matched = [line for line in got.values() if line["status"] == "matched" and line["type"] in ("charge", "refund")]
    assert matched and all(line["sale_order_id"] and line["payment_id"] for line in matched)
    assert all(line["invoice_id"] for line in matched if line["type"] == "charge")
    assert all(line["credit_note_id"] for line in matched if line["type"] == "refund")
    disputes = [line for line in got.values() if line["type"] == "dispute" and line["status"] == "matched"]
    assert all(line["invoice_id"] for line in disputes)
    # Exactly the lines whose order never reached Odoo (no reference, quarantined, never there) are missing.
    disputed = {d["id"]: d["charge"] for d in stripe["disputes"]}
    source_of = {bt["id"]: bt["source"] for bt in stripe["balance_transactions"]}
    for line in got.values():
        if line["type"] not in ("charge", "refund", "dispute") or line["status"] in (
                "invalid_payout", "missing_at_provider"):
            continue
        source = source_of[line["transaction_id"]]
        in_odoo = disputed.get(source, source) in settled.made
        assert (line["status"] == "missing_in_odoo") == (not in_odoo), line
    assert explained <= {bt["source"] for bt in stripe["balance_transactions"]}
    assert outcome.statuses["matched"] == sum(1 for line in got.values() if line["status"] == "matched")


def test_a_payment_settled_in_an_earlier_run_is_not_missing_later(settled):
    """A one-day window checks the payments due by then (dated 7 days before). Those were settled by payouts
    outside the window: before any run saw those payouts they are reported missing at the provider; once a
    run has seen them, none is."""
    day = date(2026, 10, 5)
    before = [line for line in lines(settled.reconcile(day, day, run_id="first-ever"))
              if line["status"] == "missing_at_provider"]
    assert before and all("no settlement after 7 days" in line["reason"] for line in before)
    settled.reconcile(run_id="whole-world")
    after = [line for line in lines(settled.reconcile(day, day, run_id="again"))
             if line["status"] == "missing_at_provider"]
    assert after == []
