"""The binder's look-up of many keys first asks whether the model has any external id of ours named as the keys
are (their names' common start): a first load learns that none is bound without sending every key's name, and
keys of which some are bound are looked up key by key as before."""

from __future__ import annotations

from retail_sync.odoo.binder import PROBE_MIN_KEYS, Binder


def test_many_keys_of_a_model_with_no_binding_are_answered_by_one_probe(world):
    keys = [f"test:category:{i}" for i in range(PROBE_MIN_KEYS)]
    # The seeded world binds a category of its own (retail_sync.category_services): not one of these keys.
    assert world.client.call("ir.model.data", "search_count", [["module", "=", "retail_sync"],
                                                              ["model", "=", "product.category"]]) == 1
    world.sandbox.stats.reset()
    assert Binder(world.client).resolve("product.category", keys) == {}
    assert {call: figures["calls"] for call, figures in world.sandbox.stats.snapshot()["by_call"].items()} == {
        "ir.model.data.search": 1}       # the probe, and no look-up of the names


def test_many_keys_of_a_model_with_bindings_are_each_looked_up(world):
    ids = world.client.call("product.category", "create", [{"name": f"c{i}"} for i in range(3)])
    binder = Binder(world.client)
    bound = {f"test:category:{i}": odoo_id for i, odoo_id in enumerate(ids)}
    binder.bind("product.category", bound, bound={})
    keys = [*bound, *(f"test:category:unbound:{i}" for i in range(PROBE_MIN_KEYS))]
    assert binder.resolve("product.category", keys) == bound
    # Another model's bindings are no bindings of this one.
    assert binder.resolve("product.attribute", keys) == {}
