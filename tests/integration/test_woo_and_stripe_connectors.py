"""The WooCommerce and Stripe connectors against their sandboxes over HTTP."""

from __future__ import annotations

import pytest

from retail_sync.channels.errors import ChannelAuthError, ChannelRetryableError
from retail_sync.channels.stripe.connector import StripeConnector
from retail_sync.channels.woocommerce.connector import WooCommerceConnector
from retail_sync_sandbox.faults import FaultPlan
from tests.storefront_fixtures import FAST_RETRIES, STRIPE_KEY, WOO_KEY, WOO_SECRET, config


def woo_connector(server, secret: str = WOO_SECRET, page_size: int = 100) -> WooCommerceConnector:
    return WooCommerceConnector(config("woocommerce", "woo-uk", server.url, "woo_uk"), WOO_KEY, secret,
                                page_size=page_size, policy=FAST_RETRIES)


def test_woo_orders_page_to_the_end_with_refunds_and_guests(woo, small_world):
    server, _ = woo
    with woo_connector(server, page_size=9) as shop:
        pages = list(shop.orders())
    keys = [k for p in pages for k in p.tables["orders"].column("key").to_pylist()]
    orders = small_world.orders_of("woo-uk")
    assert sorted(keys) == sorted(f"woo-uk:order:{o['id']}" for o in orders)
    refunds = sum(p.tables["refunds"].num_rows for p in pages)
    assert refunds == sum(len(o["refunds"]) for o in orders)
    guests = {c for p in pages for c in p.tables["customers"].column("key").to_pylist()}
    assert guests and all(":guest:" in g for g in guests)
    assert len(guests) == len({o["email"].strip().lower() for o in orders if o["customer_id"] is None})


def test_woo_pull_resumes_from_the_page_after_a_failure(woo):
    server, sandbox = woo
    with woo_connector(server, page_size=10) as shop:
        delivered, cursor = [], None
        sandbox.faults.configure(FaultPlan(fail_calls={n: "502" for n in range(8, 60)}))
        with pytest.raises(ChannelRetryableError):
            for page in shop.orders():
                delivered.append(page)
                cursor = page.resume_after
        sandbox.faults.configure(FaultPlan())
        resumed = list(shop.orders(after=cursor))
    keys = [k for p in delivered + resumed for k in p.tables["orders"].column("key").to_pylist()]
    assert delivered and len(keys) == len(set(keys)) == sum(1 for _ in sandbox.store.scan("order"))


def test_woo_stock_is_written_in_batches_and_read_back(woo, small_world):
    server, _ = woo
    skus = [p["sku"] for p in small_world.catalog[:12]]
    with woo_connector(server) as shop:
        products = shop.products_by_sku(skus)
        assert shop.set_stock({sku: 40 + i for i, sku in enumerate(skus)}, products) == []
        levels = dict(zip(*shop.inventory_levels(skus).select(["sku", "available"]).to_pydict().values()))
    assert levels == {sku: 40 + i for i, sku in enumerate(skus)}


def test_woo_bad_secret_names_the_connection(woo):
    server, _ = woo
    with woo_connector(server, secret="cs_wrong") as shop, pytest.raises(ChannelAuthError, match="woo_uk"):
        next(shop.orders())


def stripe_connector(server, key: str = STRIPE_KEY) -> StripeConnector:
    return StripeConnector(config("stripe", "stripe", server.url, "stripe_default"), key, page_size=20,
                           policy=FAST_RETRIES)


def test_stripe_payouts_and_their_transactions_add_up_except_the_planted_ones(stripe_sandbox, small_world):
    server, sandbox = stripe_sandbox
    sandbox.faults.configure(FaultPlan(rate_429=0.1, seed=3))     # Stripe's rate limiter, now and then
    with stripe_connector(server) as stripe:
        payouts = [row for page in stripe.payouts() for row in page.records.to_pylist()]
        mismatched = set()
        for payout in payouts:
            rows = stripe.balance_transactions(payout["source_id"]).to_pylist()
            if sum(r["net_minor"] for r in rows if r["type"] != "payout") != payout["amount_minor"]:
                mismatched.add(payout["source_id"])
    assert len(payouts) == len(small_world.stripe["payouts"])
    assert mismatched == set(small_world.truth["bad_payouts"])
    assert stripe.http.counters.retries > 0


def test_stripe_transactions_name_their_orders_or_say_they_have_none(stripe_sandbox, small_world):
    server, _ = stripe_sandbox
    orphan = small_world.truth["charges_without_order"][0]
    charge_txn = next(bt for bt in small_world.stripe["balance_transactions"] if bt["source"] == orphan)
    with stripe_connector(server) as stripe:
        rows = stripe.balance_transactions(charge_txn["payout"]).to_pylist()
    by_source = {r["source"]: r for r in rows}
    assert by_source[orphan]["order_reference"] is None
    orphans = set(small_world.truth["charges_without_order"])
    referenced = [r for r in rows if r["type"] == "charge" and r["source"] not in orphans]
    assert referenced and all(r["order_reference"] and r["order_reference"].split(":")[1] == "order"
                              for r in referenced)


def test_stripe_refund_is_idempotent_across_retries(stripe_sandbox, small_world):
    server, sandbox = stripe_sandbox
    charge = next(c for c in small_world.stripe["charges"] if not c["refunded"])
    sandbox.faults.configure(FaultPlan(fail_calls={1: "503"}))
    with stripe_connector(server) as stripe:
        first = stripe.refund(charge["id"], 100, "order-7-refund-1")
        second = stripe.refund(charge["id"], 100, "order-7-refund-1")
    assert first["id"] == second["id"]
    assert sandbox.store.get("charge", charge["id"])["amount_refunded"] == charge["amount_refunded"] + 100


def test_stripe_bad_key_fails_fast(stripe_sandbox):
    server, _ = stripe_sandbox
    with stripe_connector(server, key="sk_test_bad") as stripe, pytest.raises(ChannelAuthError, match="stripe_default"):
        next(stripe.payouts())
    assert stripe.http.counters.retries == 0
