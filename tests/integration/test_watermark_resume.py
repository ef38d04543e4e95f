"""A pull that fails half-way, then runs again: the watermark (on a real SQLite state store) has
moved only past records with an outcome, and the second run, reading from it with the overlap, ends
with every order settled once: nothing lost, nothing loaded twice. Against the Shopify sandbox (pages
in update order) and the WooCommerce sandbox (pages by id) over HTTP."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import timedelta

import pytest

from retail_sync.channels.errors import ChannelRetryableError
from retail_sync.channels.shopify.connector import ShopifyConnector
from retail_sync.channels.source import Page, Source
from retail_sync.channels.timestamps import iso_z, parse_iso
from retail_sync.channels.woocommerce.connector import WooCommerceConnector
from retail_sync.flows.watermark import Outcome, PullProgress, Watermark
from retail_sync.state.store import LedgerEntry, StateStore
from retail_sync_sandbox.faults import FaultPlan
from tests.storefront_fixtures import FAST_RETRIES, SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, config


class OrderSink:
    """The load step of an order flow, reduced to what the watermark depends on: outcomes per record.

    Orders of a voided sale are quarantined, a few named ones dead-lettered, the rest loaded through
    the sync ledger (an unchanged order is skipped). `loads` counts writes: the doubling detector.
    """

    def __init__(self, store: StateStore, dead: set[str]):
        self.store, self.dead = store, dead
        self.loads: Counter[str] = Counter()
        self.outcomes: dict[str, Outcome] = {}

    def settle(self, progress: PullProgress, page: Page, only: slice = slice(None)) -> None:
        rows = page.records.to_pylist()[only]
        ledger = self.store.ledger(r["key"] for r in rows)
        for row in rows:
            digest = hashlib.sha256(f"{row['key']}|{row['updated_at']}".encode()).hexdigest()
            if row["key"] in self.dead:
                self.store.dead_letter("orders", row["key"], {"name": row["name"]}, "planted", "load")
                outcome = Outcome.DEAD_LETTERED
            elif row["financial_status"] == "voided":
                outcome = Outcome.QUARANTINED
            elif row["key"] in ledger and ledger[row["key"]].digest == digest:
                outcome = Outcome.SKIPPED
            else:
                self.store.record_loaded([LedgerEntry(row["key"], "sale.order", 1, digest)])
                self.loads[row["key"]] += 1
                outcome = Outcome.LOADED
            progress.settle([row["key"]], outcome)
            self.outcomes[row["key"]] = outcome


def run(source: Source, mark: Watermark, sink: OrderSink, crash_on_page: int | None = None) -> PullProgress:
    """One run of the order pull. With `crash_on_page`, the worker dies while settling that page (half
    of it gets an outcome); a fault in the source ends the pull the same way."""
    progress = PullProgress(source.streams["orders"])
    try:
        for number, page in enumerate(source.pages("orders", since=mark.since()), start=1):
            progress.pulled(page)
            if number == crash_on_page:
                # The later half of the page is settled, the earlier half is not: the hardest case.
                sink.settle(progress, page, slice(page.record_count // 2, None))
                raise RuntimeError("worker died")
            sink.settle(progress, page)
        progress.finish()
    except (RuntimeError, ChannelRetryableError):
        pass
    finally:
        mark.advance(progress)
    return progress


def newest(orders: list[dict]) -> str:
    return iso_z(max(parse_iso(o["updated_at"]) for o in orders))


def check_nothing_lost_nothing_doubled(sink: OrderSink, orders: list[dict], channel: str) -> None:
    expected = {f"{channel}:order:{o['id']}" for o in orders}
    assert set(sink.outcomes) == expected                         # every order has an outcome
    loaded = {k for k, o in sink.outcomes.items() if o in (Outcome.LOADED, Outcome.SKIPPED)}
    assert set(sink.loads) == loaded and set(sink.loads.values()) == {1}   # each loaded exactly once
    assert set(sink.store.ledger(expected)) == loaded
    assert {d.key for d in sink.store.dead_letters("orders")} == sink.dead
    assert {k for k, o in sink.outcomes.items() if o is Outcome.QUARANTINED}


@pytest.fixture
def store(tmp_path):
    return StateStore(f"sqlite:///{tmp_path}/state.sqlite")


def test_shopify_pull_resumes_after_a_crash_half_way_through_a_page(shopify, small_world, store):
    server, _ = shopify
    orders = small_world.orders_of("shopify-eu")
    mark = Watermark(store, "orders", "shopify-eu", overlap=timedelta(minutes=10))
    sink = OrderSink(store, dead={f"shopify-eu:order:{orders[3]['id']}"})
    with ShopifyConnector(config("shopify", "shopify-eu", server.url, "shopify_eu"), SHOPIFY_TOKEN,
                          page_size=10, policy=FAST_RETRIES) as shop:
        first = run(shop, mark, sink, crash_on_page=3)
        stuck = first.pending()
        assert stuck and mark.value() is not None
        # The watermark stopped below every record that had no outcome.
        assert all(mark.value() < value for key in stuck for value in first.records[key])
        second = run(shop, mark, sink)
    assert second.complete and not second.pending()
    assert Outcome.SKIPPED in {sink.outcomes[k] for k in second.records}    # the overlap re-read, for free
    check_nothing_lost_nothing_doubled(sink, orders, "shopify-eu")
    assert mark.value() == newest(orders)


def test_shopify_pull_cut_by_the_source_keeps_what_its_delivered_pages_prove(shopify, small_world, store):
    server, sandbox = shopify
    orders = small_world.orders_of("shopify-eu")
    mark = Watermark(store, "orders", "shopify-eu")
    sink = OrderSink(store, dead=set())
    with ShopifyConnector(config("shopify", "shopify-eu", server.url, "shopify_eu"), SHOPIFY_TOKEN,
                          page_size=10, policy=FAST_RETRIES) as shop:
        sandbox.faults.configure(FaultPlan(fail_calls={n: "503" for n in range(3, 60)}))
        first = run(shop, mark, sink)
        assert not first.complete and not first.pending()
        assert mark.value() is not None and mark.value() < first.seen_up_to
        sandbox.faults.configure(FaultPlan())
        run(shop, mark, sink)
    check_nothing_lost_nothing_doubled(sink, orders, "shopify-eu")
    assert mark.value() == newest(orders)


def test_woocommerce_pull_by_id_holds_the_watermark_until_it_completes(woo, small_world, store):
    server, sandbox = woo
    orders = small_world.orders_of("woo-uk")
    mark = Watermark(store, "orders", "woo-uk", overlap=timedelta(0))
    sink = OrderSink(store, dead={f"woo-uk:order:{orders[-1]['id']}"})
    with WooCommerceConnector(config("woocommerce", "woo-uk", server.url, "woo_uk"), WOO_KEY, WOO_SECRET,
                              page_size=10, policy=FAST_RETRIES) as shop:
        sandbox.faults.configure(FaultPlan(fail_calls={n: "502" for n in range(8, 60)}))
        first = run(shop, mark, sink)
        assert first.records and not first.complete
        assert mark.value() is None                 # pages by id prove nothing about what is unread
        sandbox.faults.configure(FaultPlan())
        run(shop, mark, sink)
        check_nothing_lost_nothing_doubled(sink, orders, "woo-uk")
        assert mark.value() == newest(orders)
        # `since` is inclusive on every source (WooCommerce's own filter is not): with no overlap the
        # next read still returns the newest order itself, so an order stamped in that same second is safe.
        again = [k for p in shop.pages("orders", since=mark.since()) for k, _ in p.replication_values()]
    assert {f"woo-uk:order:{o['id']}" for o in orders if iso_z(parse_iso(o["updated_at"])) == mark.value()} <= set(again)
