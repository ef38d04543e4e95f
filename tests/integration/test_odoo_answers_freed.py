"""A batch keeps the cyclic garbage collector paused (batch_memory); the client's answers and request bodies must
then still be freed as soon as a call returns, not pile up until the collector runs again."""

from __future__ import annotations

import gc

import httpx

from retail_sync.batch_memory import cyclic_gc_paused


def live_answers() -> int:
    # type(), not isinstance(): isinstance reads `__class__`, which on a lazy-import proxy (Airflow keeps some)
    # imports the module it stands for.
    kinds = (httpx.Response, httpx.Request)
    return sum(1 for o in gc.get_objects() if type(o) in kinds)


def test_answers_are_freed_while_the_collector_is_paused(world):
    world.client.uid   # noqa: B018 - logged in before counting
    gc.collect()
    before = live_answers()
    with cyclic_gc_paused():
        for _ in range(20):
            assert world.client.call("product.category", "search_read", [], ["name"], limit=5)
        world.client.call("product.category", "load", ["id", "name"], [["retail_sync.cat_freed", "Freed"]])
        assert live_answers() == before
