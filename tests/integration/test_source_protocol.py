"""Every connector speaks the one source protocol, against its sandbox over HTTP: the same `since`
and `after` on every stream, pages that carry their resume position and highest replication value,
and clear refusals of what a stream cannot do."""

from __future__ import annotations

from itertools import islice

import pyarrow.compute as pc
import pytest

from retail_sync.channels.shopify.connector import ShopifyConnector, ShopifySizes
from retail_sync.channels.source import FullPassOnly, Source
from retail_sync.channels.stripe.connector import StripeConnector
from retail_sync.channels.timestamps import iso_z, parse_iso
from retail_sync.channels.woocommerce.connector import WooCommerceConnector
from tests.storefront_fixtures import FAST_RETRIES, SHOPIFY_TOKEN, STRIPE_KEY, WOO_KEY, WOO_SECRET, config


def shopify_source(server, **kwargs) -> ShopifyConnector:
    return ShopifyConnector(config("shopify", "shopify-eu", server.url, "shopify_eu"), SHOPIFY_TOKEN,
                            policy=FAST_RETRIES, **kwargs)


def woo_source(server, **kwargs) -> WooCommerceConnector:
    return WooCommerceConnector(config("woocommerce", "woo-uk", server.url, "woo_uk"), WOO_KEY, WOO_SECRET,
                                policy=FAST_RETRIES, **kwargs)


def stripe_source(server, **kwargs) -> StripeConnector:
    return StripeConnector(config("stripe", "stripe", server.url, "stripe_default"), STRIPE_KEY,
                           policy=FAST_RETRIES, **kwargs)


def keys(pages) -> list[str]:
    return [k for p in pages for k in p.records.column("key").to_pylist()]


def resumed_pull(source: Source, stream: str, stop_after: int, **kwargs) -> tuple[list, list]:
    """Pull `stop_after` pages, drop the connection to the stream, then resume from the last page's position."""
    first = []
    for page in source.pages(stream, **kwargs):
        first.append(page)
        if len(first) == stop_after:
            break
    assert first[-1].resume_after, "the stream ended before the cut: the test needs more pages"
    return first, list(source.pages(stream, after=first[-1].resume_after, **kwargs))


def test_every_connector_is_a_source_with_declared_streams(shopify, woo, stripe_sandbox):
    with shopify_source(shopify[0]) as a, woo_source(woo[0]) as b, stripe_source(stripe_sandbox[0]) as c:
        for source in (a, b, c):
            assert isinstance(source, Source)
            for name, stream in source.streams.items():
                assert stream.name == name and callable(getattr(source, name))
        assert set(a.streams) == {"orders", "customers"} and set(c.streams) == {"payouts"}


@pytest.mark.parametrize("stream", ["orders", "customers"])
def test_shopify_streams_resume_without_loss_or_doubles(shopify, small_world, stream):
    server, sandbox = shopify
    with shopify_source(server, sizes=ShopifySizes(orders=7, customers=7)) as shop:
        first, rest = resumed_pull(shop, stream, 2)
    got = keys(first) + keys(rest)
    stored = {f"shopify-eu:{stream[:-1]}:{doc['id'].rsplit('/', 1)[1]}" for doc in sandbox.store.scan(stream[:-1])}
    assert len(got) == len(set(got)) and set(got) == stored


def test_woo_orders_and_stripe_payouts_resume_without_loss_or_doubles(woo, stripe_sandbox, small_world):
    with woo_source(woo[0], page_size=9) as shop:
        first, rest = resumed_pull(shop, "orders", 2)
    got = keys(first) + keys(rest)
    assert sorted(got) == sorted(f"woo-uk:order:{o['id']}" for o in small_world.orders_of("woo-uk"))
    with stripe_source(stripe_sandbox[0], page_size=3) as stripe:
        first, rest = resumed_pull(stripe, "payouts", 2)
    got = keys(first) + keys(rest)
    assert sorted(got) == sorted(f"stripe:payout:{p['id']}" for p in small_world.stripe["payouts"])


def test_each_page_carries_the_highest_replication_value_it_holds(shopify, woo, stripe_sandbox):
    with shopify_source(shopify[0], page_size=7) as a, woo_source(woo[0], page_size=9) as b, \
            stripe_source(stripe_sandbox[0], page_size=4) as c:
        pages = [p for source, stream in ((a, "orders"), (b, "orders"), (c, "payouts"))
                 for p in islice(source.pages(stream), 3)]
    assert len(pages) == 9
    for page in pages:
        column = page.records.column(page.stream.replication_column)
        assert page.max_replication_value == iso_z(pc.max(column).as_py())


def test_shopify_since_is_inclusive(shopify, small_world):
    values = sorted(iso_z(parse_iso(o["updated_at"])) for o in small_world.orders_of("shopify-eu"))
    middle = values[len(values) * 3 // 4]
    with shopify_source(shopify[0]) as shop:
        got = sorted(v for p in shop.pages("orders", since=parse_iso(middle)) for _, v in p.replication_values())
    assert got == [v for v in values if v >= middle] and got[0] == middle


def test_stripe_since_is_inclusive(stripe_sandbox):
    with stripe_source(stripe_sandbox[0]) as stripe:
        values = sorted(v for p in stripe.pages("payouts") for _, v in p.replication_values())
        middle = values[len(values) // 2]
        got = sorted(v for p in stripe.pages("payouts", since=parse_iso(middle)) for _, v in p.replication_values())
    assert got == [v for v in values if v >= middle] and got[0] == middle


def test_woo_since_is_inclusive_although_modified_after_is_not(woo):
    with woo_source(woo[0]) as shop:
        values = sorted(v for p in shop.pages("orders") for _, v in p.replication_values())
        middle = values[len(values) // 2]
        got = sorted(v for p in shop.pages("orders", since=parse_iso(middle)) for _, v in p.replication_values())
    assert got == [v for v in values if v >= middle] and got[0] == middle


def test_what_a_stream_cannot_do_is_refused_before_any_request(woo):
    server, sandbox = woo
    sandbox.stats.reset()
    with woo_source(server) as shop:
        with pytest.raises(FullPassOnly, match="customers"):
            shop.pages("customers", since=parse_iso("2026-10-01T00:00:00Z"))
        with pytest.raises(FullPassOnly):
            shop.customers(since=parse_iso("2026-10-01T00:00:00Z"))
        with pytest.raises(ValueError, match="no stream 'payouts'"):
            shop.pages("payouts")
        with pytest.raises(ValueError, match="resume position"):
            next(shop.pages("orders", after="not-a-page"))
        assert shop.http.counters.calls == 0
        full = keys(shop.pages("customers"))            # read whole, it works
    assert full and len(full) == len(set(full))
