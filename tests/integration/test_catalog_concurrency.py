"""Two publishers at once, as real processes: a scheduled run and a manual one working the same landing
folder (one takes the files oldest first, the other newest first, as two mapped tasks on two pool slots
may). Claims are exclusive, files are published in landing order, the newer prices win, and Odoo ends
as after one clean run of the files in order — on a SQLite and on a PostgreSQL state store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from retail_sync.flows.catalog.flow import FileStatus
from retail_sync_sandbox.datagen.catalog import catalog_rows, write_catalog_csv

from .catalog_fixtures import API_KEY, snapshot, start_world

PUBLISHER = """
import json, os, sys, time
from contextlib import nullcontext
from retail_sync.flows.catalog.flow import CatalogFlow
from retail_sync.flows.catalog.settings import CatalogSettings
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.state.store import StateStore
url, key, state, staging, run_id, ready, go, *uris = sys.argv[1:]
client = OdooClient(OdooConfig(url, "odoo", "retail-sync", key))
settings = CatalogSettings(staging_root=staging, chunk_size=50, order_poll_seconds=0.05, order_wait_seconds=120)
flow = CatalogFlow(settings, StateStore(state), lambda: nullcontext(client), print, run_id)
open(ready, "w").close()                      # imported and connected: wait for the other publisher
while not os.path.exists(go):
    time.sleep(0.01)
for uri in uris:
    outcome = flow.publish_file(uri)
    print(json.dumps({"file": os.path.basename(uri), "status": str(outcome.status), "loaded": outcome.loaded,
                      "overrode": outcome.overrode, "failures": outcome.failures}))
"""


def two_feeds(folder, rows):
    """An older and a newer file sharing most SKUs; the newer one has other prices and one SKU more."""
    newer = [dict(r, list_price=f"{float(r['list_price']) + 1:.2f}") if i % 2 else r for i, r in enumerate(rows)]
    older = rows[:-1]
    os.makedirs(folder, exist_ok=True)
    paths = [write_catalog_csv(folder / "older.csv", older), write_catalog_csv(folder / "newer.csv", newer)]
    now = time.time()
    os.utime(paths[0], (now - 60, now - 60))  # landing order: older.csv first
    os.utime(paths[1], (now - 30, now - 30))
    return [str(p) for p in paths], newer


def publish_at_once(world, uris_by_run: dict[str, list[str]]) -> dict[str, list[dict]]:
    go = world.tmp / "go"
    ready = {run: world.tmp / f"ready-{run}" for run in uris_by_run}
    processes = {run: subprocess.Popen(
        [sys.executable, "-c", PUBLISHER, world.server.url, API_KEY, world.store.url, str(world.settings.staging_root),
         run, str(ready[run]), str(go), *uris], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for run, uris in uris_by_run.items()}
    deadline = time.monotonic() + 120
    while not all(path.exists() for path in ready.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()
    outcomes = {}
    for run, process in processes.items():
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        outcomes[run] = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return outcomes


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_publishers_at_once_equal_one_clean_run_and_the_newer_prices_win(tmp_path, backend, request):
    rows = catalog_rows(60, seed=21)
    world = start_world(tmp_path / "concurrent")
    clean = start_world(tmp_path / "clean")
    try:
        if backend == "postgresql":
            from retail_sync.state.store import StateStore

            world.store = StateStore(request.getfixturevalue("postgres_server")("concurrency"))
        uris, newer = two_feeds(world.tmp / "landing", rows)
        outcomes = publish_at_once(world, {"scheduled": uris, "manual": uris[::-1]})

        published = [o for run in outcomes.values() for o in run if o["status"] == FileStatus.PUBLISHED]
        assert sorted(o["file"] for o in published) == ["newer.csv", "older.csv"]  # each file once, by one run
        assert all(o["failures"] == {} for o in published)
        [second] = [o for o in published if o["file"] == "newer.csv"]
        assert second["overrode"] == second["loaded"] - 1 > 0  # every row it loaded but its one new SKU
        assert world.store.dead_letters("catalog") == []

        clean_uris, _ = two_feeds(clean.tmp / "landing", rows)
        for number, uri in enumerate(clean_uris):
            assert clean.run(uri, run_id=f"clean-{number}").status == FileStatus.PUBLISHED
        state = snapshot(world.client)
        assert state == snapshot(clean.client)
        own_price = {item[0]: item[1] for item in state["items"] if not item[2]}  # rules without promotion dates
        prices = {p[0]: own_price.get(p[5], p[3]) for p in state["products"]}
        assert prices == {r["sku"]: float(r["list_price"]) for r in newer}
    finally:
        world.server.stop()
        clean.server.stop()


def test_a_file_waits_for_the_files_that_landed_before_it(tmp_path):
    """Alone in the folder after the older file, the newer one goes on; while the older one stays, it defers."""
    world = start_world(tmp_path)
    try:
        world.settings = replace(world.settings, order_wait_seconds=0.2, order_poll_seconds=0.05)
        uris, _ = two_feeds(world.tmp / "landing", catalog_rows(12, seed=3))
        deferred = world.run(uris[1], run_id="run-1")
        assert deferred.status == FileStatus.DEFERRED and world.writes() == 0
        assert os.path.exists(uris[1])
        assert world.run(uris[0], run_id="run-1").status == FileStatus.PUBLISHED
        assert world.run(uris[1], run_id="run-2").status == FileStatus.PUBLISHED  # its claim was given back
    finally:
        world.server.stop()


def test_a_claim_is_exclusive_until_its_lease_runs_out(tmp_path):
    world = start_world(tmp_path)
    try:
        uri = world.feed("feed.csv", ["MUG,MUG,Mug,Home/Kitchen,8.00,EUR,reduced,true,,"])
        fingerprint = "f" * 64
        assert world.store.claim_file("catalog", fingerprint, uri, "crashed", lease_seconds=60)
        assert not world.store.claim_file("catalog", fingerprint, uri, "other", lease_seconds=60)
        time.sleep(0.05)
        assert world.store.claim_file("catalog", fingerprint, uri, "other", lease_seconds=0.01)
    finally:
        world.server.stop()
