"""The Shopify connector against the Shopify sandbox over HTTP: every order exactly once, paced by
the cost throttle, bulk backfill, resumption mid-pagination, auth, inventory and fulfilment writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from retail_sync.channels.errors import ChannelAuthError, ChannelRetryableError
from retail_sync.channels.shopify.connector import ShopifyConnector
from retail_sync_sandbox.faults import FaultPlan
from tests.storefront_fixtures import FAST_RETRIES, SHOPIFY_TOKEN, VirtualClock, config


def connector(server, token: str = SHOPIFY_TOKEN, **kwargs) -> ShopifyConnector:
    return ShopifyConnector(config("shopify", "shopify-eu", server.url, "shopify_eu"), token,
                            policy=FAST_RETRIES, **kwargs)


def keys(pages) -> list[str]:
    return [k for page in pages for k in page.tables["orders"].column("key").to_pylist()]


def test_pages_to_the_last_page_and_every_order_arrives_once(shopify, small_world):
    server, _ = shopify
    with connector(server, page_size=7) as shop:
        pages = list(shop.orders())
    got = keys(pages)
    expected = {f"shopify-eu:order:{o['id']}" for o in small_world.orders_of("shopify-eu")}
    assert len(got) == len(set(got)) == len(expected)
    assert set(got) == expected
    assert pages[-1].resume_after is None and all(p.resume_after for p in pages[:-1])
    lines = pa.concat_tables([p.tables["lines"] for p in pages])
    assert lines.num_rows == sum(len(o["lines"]) for o in small_world.orders_of("shopify-eu"))


def test_orders_carry_money_as_decimals_and_the_canonical_statuses(shopify, small_world):
    server, _ = shopify
    with connector(server) as shop:
        rows = [r for p in shop.orders() for r in p.tables["orders"].to_pylist()]
    by_key = {r["key"]: r for r in rows}
    for order in small_world.orders_of("shopify-eu"):
        row = by_key[f"shopify-eu:order:{order['id']}"]
        assert str(row["total"].normalize()) == str(type(row["total"])(order["total"]).normalize())
        assert row["currency"] == "EUR"
    assert {r["financial_status"] for r in rows} >= {"pending", "authorized", "paid", "partially_paid",
                                                     "partially_refunded", "refunded", "voided"}
    assert {r["fulfillment_status"] for r in rows} == {"unfulfilled", "partial", "fulfilled"}


def test_incremental_pull_returns_only_orders_updated_since(shopify, small_world):
    server, _ = shopify
    since = datetime(2026, 10, 15, tzinfo=UTC)
    with connector(server) as shop:
        got = set(keys(shop.orders(since=since)))
    expected = {f"shopify-eu:order:{o['id']}" for o in small_world.orders_of("shopify-eu")
                if o["updated_at"] >= "2026-10-15T00:00:00Z"}
    assert got == expected and got


def test_a_throttled_shop_is_paced_without_a_single_throttled_answer(shopify):
    server, sandbox = shopify
    sandbox.bucket.configure(1000, 2000)         # small bucket, fast refill: pacing must kick in
    clock = VirtualClock()
    sandbox.bucket.use_clock(clock.now)
    with connector(server, page_size=5, sleep=clock.sleep, clock=clock.now) as shop:
        count = len(keys(shop.orders()))
    counters = shop.graphql.counters
    assert count > 0
    assert counters.throttled == 0
    assert sandbox.stats.snapshot()["by_call"].get("throttled") is None
    assert counters.paced_seconds > 0                # it did wait for the bucket, instead of being refused


def test_throttled_and_429_answers_are_waited_out(shopify):
    server, sandbox = shopify
    sandbox.bucket.configure(1000, 5000)
    clock = VirtualClock()
    sandbox.bucket.use_clock(clock.now)
    sandbox.bucket.take(1000)                        # another app just drained the bucket
    sandbox.faults.configure(FaultPlan(fail_calls={2: "429"}, retry_after=0.01))
    with connector(server, page_size=5, sleep=clock.sleep, clock=clock.now) as shop:
        count = len(keys(shop.orders()))
    assert count == sum(1 for _ in sandbox.store.scan("order"))
    assert shop.graphql.counters.throttled >= 1
    assert shop.http.counters.retries >= 1


def test_bulk_operation_backfill_matches_the_paged_pull(shopify):
    server, _ = shopify
    with connector(server) as shop:
        paged = sorted(keys(shop.orders()))
        bulk_pages = list(shop.bulk_orders(poll_seconds=0.02))
    assert sorted(keys(bulk_pages)) == paged
    bulk_lines = sum(p.tables["lines"].num_rows for p in bulk_pages)
    assert bulk_lines == sum(1 for o in server_orders(shopify) for _ in o["lineItems"])


def server_orders(shopify):
    return list(shopify[1].store.scan("order"))


def test_a_pull_that_fails_mid_way_resumes_after_its_last_page(shopify):
    server, sandbox = shopify
    with connector(server, page_size=10) as shop:
        delivered, cursor = [], None
        sandbox.faults.configure(FaultPlan(fail_calls={n: "503" for n in range(3, 40)}))
        with pytest.raises(ChannelRetryableError):
            for page in shop.orders():
                delivered.append(page)
                cursor = page.resume_after
        assert delivered and cursor
        sandbox.faults.configure(FaultPlan())
        resumed = list(shop.orders(after=cursor))
    got = keys(delivered) + keys(resumed)
    assert len(got) == len(set(got)) == len(server_orders(shopify))


def test_a_wrong_token_fails_fast_naming_the_connection(shopify):
    server, sandbox = shopify
    with connector(server, token="shpat_wrong") as shop, pytest.raises(ChannelAuthError) as error:
        next(shop.orders())
    assert "shopify_eu" in str(error.value) and "shpat_wrong" not in str(error.value)
    assert shop.http.counters.retries == 0


def test_inventory_is_written_compare_and_set(shopify, small_world):
    server, _ = shopify
    sku = small_world.catalog[0]["sku"]
    with connector(server) as shop:
        location = shop.locations()[0]["id"]
        level = shop.inventory_levels([sku], location).to_pylist()[0]
        assert shop.set_available(location, [(level["inventory_item_id"], level["available"] + 3,
                                              level["available"])]) == []
        stale = shop.set_available(location, [(level["inventory_item_id"], 1, level["available"])])
        after = shop.inventory_levels([sku], location).to_pylist()[0]["available"]
    assert stale[0]["code"] == "CHANGE_FROM_QUANTITY_STALE"
    assert after == level["available"] + 3


def test_fulfilment_ships_what_remains_and_refuses_more(shopify, small_world):
    server, sandbox = shopify
    order = next(o for o in small_world.orders_of("shopify-eu") if o["story"] == "paid")
    order_id = f"gid://shopify/Order/{order['id']}"
    with connector(server) as shop:
        first = shop.fulfil(order_id, None, "DHL", "TRK1")
        again = shop.fulfil(order_id, None, "DHL", "TRK2")
    assert first["userErrors"] == [] and first["fulfillment"]["status"] == "SUCCESS"
    assert again["fulfillment"] is None
    stored = sandbox.store.get("order", order_id)
    assert stored["displayFulfillmentStatus"] == "FULFILLED"
