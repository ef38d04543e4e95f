"""An order page before Odoo: each order ends to-load, quarantined, unchanged or stale — the same page
twice costs nothing and re-alerts nothing, a late older version is ignored, a fixed order comes back."""

from __future__ import annotations

import pytest

from retail_sync.flows.orders.intake import settle, take_in
from retail_sync.flows.orders.validate import OrderValidator
from retail_sync.state.store import StateStore
from tests.integration.sale_order_fixtures import woo_order_key
from tests.order_pages import woo_page

FLOW = "order_pull"


@pytest.fixture(scope="module")
def validator(small_world):
    return OrderValidator({p["sku"] for p in small_world.catalog})


@pytest.fixture
def store(tmp_path):
    return StateStore(f"sqlite:///{tmp_path}/state.sqlite")


def test_each_order_ends_in_one_place_and_the_same_page_again_costs_nothing(small_world, validator, store):
    orders = small_world.orders_of("woo-uk")
    bad = {k for k in small_world.truth["bad_orders"] if k.startswith("woo-uk:")}
    page = woo_page(orders)
    first = take_in(page, store, validator, FLOW, "run-1")
    assert {q.key for q in first.quarantined} == bad
    assert set(first.load_keys) == {woo_order_key(o) for o in orders} - bad and not first.unchanged and not first.stale
    assert {d.key for d in store.dead_letters(FLOW)} == bad
    settle(store, first, dict.fromkeys(first.load_keys, "loaded"), "run-1")

    again = take_in(woo_page(orders), store, validator, FLOW, "run-2")
    assert again.load_keys == [] and again.quarantined == [] and again.stale == []
    assert set(again.unchanged) == {woo_order_key(o) for o in orders}
    assert {d.attempts for d in store.dead_letters(FLOW)} == {1}             # not dead-lettered (alerted) again
    held = store.order_versions([woo_order_key(o) for o in orders])
    assert {held[k].outcome for k in bad} == {"quarantined"}
    assert {held[k].outcome for k in set(held) - bad} == {"loaded"}


def test_a_late_older_version_is_stale_and_a_fixed_order_comes_back(small_world, validator, store):
    story = next(o for o in small_world.orders_of("woo-uk") if o["refunds"] and woo_order_key(o) not in
                 small_world.truth["bad_orders"])
    intake = take_in(woo_page([story]), store, validator, FLOW, "run-1")
    settle(store, intake, {woo_order_key(story): "loaded"}, "run-1")
    late = take_in(woo_page([story], at=story["created_at"]), store, validator, FLOW, "run-2")
    assert late.stale == [woo_order_key(story)] and late.load_keys == []

    bad_key = next(k for k, v in small_world.truth["bad_orders"].items() if k.startswith("woo-uk:") and
                   v == "unknown_sku")
    bad = next(o for o in small_world.orders_of("woo-uk") if woo_order_key(o) == bad_key)
    assert [q.key for q in take_in(woo_page([bad]), store, validator, FLOW, "run-1").quarantined] == [bad_key]
    sku = small_world.catalog[0]["sku"]
    fixed = dict(bad, lines=[dict(bad["lines"][0], sku=sku), *bad["lines"][1:]], updated_at="2026-11-05T00:00:00Z")
    assert take_in(woo_page([fixed]), store, validator, FLOW, "run-2").load_keys == [bad_key]


def test_settle_refuses_an_outcome_it_does_not_know(small_world, validator, store):
    intake = take_in(woo_page(small_world.orders_of("woo-uk")[:1]), store, validator, FLOW, "run-1")
    with pytest.raises(ValueError, match="unknown outcomes"):
        settle(store, intake, dict.fromkeys(intake.load_keys, "done"), "run-1")

