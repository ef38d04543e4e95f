"""The catalog flow against the Odoo sandbox over HTTP: bad inputs, idempotency, faults, kills."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import httpx
import pytest

from retail_sync.flows.catalog.flow import FileStatus
from retail_sync_sandbox.datagen.catalog import catalog_rows, write_catalog_csv
from retail_sync_sandbox.faults import FaultPlan

from .catalog_fixtures import API_KEY, assert_same_as_a_clean_run, snapshot, start_world

GOOD = ["TEE-S,TEE,Organic tee,Apparel/Tops,19.90,EUR,standard,true,4006381333931,S",
        "TEE-M,TEE,Organic tee,Apparel/Tops,21.90,EUR,standard,true,,M",
        "MUG,MUG,Mug,Home/Kitchen,8.00,EUR,reduced,true,,",
        "CAP,CAP,Cap,Apparel,12.00,EUR,standard,true,,",
        "SOCK,SOCK,Socks,Apparel,4.00,EUR,zero,true,,",
        "BAG,BAG,Bag,Apparel,30.00,EUR,standard,true,,",
        "PEN,PEN,Pen,Office,1.00,EUR,standard,true,,",
        "INK,INK,Ink,Office,3.00,EUR,standard,true,,"]


def quarantined_keys(world) -> dict[str, str]:
    return {d.key: d.error for d in world.store.dead_letters("catalog")}


@pytest.mark.parametrize("bad_row, rule", [
    ("DUP,DUP,Dup,Apparel,1.00,EUR,standard,true,,", "SKU unique in the file"),
    ("NEG,NEG,Negative,Apparel,-5.00,EUR,standard,true,,", "list price is a non-negative decimal"),
    ("FLT,FLT,Float,Apparel,1e3,EUR,standard,true,,", "list price is a non-negative decimal"),
    ("EAN,EAN,Barcode,Apparel,1.00,EUR,standard,true,4006381333932,", "barcode is a GTIN"),
    ("CUR,CUR,Currency,Apparel,1.00,EUR2,standard,true,,", "currency is an ISO-4217 code"),
    ("LONG,LONG," + "N" * 20_000 + ",Apparel,1.00,EUR,standard,true,,", "name at most 255 characters"),
    ("TAX,TAX,Tax,Apparel,1.00,EUR,luxury,true,,", "tax class known"),
    ("CAT,CAT,Category,Apparel//Tops,1.00,EUR,standard,true,,", "category path has no empty level"),
])
def test_each_bad_row_is_quarantined_and_the_good_rows_load(world, bad_row, rule):
    rows = GOOD + [bad_row] + ([bad_row] if bad_row.startswith("DUP") else [])
    outcome = world.run(world.feed("feed.csv", rows))
    assert outcome.status == FileStatus.PUBLISHED
    assert outcome.good == len(GOOD) and outcome.quarantined == len(rows) - len(GOOD)
    assert outcome.loaded == len(GOOD) and outcome.dead_lettered == 0
    errors = quarantined_keys(world)
    assert len(errors) == outcome.quarantined and all(rule in e for e in errors.values())
    assert world.alerts and "validation failed" in world.alerts[0].subject and rule in world.alerts[0].text
    assert {p[0] for p in snapshot(world.client)["products"]} == {r.split(",")[0] for r in GOOD}


def test_non_utf8_row_is_quarantined(world):
    data = ("\n".join(["sku,parent_key,name,category_path,list_price,currency,tax_class,active,barcode,attr_size",
                       *GOOD]) + "\n").encode() + b"LAT,LAT,Caf\xe9,Home,2.00,EUR,standard,true,,\n"
    outcome = world.run(world.feed("latin1.csv", data))
    assert outcome.quarantined == 1 and outcome.loaded == len(GOOD)
    assert "readable" in quarantined_keys(world)["pim:product:LAT"]


@pytest.mark.parametrize("name, data, message", [
    ("empty.csv", b"", "empty"),
    ("columns.csv", b"sku,title\nA,Alpha\n", "wrong columns"),
    ("broken.parquet", b"PAR1 garbage", "not a valid Parquet file"),
])
def test_unreadable_files_are_rejected_with_an_alert(world, name, data, message):
    outcome = world.run(world.feed(name, data))
    assert outcome.status == FileStatus.REJECTED and message in outcome.reason
    assert "input file rejected" in world.alerts[0].subject
    assert world.writes() == 0
    assert (world.tmp / "rejected" / name).exists() and not (world.tmp / name).exists()


def test_too_many_bad_rows_block_the_whole_batch(world):
    bad = [f"B{i},B{i},Bad,Apparel,-1,EUR,standard,true,," for i in range(5)]
    outcome = world.run(world.feed("feed.csv", GOOD[:4] + bad))
    assert outcome.status == FileStatus.BLOCKED and "above the 25% limit" in outcome.reason
    assert "BLOCKED" in world.alerts[0].subject
    assert world.writes() == 0
    assert (world.tmp / "blocked" / "feed.csv").exists()


def test_collapsed_row_count_blocks(world):
    assert world.run(world.feed("full.csv", GOOD)).status == FileStatus.PUBLISHED
    outcome = world.run(world.feed("tiny.csv", GOOD[:2]), run_id="run-2")
    assert outcome.status == FileStatus.BLOCKED and "row count" in outcome.reason
    # dropped again unchanged, the same bytes are validated again (and blocked again), not taken as published
    (world.tmp / "blocked" / "tiny.csv").rename(world.tmp / "tiny.csv")
    again = world.run(str(world.tmp / "tiny.csv"), run_id="run-3")
    assert again.status == FileStatus.BLOCKED


def test_a_file_is_processed_once_and_a_price_change_touches_one_product(world):
    uri = world.feed("feed.csv", GOOD)
    first = world.run(uri)
    assert first.loaded == len(GOOD)
    assert (world.tmp / "processed" / "feed.csv").exists()
    before = snapshot(world.client)
    world.sandbox.stats.reset()
    assert world.run(world.feed("feed.csv", GOOD), run_id="run-2").status == FileStatus.ALREADY_PUBLISHED
    assert world.run(world.feed("copy.csv", GOOD), run_id="run-3").status == FileStatus.ALREADY_PUBLISHED
    assert world.sandbox.stats.snapshot()["calls"] == 0
    changed = [row.replace("8.00", "9.50") if row.startswith("MUG") else row for row in GOOD]
    result = world.run(world.feed("changed.csv", changed), run_id="run-4")
    assert result.loaded == 1 and result.skipped == len(GOOD) - 1
    writes = {k: v["records"] for k, v in world.sandbox.stats.snapshot()["by_call"].items()
              if k.endswith((".load", ".create", ".write", ".unlink"))}
    assert writes == {"product.template.load": 1, "product.product.load": 1}
    after = snapshot(world.client)
    assert [p for p in after["products"] if p[0] == "MUG"][0][3] == 9.5
    assert [p for p in before["products"] if p[0] != "MUG"] == [p for p in after["products"] if p[0] != "MUG"]


def test_unchanged_rows_cost_no_call(world):
    world.run(world.feed("feed.csv", GOOD))
    world.sandbox.stats.reset()
    world.client.counters.calls = 0
    reordered = list(reversed(GOOD))  # different bytes, same content
    result = world.run(world.feed("reordered.csv", reordered), run_id="run-2")
    assert result.loaded == 0 and result.skipped == len(GOOD) and result.rpc_calls == 0
    assert world.sandbox.stats.snapshot()["calls"] == 0


def test_variants_prices_and_promotions(world):
    rows = GOOD + ["TEE-L,TEE,Organic tee,Apparel/Tops,23.90,EUR,standard,true,,L"]
    world.run(world.feed("feed.csv", rows))
    state = snapshot(world.client)
    tees = {p[0]: p for p in state["products"] if p[0].startswith("TEE")}
    assert {p[5] for p in tees.values()} == {"[TEE-S] Organic tee (S)", "[TEE-M] Organic tee (M)",
                                             "[TEE-L] Organic tee (L)"}
    assert ("Organic tee", 19.9, 3, 1) in state["templates"]
    assert sorted((i[0], i[1]) for i in state["items"]) == [("[TEE-L] Organic tee (L)", 23.9),
                                                           ("[TEE-M] Organic tee (M)", 21.9)]
    assert "All / Apparel / Tops" in state["categories"]


def test_skus_sharing_a_barcode_are_dead_lettered_and_the_rest_loads(world):
    rows = GOOD + ["TWIN,TWIN,Twin,Apparel,5.00,EUR,standard,true,4006381333931,"]  # the barcode TEE-S has
    result = world.run(world.feed("feed.csv", rows))
    assert result.dead_lettered == 2 and result.loaded == len(GOOD) - 1
    letters = {d.key: d for d in world.store.dead_letters("catalog")}
    assert set(letters) == {"pim:product:TWIN", "pim:product:TEE-S"}
    assert letters["pim:product:TWIN"].stage == "load" and letters["pim:product:TWIN"].payload["sku"] == "TWIN"
    assert "barcode 4006381333931 is also the barcode of SKU TEE-S" in letters["pim:product:TWIN"].error
    assert "of SKU TWIN" in letters["pim:product:TEE-S"].error
    codes = {p[0] for p in snapshot(world.client)["products"]}
    assert "TEE-M" in codes and not {"TEE-S", "TWIN"} & codes
    assert world.client.call("product.product", "search_count", [["default_code", "=", False]]) == 0


def test_foreign_currency_is_dead_lettered(world):
    result = world.run(world.feed("feed.csv", GOOD + ["USD,USD,Dollar,Apparel,5.00,USD,standard,true,,"]))
    assert result.dead_lettered == 1 and "company currency" in result.failures["pim:product:USD"]


@pytest.mark.parametrize("kind", ["429", "503", "serialization"])
def test_odoo_throttling_and_outages_mid_run_are_retried(world, kind):
    world.sandbox.faults.configure(FaultPlan(rate_429=0.2 if kind == "429" else 0,
                                             rate_503=0.2 if kind == "503" else 0,
                                             rate_serialization=0.2 if kind == "serialization" else 0,
                                             retry_after=0.01, seed=3))
    result = world.run(world.feed("feed.csv", GOOD))
    assert result.loaded == len(GOOD) and world.client.counters.retries > 0
    world.sandbox.faults.configure(FaultPlan())
    assert_same_as_a_clean_run(world, lambda clean: clean.feed("feed.csv", GOOD))


def test_outage_beyond_the_retry_budget_fails_then_the_rerun_finishes_without_duplicates(world):
    uri = world.feed("feed.csv", GOOD)
    # Odoo goes down (503) after the first writes: the run fails half-way, some writes committed.
    world.sandbox.faults.configure(FaultPlan(fail_calls={n: "503" for n in range(12, 60)}, after_commit=True))
    with pytest.raises(Exception, match="503"):
        world.run(uri)
    world.sandbox.faults.configure(FaultPlan())
    assert world.run(uri, run_id="run-2").status == FileStatus.PUBLISHED
    assert_same_as_a_clean_run(world, lambda clean: clean.feed("feed.csv", GOOD))


KILLED_RUN = """
import sys
from contextlib import nullcontext
from retail_sync.flows.catalog.flow import CatalogFlow
from retail_sync.flows.catalog.settings import CatalogSettings
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.state.store import StateStore
url, key, state, staging, uri = sys.argv[1:6]
client = OdooClient(OdooConfig(url, "odoo", "retail-sync", key))
settings = CatalogSettings(staging_root=staging, chunk_size=20)
CatalogFlow(settings, StateStore(state), lambda: nullcontext(client), print, "killed").publish_file(uri)
"""


def test_a_publish_killed_half_way_then_rerun_equals_one_clean_run(world):
    rows = catalog_rows(120, seed=5)
    uri = str(write_catalog_csv(world.tmp / "feed.csv", rows))
    world.sandbox.faults.configure(FaultPlan(latency_per_record_ms=2))
    process = subprocess.Popen([sys.executable, "-c", KILLED_RUN, world.server.url, API_KEY, world.store.url,
                                str(world.settings.staging_root), uri], env=dict(os.environ))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stats = httpx.get(f"{world.server.url}/sandbox/stats",
                          headers={"X-Sandbox-Token": world.sandbox.control_token}).json()["by_call"]
        if stats.get("product.product.load", {}).get("calls", 0) >= 1:
            break
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert os.path.exists(uri)  # a killed run moves nothing: the file is still there to be taken up again
    world.sandbox.faults.configure(FaultPlan())
    world.settings = replace(world.settings, claim_lease_seconds=0)  # the killed run's claim has run out
    result = world.run(uri, run_id="run-2")
    assert result.status == FileStatus.PUBLISHED and result.dead_lettered == 0
    assert_same_as_a_clean_run(world, lambda clean: str(write_catalog_csv(clean.tmp / "feed.csv", rows)))
    assert json.loads(json.dumps(result.to_xcom()))["loaded"] > 0


def test_calls_grow_with_chunks_not_rows_and_row_order_does_not_matter(world):
    rows = catalog_rows(400, seed=9)
    first = world.run(str(write_catalog_csv(world.tmp / "feed.csv", rows)))
    chunks = -(-len(rows) // world.settings.chunk_size)
    assert first.loaded == 400 and first.rpc_calls <= 12 * chunks + 10
    again = world.run(str(write_catalog_csv(world.tmp / "reordered.csv", rows[::-1])), run_id="run-2")
    assert again.loaded == 0 and again.rpc_calls == 0


def test_state_on_postgresql_gives_the_same_idempotency(tmp_path, postgres_server):
    from retail_sync.state.store import StateStore

    pg_world = start_world(tmp_path / "pg")
    try:
        pg_world.store = StateStore(postgres_server("catalog_state"))
        first = pg_world.run(pg_world.feed("feed.csv", GOOD))
        assert first.loaded == len(GOOD)
        pg_world.sandbox.stats.reset()
        again = pg_world.run(pg_world.feed("reordered.csv", GOOD[::-1]), run_id="run-2")
        assert again.loaded == 0 and pg_world.sandbox.stats.snapshot()["calls"] == 0
    finally:
        pg_world.server.stop()


def test_data_docs_are_built_and_progress_bars_stay_quiet(world, capfd):
    from dataclasses import replace

    world.settings = replace(world.settings, docs_root=world.tmp / "docs")
    outcome = world.run(world.feed("feed.csv", GOOD + ["NEG,NEG,Neg,Apparel,-1,EUR,standard,true,,"]))
    assert outcome.docs_index and os.path.exists(outcome.docs_index)
    assert "Calculating Metrics" not in capfd.readouterr().err


def test_a_retry_of_the_same_run_resumes_after_validation(world):
    """Odoo down after validation: the task's retry (same run) loads without validating, dead-lettering or
    alerting the quarantined row a second time."""
    uri = world.feed("feed.csv", GOOD + ["NEG,NEG,Negative,Apparel,-5.00,EUR,standard,true,,"])
    world.sandbox.faults.configure(FaultPlan(rate_503=1.0, retry_after=0.01))
    with pytest.raises(Exception, match="503"):
        world.run(uri)
    assert [a.subject for a in world.alerts if "validation failed" in a.subject] and len(world.alerts) == 1
    world.sandbox.faults.configure(FaultPlan())
    outcome = world.run(uri)                       # the retry: same run id
    assert outcome.status == FileStatus.PUBLISHED and outcome.loaded == len(GOOD) and outcome.quarantined == 1
    assert len(world.alerts) == 1
    assert [d.attempts for d in world.store.dead_letters("catalog")] == [1]
