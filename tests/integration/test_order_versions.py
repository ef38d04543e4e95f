"""Order versions in the state store (SQLite and PostgreSQL): the same content again is skipped, an older
version than the one held is ignored, a newer one replaces it whatever order two writers finish in."""

from __future__ import annotations

import dataclasses
import threading

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import sqlalchemy as sa

from retail_sync.flows.orders.versions import CHANGED, NEW, STALE, UNCHANGED, order_digests, sort_out
from retail_sync.state.store import OrderVersion, StateStore
from retail_sync_sandbox.datagen.world import Mess, build_world
from tests.order_pages import woo_page


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return StateStore(f"sqlite:///{tmp_path}/state.sqlite")
    return StateStore(request.getfixturevalue("postgres_server")("versions"))


def handled(page, store, outcome="loaded"):
    """What a flow does once each order of a page has an outcome: record the versions."""
    verdict = sort_out(page, store.order_versions(page["orders"].column("key").to_pylist()))
    store.record_order_versions([OrderVersion(v.key, v.digest, v.source_updated_at, outcome)
                                 for k, v in verdict.versions.items() if verdict.verdicts[k] != STALE])
    return verdict


def test_versions_round_trip_and_never_go_back(store):
    assert store.order_versions(["woo-uk:order:1"]) == {}
    store.record_order_versions([OrderVersion("woo-uk:order:1", "d2", "2026-10-02T10:00:00Z", "loaded")], "run-2")
    store.record_order_versions([OrderVersion("woo-uk:order:1", "d1", "2026-10-01T10:00:00Z", "loaded")], "run-1")
    assert store.order_versions(["woo-uk:order:1"]) == {
        "woo-uk:order:1": OrderVersion("woo-uk:order:1", "d2", "2026-10-02T10:00:00Z", "loaded")}
    store.record_order_versions([OrderVersion("woo-uk:order:1", "d3", "2026-10-03T10:00:00Z", "quarantined")])
    assert store.order_versions(["woo-uk:order:1"])["woo-uk:order:1"].digest == "d3"


def test_many_keys_are_read_in_chunks(store):
    versions = [OrderVersion(f"woo-uk:order:{i}", f"d{i}", "2026-10-01T00:00:00Z", "loaded") for i in range(1200)]
    assert store.record_order_versions(versions) == 1200
    assert store.order_versions(v.key for v in versions) == {v.key: v for v in versions}


def test_two_writers_of_one_order_leave_the_newest(store):
    key = "shopify-eu:order:9"
    stamps = [f"2026-10-01T10:00:{s:02d}Z" for s in range(20)]
    barrier = threading.Barrier(len(stamps))

    def write(stamp):
        barrier.wait()
        StateStore(store.url).record_order_versions([OrderVersion(key, f"d-{stamp}", stamp, "loaded")])

    threads = [threading.Thread(target=write, args=(s,)) for s in reversed(stamps)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.order_versions([key])[key].source_updated_at == stamps[-1]
    with store.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM rs_order_versions")) == 1


def test_same_order_delivered_twice_is_skipped(store, small_world):
    orders = small_world.orders_of("woo-uk")[:5]
    first = handled(woo_page(orders), store)
    assert set(first.verdicts.values()) == {NEW} and len(first.to_load) == 5
    again = sort_out(woo_page(orders), store.order_versions(first.verdicts))
    assert set(again.verdicts.values()) == {UNCHANGED} and again.to_load == []


def test_an_update_older_than_the_version_held_is_ignored(store, small_world):
    # An order with a story (payment, refund, shipment): its creation-time version arrives last.
    order = next(o for o in small_world.orders_of("woo-uk") if o["refunds"])
    old, new = woo_page([order], at=order["created_at"]), woo_page([order])
    assert order_digests(old) != order_digests(new)
    assert handled(new, store).to_load == [f"woo-uk:order:{order['id']}"]
    late = handled(old, store)
    assert late.verdicts == {f"woo-uk:order:{order['id']}": STALE} and late.to_load == []
    held = store.order_versions([f"woo-uk:order:{order['id']}"])[f"woo-uk:order:{order['id']}"]
    assert held.digest == order_digests(new)[f"woo-uk:order:{order['id']}"]


def test_a_newer_version_is_changed_and_replaces_the_held_one(store, small_world):
    order = next(o for o in small_world.orders_of("woo-uk") if o["refunds"])
    key = f"woo-uk:order:{order['id']}"
    handled(woo_page([order], at=order["created_at"]), store)
    assert handled(woo_page([order]), store).verdicts == {key: CHANGED}
    assert sort_out(woo_page([order]), store.order_versions([key])).verdicts == {key: UNCHANGED}


def test_a_touched_updated_at_with_the_same_content_is_unchanged(store, small_world):
    page = woo_page(small_world.orders_of("woo-uk")[:1])
    handled(page, store)
    orders = page["orders"]
    later = pc.add(orders.column("updated_at"), pa.scalar(3600 * 10**0, pa.duration("s")))
    touched = dict(page, orders=orders.set_column(orders.schema.get_field_index("updated_at"),
                                                  orders.schema.field("updated_at"), later))
    assert set(sort_out(touched, store.order_versions(orders.column("key").to_pylist())).verdicts.values()) == {
        UNCHANGED}


def test_a_page_with_one_order_twice_is_refused(small_world):
    order = small_world.orders_of("woo-uk")[0]
    with pytest.raises(ValueError, match="each order once"):
        sort_out(woo_page([order, order]), {})


def test_the_worlds_webhook_deliveries_duplicates_and_overtakes_included(store):
    """Each delivery of the demo world's WooCommerce store, in the order they reach us, handled as a page."""
    world = build_world(seed=3, scale=0.05, mess=dataclasses.replace(Mess.none(), duplicate_delivery=0.3,
                                                                     out_of_order_updates=0.5))
    deliveries = [d for d in world.deliveries if d["store"] == "woo-uk"]
    assert any(k.startswith("woo-uk:") for k in world.truth["duplicate_deliveries"])
    assert any(k.startswith("woo-uk:") for k in world.truth["out_of_order_deliveries"])
    orders = {o["id"]: o for o in world.orders_of("woo-uk")}
    newest: dict[int, str] = {}
    counts = {NEW: 0, CHANGED: 0, UNCHANGED: 0, STALE: 0}
    for delivery in deliveries:
        key, held = f"woo-uk:order:{delivery['id']}", newest.get(delivery["id"])
        [verdict] = handled(woo_page([orders[delivery["id"]]], at=delivery["at"]), store).verdicts.values()
        counts[verdict] += 1
        if held is None:
            assert verdict == NEW, delivery
        elif delivery["at"] < held:
            assert verdict == STALE, delivery                             # overtaken by a newer version
        elif delivery["at"] == held:
            assert verdict == UNCHANGED, delivery                         # the same delivery twice
        else:
            assert verdict in (CHANGED, UNCHANGED), delivery
        newest[delivery["id"]] = max(held or delivery["at"], delivery["at"])
    assert counts[STALE] and counts[UNCHANGED] and counts[CHANGED]
    for order_id, at in newest.items():                                   # the newest version delivered is held
        key = f"woo-uk:order:{order_id}"
        assert store.order_versions([key])[key].digest == order_digests(woo_page([orders[order_id]], at=at))[key]
