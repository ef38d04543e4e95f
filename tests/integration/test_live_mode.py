"""Live mode keeps orders arriving and changing, and the connector's incremental pull sees them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from retail_sync.channels.shopify.connector import ShopifyConnector
from retail_sync_sandbox.live import LiveOrders
from tests.storefront_fixtures import FAST_RETRIES, SHOPIFY_TOKEN, config


def test_live_orders_arrive_update_and_are_pulled_incrementally(shopify, small_world):
    server, sandbox = shopify
    since = datetime.now(UTC) - timedelta(seconds=2)
    live = LiveOrders(small_world, "shopify-eu", sandbox, rate_per_second=50, seed=1).start()
    deadline = time.monotonic() + 30                 # until it has both created and updated orders
    while {t for t, _ in list(live.events)} != {"orders/create", "orders/updated"} and time.monotonic() < deadline:
        time.sleep(0.05)
    live.stop()
    topics = {topic for topic, _ in live.events}
    assert topics == {"orders/create", "orders/updated"}
    created = {name for topic, name in live.events if topic == "orders/create"}
    with ShopifyConnector(config("shopify", "shopify-eu", server.url, "shopify_eu"), SHOPIFY_TOKEN,
                          policy=FAST_RETRIES) as shop:
        pulled = [r for p in shop.orders(since=since) for r in p.tables["orders"].to_pylist()]
    assert {r["name"] for r in pulled} == created
    assert {r["financial_status"] for r in pulled} - {"pending", "authorized"}
