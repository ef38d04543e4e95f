"""The first-load fast paths of a catalog publish (all rows at once, rows as slices of the file, the plan's lists
shared) hold on the files where they must not apply: a file not sorted by parent, more than a thousand rows (the
digests hashed a slice at a time, variants loaded over many calls), SKUs refused at different stages with one in a
later load call, a re-run where a few SKUs changed; each run under 5% mixed faults with answers lost after commit.
Odoo ends as after the same files run clean, and every refused SKU is dead-lettered with its reason."""

from __future__ import annotations

import random

from retail_sync.flows.catalog.flow import FileStatus
from retail_sync.retry import RetryPolicy
from retail_sync_sandbox.faults import FaultPlan

from .catalog_fixtures import snapshot, start_world

PATIENT = RetryPolicy(max_attempts=15, base_delay=0.001, max_delay=0.005, budget_seconds=30)
SIZES = ("S", "M", "L", "XL")
PARENTS = 300                         # 1,200 rows: two digest slices, 24 variant load calls of 50
FOREIGN_BARCODE = "4006381333931"
# Refused SKUs, all in the file's second half once shuffled is not guaranteed: they sit in late parents, whose rows
# are in the last load calls (the publish writes parents in key order).
REFUSED = {"P0250-S": "currency", "P0260-M": "conflict", "P0270-L": "barcode"}


def feed_lines(changed: set[str] = frozenset()) -> list[str]:
    lines = []
    for p in range(PARENTS):
        parent = f"P{p:04d}"
        for i, size in enumerate(SIZES):
            sku = f"{parent}-{size}"
            price = f"{10 + p % 50 + i}.{'50' if sku in changed else '90'}"
            currency = "USD" if sku == "P0250-S" else "EUR"
            barcode = FOREIGN_BARCODE if sku == "P0270-L" else ""
            lines.append(f"{sku},{parent},Tee {p},Apparel/Tops,{price},{currency},standard,true,{barcode},{size}")
    random.Random(7).shuffle(lines)   # not sorted by parent: the plan's rows are a take of the file
    return lines


def add_products_the_sync_does_not_manage(world) -> None:
    for code, barcode in (("P0260-M", False), ("HANDMADE", FOREIGN_BARCODE)):
        template = world.client.call("product.template", "create", {"name": f"Hand-made {code}"})
        [product] = world.client.call("product.product", "search", [["product_tmpl_id", "=", template]])
        world.client.call("product.product", "write", [product], {"default_code": code, "barcode": barcode})


def history(world, faulty: bool) -> list:
    add_products_the_sync_does_not_manage(world)
    changed = {f"P{p:04d}-{SIZES[p % 4]}" for p in range(0, PARENTS, 25)}   # 12 SKUs (1%), early and late parents
    outcomes = []
    for run, lines in (("run-1", feed_lines()), ("run-2", feed_lines(changed))):
        if faulty:
            world.sandbox.faults.configure(FaultPlan(rate_429=0.0125, rate_502=0.0125, rate_503=0.0125,
                                                     rate_serialization=0.0125, after_commit=True,
                                                     retry_after=0.001, seed=len(outcomes) + 3))
        outcomes.append(world.run(world.feed(f"{run}.csv", lines), run_id=run))
        world.sandbox.faults.configure(FaultPlan())
    return outcomes


def test_refused_skus_in_a_large_unsorted_file_and_its_rerun_under_faults_equal_clean_runs(tmp_path):
    world, clean = start_world(tmp_path / "faulty"), start_world(tmp_path / "clean")
    try:
        world.client.policy = PATIENT
        clean_outcomes = history(clean, faulty=False)
        outcomes = history(world, faulty=True)
        assert world.client.counters.retries > 0
        for outcome in [*outcomes, *clean_outcomes]:
            assert outcome.status == FileStatus.PUBLISHED
            assert set(outcome.failures) == {f"pim:product:{sku}" for sku in REFUSED}, outcome.failures
        assert outcomes[0].loaded == PARENTS * 4 - 3
        # The re-run writes the changed SKUs and their parents' siblings whose base price moved: as the clean one.
        assert outcomes[1].loaded == clean_outcomes[1].loaded >= 12
        letters = {letter.key: letter.error for letter in world.store.dead_letters("catalog")}
        assert set(letters) == {f"pim:product:{sku}" for sku in REFUSED}
        for sku, reason in REFUSED.items():
            assert reason in letters[f"pim:product:{sku}"].lower(), letters
        state = snapshot(world.client)
        assert state == snapshot(clean.client)
        codes = [product[0] for product in state["products"]]
        assert len(codes) == len(set(codes)) == PARENTS * 4 - 3 + 2   # the two hand-made products included
        assert {"P0250-S", "P0270-L"}.isdisjoint(codes)
    finally:
        world.server.stop()
        clean.server.stop()


def sorted_feed_with_a_barcode_twice() -> list[str]:
    """Sorted by parent (the plan's rows are the whole file); two SKUs far apart carry one barcode, which Odoo
    would give to the first variant written and refuse for the second, in a late load call."""
    lines = []
    for p in range(PARENTS):
        for i, size in enumerate(SIZES):
            sku = f"P{p:04d}-{size}"
            barcode = FOREIGN_BARCODE if sku in ("P0010-S", "P0280-M") else ""
            lines.append(f"{sku},P{p:04d},Tee {p},Apparel/Tops,{10 + i}.90,EUR,standard,true,{barcode},{size}")
    return lines


def test_skus_sharing_a_barcode_in_a_sorted_first_load_are_refused_before_writing_under_faults(tmp_path):
    world, clean = start_world(tmp_path / "faulty"), start_world(tmp_path / "clean")
    try:
        world.client.policy = PATIENT
        expected = clean.run(clean.feed("feed.csv", sorted_feed_with_a_barcode_twice()))
        world.sandbox.faults.configure(FaultPlan(rate_429=0.0125, rate_502=0.0125, rate_503=0.0125,
                                                 rate_serialization=0.0125, after_commit=True, retry_after=0.001,
                                                 seed=5))
        outcome = world.run(world.feed("feed.csv", sorted_feed_with_a_barcode_twice()))
        world.sandbox.faults.configure(FaultPlan())
        assert world.client.counters.retries > 0
        for result in (expected, outcome):
            assert result.status == FileStatus.PUBLISHED and result.loaded == PARENTS * 4 - 2
            assert result.failures == {
                "pim:product:P0010-S": f"conflict: barcode {FOREIGN_BARCODE} is also the barcode of SKU P0280-M in "
                                       "this file",
                "pim:product:P0280-M": f"conflict: barcode {FOREIGN_BARCODE} is also the barcode of SKU P0010-S in "
                                       "this file"}
        assert {letter.key for letter in world.store.dead_letters("catalog")} == set(outcome.failures)
        state = snapshot(world.client)
        assert state == snapshot(clean.client)
        assert len(state["products"]) == PARENTS * 4 - 2 and len(state["items"]) == len(snapshot(clean.client)["items"])
        # Nothing of the refused SKUs is left behind: no product without its code, none holding the barcode.
        for client in (world.client, clean.client):
            assert client.call("product.product", "search_count", [["default_code", "=", False]]) == 0
            assert client.call("product.product", "search_count", [["barcode", "=", FOREIGN_BARCODE]],
                               context={"active_test": False}) == 0
    finally:
        world.server.stop()
        clean.server.stop()
