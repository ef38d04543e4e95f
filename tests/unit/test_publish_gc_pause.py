"""A publish keeps the cyclic garbage collector paused while it works and gives it back as it found it,
also when the publish fails."""

from __future__ import annotations

import gc

import pytest

from retail_sync.flows.catalog.publish import cyclic_gc_paused


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
