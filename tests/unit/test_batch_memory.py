"""A batch keeps the cyclic garbage collector paused and Arrow on malloc while it works, and gives both back as
it found them, also when the batch fails."""

from __future__ import annotations

import gc

import pyarrow as pa
import pytest

from retail_sync.batch_memory import arrow_memory_from_malloc, batch_memory, cyclic_gc_paused


@pytest.fixture(autouse=True)
def restore_gc():
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_the_collector_is_paused_inside_and_back_after_a_failure():
    gc.enable()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("Odoo went away")
    assert gc.isenabled()


def test_a_collector_the_caller_had_disabled_stays_disabled():
    gc.disable()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_arrow_allocates_from_malloc_inside_and_from_its_own_pool_after_a_failure():
    before = pa.default_memory_pool().backend_name
    with pytest.raises(RuntimeError), arrow_memory_from_malloc():
        assert pa.default_memory_pool().backend_name == "system"
        inside = pa.array([f"SKU-{i}" for i in range(1000)])
        assert pa.system_memory_pool().bytes_allocated() > 0
        raise RuntimeError("Odoo went away")
    assert pa.default_memory_pool().backend_name == before
    assert inside.to_pylist()[-1] == "SKU-999"    # a buffer made inside outlives the setting


def test_a_batch_applies_both_and_restores_both():
    gc.enable()
    pool = pa.default_memory_pool().backend_name
    with batch_memory():
        assert not gc.isenabled() and pa.default_memory_pool().backend_name == "system"
    assert gc.isenabled() and pa.default_memory_pool().backend_name == pool
