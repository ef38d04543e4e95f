"""Pages from the Shopify connector (over HTTP, from the Shopify sandbox) → Odoo, one page at a time as the
order pull loads them: every order ends loaded, quarantined (the demo world's bad orders) or dead-lettered,
paid ones invoiced and paid, refunds credited, in EUR with the 21% tax."""

from __future__ import annotations

import itertools
from decimal import Decimal

from retail_sync.channels.shopify.connector import ShopifyConnector
from tests.integration.sale_order_fixtures import start_order_world
from tests.storefront_fixtures import FAST_RETRIES, SHOPIFY_TOKEN, config

PAGES = 5          # the first five pages hold a refund, bad orders, unpaid ones and a cancellation


def test_shopify_pages_end_in_one_outcome_each(shopify, small_world, tmp_path):
    server, _ = shopify
    with ShopifyConnector(config("shopify", "shopify-eu", server.url, "shopify_eu"), SHOPIFY_TOKEN,
                          policy=FAST_RETRIES) as shop:
        pages = [page.tables for page in itertools.islice(shop.pages("orders"), PAGES)]
    world = start_order_world(tmp_path, small_world.catalog)
    try:
        outcomes, orders, refunds = {}, {}, []
        for number, tables in enumerate(pages):
            outcome = world.load(tables, f"run-{number}")
            outcomes.update(outcome.outcomes)
            orders.update((o["key"], o) for o in tables["orders"].to_pylist())
            refunds += tables["refunds"].to_pylist()
        assert set(outcomes) == set(orders)
        assert refunds and any(o["cancelled_at"] for o in orders.values())
        assert {"paid", "authorized"} <= {o["financial_status"] for o in orders.values()}
        bad = {k for k in small_world.truth["bad_orders"] if k in orders}
        assert bad
        assert {k for k, v in outcomes.items() if v == "quarantined"} == bad
        loaded = {k for k, v in outcomes.items() if v == "loaded"}
        assert loaded == set(orders) - bad, {k: v for k, v in outcomes.items() if v == "dead_lettered"}
        sales = {s["client_order_ref"]: s for s in world.sale_orders()}
        for order_key in loaded:
            order = orders[order_key]
            sale = sales[order["name"]]
            assert (sale["origin"], sale["currency_id"][1]) == ("shopify-eu", "EUR")
            assert Decimal(str(sale["amount_total"])) == order["total"]
            paid = order["financial_status"] in ("paid", "partially_refunded", "refunded")
            assert sale["state"] == ("cancel" if order["cancelled_at"] else "sale" if paid else "draft")
        credited = sorted(Decimal(str(m["amount_total"])) for m in world.moves("out_refund"))
        assert credited == sorted(r["amount"] for r in refunds if outcomes[r["order_key"]] == "loaded")
    finally:
        world.world.server.stop()
