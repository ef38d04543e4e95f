"""Every write the catalog makes is safe to repeat: Odoo commits, the answer is lost (a 5xx after the
commit, the sandbox's `after_commit` fault), the client's retry must not write twice.

First one lost answer on each kind of write the catalog makes, alone; then thousands of SKUs with
variants under 5% and 20% mixed faults (429, 502, 503 after commit, serialization failures). Each
history must leave Odoo exactly as one clean run does.
"""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from retail_sync.flows.catalog.flow import FileStatus
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.retry import RetryPolicy
from retail_sync_sandbox.datagen.catalog import catalog_rows, write_catalog_csv
from retail_sync_sandbox.faults import FaultPlan

from .catalog_fixtures import API_KEY, snapshot, start_world

FIRST = ["TEE-S,TEE,Organic tee,Apparel/Tops,19.90,EUR,standard,true,4006381333931,S",
         "TEE-M,TEE,Organic tee,Apparel/Tops,21.90,EUR,standard,true,,M",
         "MUG,MUG,Mug,Home/Kitchen,8.00,EUR,reduced,true,,"]
# The second file adds a size (the attribute line is written), gives TEE-M its parent's price back (its own
# pricelist rule is deleted) and changes a price.
SECOND = ["TEE-S,TEE,Organic tee,Apparel/Tops,19.90,EUR,standard,true,4006381333931,S",
          "TEE-M,TEE,Organic tee,Apparel/Tops,19.90,EUR,standard,true,,M",
          "TEE-L,TEE,Organic tee,Apparel/Tops,23.90,EUR,standard,true,,L",
          "MUG,MUG,Mug,Home/Kitchen,9.50,EUR,reduced,true,,"]
WRITES = (".create", ".write", ".unlink", ".load")
# Enough attempts that 20% faults never exhaust a call's retries; no real waiting.
PATIENT = RetryPolicy(max_attempts=15, base_delay=0.001, max_delay=0.005, budget_seconds=30)


HISTORY = [("run-1", FIRST), ("run-2", SECOND)]


def run_file(world, run: str, lines: list[str]) -> None:
    outcome = world.run(world.feed(f"{run}.csv", lines), run_id=run)
    assert outcome.status == FileStatus.PUBLISHED and outcome.dead_lettered == 0, outcome.failures


def recorded_calls(world) -> list[str]:
    """The `model.method` of every request the client sends, in order (as the sandbox counts them)."""
    calls: list[str] = []

    def record(request: httpx.Request) -> None:
        args = json.loads(request.content)["params"]["args"]
        calls.append(f"{args[3]}.{args[4]}" if len(args) > 4 else "common")

    http = httpx.Client(base_url=world.server.url, event_hooks={"request": [record]})
    world.client = OdooClient(OdooConfig(world.server.url, "odoo", "retail-sync", API_KEY), policy=world.client.policy,
                              http=http)
    return calls


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    """The calls of one clean history, and what Odoo holds after each of its files."""
    world = start_world(tmp_path_factory.mktemp("probe"))
    try:
        calls = recorded_calls(world)
        world.sandbox.faults.configure(FaultPlan())  # the sandbox counts calls from here, as fail_calls does
        ends, states = [], []
        for run, lines in HISTORY:
            run_file(world, run, lines)
            ends.append(len(calls))
            states.append(snapshot(world.client))
            del calls[ends[-1]:]  # the snapshot's reads are not part of the history
        return calls, ends, states
    finally:
        world.server.stop()


WRITE_KINDS = ["product.category.load", "product.attribute.load", "product.attribute.value.load",
               "product.template.load", "product.template.attribute.line.load", "ir.model.data.create",
               "product.product.load", "product.pricelist.item.load", "product.template.attribute.line.write",
               "product.pricelist.item.unlink"]


def test_the_history_makes_every_kind_of_write(probe):
    calls, _, _ = probe
    assert sorted({c for c in calls if c.endswith(WRITES)}) == sorted(WRITE_KINDS)


@pytest.mark.parametrize("kind", WRITE_KINDS)
def test_a_lost_answer_on_each_kind_of_write_changes_nothing(tmp_path, probe, kind):
    calls, ends, states = probe
    position = calls.index(kind) + 1
    last = next(i for i, end in enumerate(ends) if position <= end)  # the history up to the file making it
    world = start_world(tmp_path)
    try:
        # The first call of this kind commits in Odoo, but the client sees a 503 instead of the answer.
        world.sandbox.faults.configure(FaultPlan(fail_calls={position: "503"}, after_commit=True))
        for run, lines in HISTORY[:last + 1]:
            run_file(world, run, lines)
        assert world.sandbox.faults.snapshot()["calls"] > position
        world.sandbox.faults.configure(FaultPlan())
        assert snapshot(world.client) == states[last]
        assert world.store.dead_letters("catalog") == []
    finally:
        world.server.stop()


def test_a_retried_delete_of_records_already_gone_is_done(tmp_path):
    from retail_sync.odoo.loader import unlink_records

    world = start_world(tmp_path)
    try:
        ids = world.client.call("product.pricelist.item", "load", ["pricelist_id/id", "fixed_price"],
                                [["product.list0", str(price)] for price in (1, 2, 3)])["ids"]
        world.client.call("product.pricelist.item", "unlink", ids[:2])
        unlink_records(world.client, "product.pricelist.item", ids)  # two already deleted, one still there
        assert world.client.call("product.pricelist.item", "search", [["id", "in", ids]]) == []
    finally:
        world.server.stop()


BIG = 3000


def big_world(tmp):
    world = start_world(tmp)
    world.settings = replace(world.settings, chunk_size=500)
    world.client.policy = PATIENT
    return world


@pytest.fixture(scope="module")
def big_clean(tmp_path_factory):
    """What one clean run of the big feed leaves in Odoo (made once for both fault rates)."""
    rows = catalog_rows(BIG, seed=11)
    clean = big_world(tmp_path_factory.mktemp("big-clean"))
    try:
        assert clean.run(str(write_catalog_csv(clean.tmp / "feed.csv", rows))).loaded == BIG
        return rows, snapshot(clean.client)
    finally:
        clean.server.stop()


@pytest.mark.long
@pytest.mark.parametrize("rate", [0.05, 0.20])
def test_thousands_of_skus_under_mixed_faults_equal_one_clean_run(tmp_path, big_clean, rate):
    rows, clean = big_clean
    world = big_world(tmp_path)
    try:
        share = rate / 4
        world.sandbox.faults.configure(FaultPlan(rate_429=share, rate_502=share, rate_503=share,
                                                 rate_serialization=share, after_commit=True, retry_after=0.001,
                                                 seed=int(rate * 100)))
        outcome = world.run(str(write_catalog_csv(world.tmp / "feed.csv", rows)))
        assert outcome.status == FileStatus.PUBLISHED and outcome.loaded == BIG and outcome.dead_lettered == 0
        assert world.client.counters.retries > 0
        world.sandbox.faults.configure(FaultPlan())
        state = snapshot(world.client)
        assert state == clean and len(state["products"]) == BIG
    finally:
        world.server.stop()
