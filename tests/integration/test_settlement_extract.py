"""Settlement extraction from the Stripe sandbox over HTTP: a payout the provider lists twice is taken
once; Stripe's rate limiter answering 429 in the middle of the pages costs a retry, not a payout; a payout
in a currency Odoo has not active is refused by validation."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from retail_sync.channels.stripe.connector import StripeConnector
from retail_sync.flows.settlement.extract import extract_window
from retail_sync.flows.settlement.stripe_provider import StripeSettlement
from retail_sync_sandbox.documents import Doc
from retail_sync_sandbox.faults import FaultPlan
from tests.storefront_fixtures import FAST_RETRIES, STRIPE_KEY, config

from .settlement_flow_fixtures import lines, payouts, start_settlement_world

START, END = datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)


def _extract(server):
    with StripeConnector(config("stripe", "stripe", server.url, "stripe_default"), STRIPE_KEY, page_size=20,
                         policy=FAST_RETRIES) as connector:
        return extract_window(StripeSettlement(connector), START, END), connector.http.counters.retries


def test_a_payout_listed_twice_is_taken_once(stripe_sandbox, small_world):
    server, sandbox = stripe_sandbox
    payout = small_world.stripe["payouts"][10]
    time_key, seq = sandbox.positions[payout["id"]]
    # The same payout answered again on the next position of the list (as a list shifting under a cursor does).
    sandbox.store.put(Doc("payout", payout["id"] + "-again", time_key, seq + 1, sandbox.store.get("payout", payout["id"])))
    extracted, _ = _extract(server)
    ids = extracted.payouts.column("payout_id").to_pylist()
    assert extracted.duplicate_payouts == 1
    assert sorted(ids) == sorted(p["id"] for p in small_world.stripe["payouts"])
    paid_out = [t for t in extracted.transactions.to_pylist() if t["payout_id"] == payout["id"]]
    assert len(paid_out) == len({t["transaction_id"] for t in paid_out}) == sum(
        1 for bt in small_world.stripe["balance_transactions"] if bt["payout"] == payout["id"])


def test_429_in_the_middle_of_the_pages_is_retried_and_loses_nothing(stripe_sandbox, small_world):
    server, sandbox = stripe_sandbox
    sandbox.faults.configure(FaultPlan(fail_calls={3: "429", 4: "429", 12: "429"}))
    extracted, retries = _extract(server)
    assert retries == 3
    assert sorted(extracted.payouts.column("payout_id").to_pylist()) == sorted(
        p["id"] for p in small_world.stripe["payouts"])
    assert extracted.transactions.num_rows == sum(1 for bt in small_world.stripe["balance_transactions"]
                                                  if bt["payout"])


def test_a_payout_in_a_currency_odoo_lacks_is_invalid_and_not_matched(tmp_path, stripe_sandbox, small_world):
    server, _ = stripe_sandbox
    world = start_settlement_world(tmp_path, small_world, server.url)
    try:
        with world.odoo.databases["odoo"].engine.begin() as conn:
            conn.execute(sa.text("UPDATE res_currency SET active = false WHERE name = 'GBP'"))
        outcome = world.reconcile()
    finally:
        world.server.stop()
    gbp = [p for p in payouts(outcome) if p["currency"] == "GBP"]
    assert gbp and all(not p["valid"] and "GBP is not an active currency in Odoo" in p["reason"] for p in gbp)
    assert all(line["status"] == "invalid_payout" for line in lines(outcome) if line["currency"] == "GBP")
    assert any(p["valid"] for p in payouts(outcome) if p["currency"] == "EUR")
