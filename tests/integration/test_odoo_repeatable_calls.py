"""The client sends a call twice only when that is harmless: a lost answer (5xx after Odoo committed) on
a `create` is an OdooOutcomeUnknown for the caller to settle by key; the binder does so."""

from __future__ import annotations

import pytest

from retail_sync.odoo.binder import MODULE, Binder, xmlid_name
from retail_sync.odoo.errors import OdooOutcomeUnknown
from retail_sync_sandbox.faults import FaultPlan


def categories_named(world, name: str) -> int:
    return world.client.call("product.category", "search_count", [["name", "=", name]])


def test_a_create_whose_answer_was_lost_is_not_sent_again(world):
    world.sandbox.faults.configure(FaultPlan(fail_calls={1: "503"}, after_commit=True))
    with pytest.raises(OdooOutcomeUnknown, match="may have run it"):
        world.client.call("product.category", "create", [{"name": "Once"}])
    assert categories_named(world, "Once") == 1


@pytest.mark.parametrize("kind", ["429", "serialization"])
def test_a_create_odoo_surely_did_not_run_is_retried(world, kind):
    world.sandbox.faults.configure(FaultPlan(fail_calls={1: kind}, retry_after=0.01))
    world.client.call("product.category", "create", [{"name": "Retried"}])
    assert categories_named(world, "Retried") == 1 and world.client.counters.retries == 1


def test_a_lost_answer_on_a_keyed_load_is_retried_as_an_upsert(world):
    world.sandbox.faults.configure(FaultPlan(fail_calls={1: "502"}, after_commit=True))
    result = world.client.call("product.category", "load", ["id", "name"], [["retail_sync.cat_once", "Upserted"]])
    assert result["ids"] and categories_named(world, "Upserted") == 1 and world.client.counters.retries == 1


def test_a_lost_answer_on_a_load_by_database_id_is_retried_as_an_update(world):
    category = world.client.call("product.category", "create", [{"name": "Before"}])[0]
    world.sandbox.faults.configure(FaultPlan(fail_calls={1: "502"}, after_commit=True))
    result = world.client.call("product.category", "load", [".id", "name"], [[str(category), "Updated"]])
    assert result["ids"] == [category] and world.client.counters.retries == 1
    assert categories_named(world, "Updated") == 1 and categories_named(world, "Before") == 0


def test_a_lost_answer_on_a_load_without_keys_is_not_sent_again(world):
    world.sandbox.faults.configure(FaultPlan(fail_calls={1: "503"}, after_commit=True))
    with pytest.raises(OdooOutcomeUnknown, match="may have run it"):
        world.client.call("product.category", "load", ["name"], [["Unkeyed"]])
    assert categories_named(world, "Unkeyed") == 1


def test_the_binder_recovers_from_a_lost_answer_and_from_a_concurrent_binder(world):
    ids = world.client.call("product.category", "create", [{"name": f"c{i}"} for i in range(3)])
    keys = {f"test:category:{i}": odoo_id for i, odoo_id in enumerate(ids)}
    binder = Binder(world.client)
    ours = [["module", "=", MODULE], ["model", "=", "product.category"]]
    before = world.client.call("ir.model.data", "search_count", ours)
    # Another publisher bound the first key meanwhile; the create of all three then also loses its answer.
    world.client.call("ir.model.data", "create", {"module": MODULE, "name": xmlid_name("test:category:0"),
                                                  "model": "product.category", "res_id": ids[0]})
    # The first create is refused (a duplicate), a later one commits but its answer is lost.
    world.sandbox.faults.configure(FaultPlan(fail_calls={3: "503"}, after_commit=True))
    binder._create_xmlids("product.category", keys)
    assert binder.resolve("product.category", keys) == keys
    assert world.sandbox.faults.snapshot()["calls"] > 3
    assert world.client.call("ir.model.data", "search_count", ours) == before + 3  # each key bound once
