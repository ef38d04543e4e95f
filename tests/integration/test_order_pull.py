"""One channel's order pull end to end (Shopify sandbox → Odoo sandbox) under the failures of real runs:
the store answering 500 half-way through its pages, two pulls of the store at once, and a pull killed with
SIGKILL half-way. Each ends in Odoo exactly as one clean pull does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from retail_sync.channels.errors import ChannelError
from retail_sync_sandbox.datagen.world import build_world
from retail_sync_sandbox.faults import FaultPlan
from retail_sync_sandbox.serving import RunningServer
from retail_sync_sandbox.shopify.app import ShopifySandbox
from retail_sync_sandbox.shopify.app import create_app as shopify_app
from tests.integration.order_pull_fixtures import CHANNEL, CONN_ID, assert_same, end_state, order_pull, stocked_world
from tests.integration.sale_order_fixtures import FLOW
from tests.storefront_fixtures import SHOPIFY_TOKEN

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_world():
    return build_world(seed=11, scale=0.1)


@pytest.fixture
def shop(tiny_world):
    sandbox = ShopifySandbox(tiny_world, CHANNEL, SHOPIFY_TOKEN)
    with RunningServer(shopify_app(sandbox)) as server:
        yield server.url, sandbox


@pytest.fixture(scope="module")
def clean(tmp_path_factory, tiny_world):
    """One clean pull of the store into its own Odoo: what every faulty run must end as."""
    tmp = tmp_path_factory.mktemp("clean")
    world = stocked_world(tmp, tiny_world.catalog)
    sandbox = ShopifySandbox(tiny_world, CHANNEL, SHOPIFY_TOKEN)
    with RunningServer(shopify_app(sandbox)) as server:
        result = order_pull(tmp, world, server.url, "clean").pull_channel(CONN_ID)
    state = end_state(world)
    world.world.server.stop()
    assert result.counts.get("loaded", 0) > 20 and result.pages >= 5
    return state, result


def test_store_answering_500_half_way_then_the_next_run_picks_up(tmp_path, tiny_world, shop, clean):
    url, sandbox = shop
    world = stocked_world(tmp_path, tiny_world.catalog)
    sandbox.faults.configure(FaultPlan(fail_calls={n: "500" for n in range(4, 12)}))    # pages 4+ fail for good
    with pytest.raises(ChannelError):
        order_pull(tmp_path, world, url, "run-1").pull_channel(CONN_ID)
    part = world.counts()["orders"]
    mark = world.store.watermark(FLOW, CHANNEL)
    assert 0 < part < clean[0]["counts"]["orders"] and mark is not None, "the first pages loaded, the mark moved"

    sandbox.faults.configure(FaultPlan())
    again = order_pull(tmp_path, world, url, "run-2").pull_channel(CONN_ID)
    assert_same(end_state(world), clean[0])
    assert again.watermark >= mark
    assert again.counts.get("loaded", 0) == clean[0]["counts"]["orders"] - part   # the rest, nothing twice


def test_two_pulls_of_one_store_at_once_double_nothing(tmp_path, tiny_world, shop, clean):
    url, _ = shop
    world = stocked_world(tmp_path, tiny_world.catalog)
    results, errors = {}, []

    def pull(run_id: str) -> None:
        try:
            results[run_id] = order_pull(tmp_path, world, url, run_id, own_client=True).pull_channel(CONN_ID)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=pull, args=(f"run-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert errors == []
    assert sorted(r.busy for r in results.values()) == [False, True], "one pulled, the other found it busy"
    assert_same(end_state(world), clean[0])


def test_pull_killed_half_way_then_rerun_ends_as_one_clean_run(tmp_path, tiny_world, shop, clean):
    url, sandbox = shop
    world = stocked_world(tmp_path, tiny_world.catalog)
    sandbox.faults.configure(FaultPlan(latency_ms=150))          # slow enough to be caught half-way
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "tests.integration.order_pull_child", str(tmp_path),
                              world.world.server.url, url], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 300
        while world.counts()["orders"] == 0:
            assert child.poll() is None, "the pull ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    killed_at = world.counts()["orders"]
    assert killed_at < clean[0]["counts"]["orders"], "killed half-way, not after the end"

    sandbox.faults.configure(FaultPlan())
    time.sleep(1.5)                                              # the dead run's lease (1 s) runs out
    order_pull(tmp_path, world, url, "rerun", lease_seconds=1).pull_channel(CONN_ID)
    assert_same(end_state(world), clean[0])
