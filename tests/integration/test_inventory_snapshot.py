"""The inventory snapshot against the Odoo sandbox over HTTP: stock per product × warehouse from the location
tree, the hourly history (replaced, never doubled, on a re-run), and every bad input of issue 12 that
belongs to the snapshot: a product without SKU, a location outside every warehouse, negative stock, Odoo
failing mid-read, a snapshot that shrank by 90%."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from retail_sync.flows.inventory.flow import SnapshotStatus
from retail_sync.flows.inventory.history import SCHEMA_VERSION, VERSION_KEY, SnapshotHistory
from retail_sync.odoo.errors import OdooRetryableError
from retail_sync.quality import inventory_suite
from retail_sync.retry import RetryPolicy
from retail_sync_sandbox.faults import FaultPlan

from .inventory_fixtures import start_stock_world

NINE = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
TEN = datetime(2026, 11, 2, 10, 5, tzinfo=UTC)


@pytest.fixture
def stock(tmp_path):
    world = start_stock_world(tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9")   # no channel is called here
    world.client.uid  # noqa: B018  (authenticate first: fault plans count the calls that follow)
    yield world
    world.server.stop()


def rows_by_key(table) -> dict:
    return {(r["sku"], r["warehouse"]): r for r in table.to_pylist()}


def test_stock_is_summed_per_product_and_warehouse_across_its_locations(stock):
    wh, ant = stock.warehouses["WH"], stock.warehouses["ANT"]
    shelf = stock.odoo("stock.location", "create", {"name": "Shelf A", "usage": "internal",
                                                    "location_id": wh["lot_stock_id"]})
    tee, mug = stock.add_products(["TEE", "MUG"])
    stock.count(tee, wh["lot_stock_id"], 10)
    stock.count(tee, shelf, 5)
    stock.reserve(tee, shelf, 2)
    stock.count(tee, ant["lot_stock_id"], 7.5)
    stock.count(mug, ant["lot_stock_id"], 3)

    outcome = stock.flow().take_snapshot(NINE)

    assert outcome.status is SnapshotStatus.WRITTEN and outcome.quarantined == 0
    table = pq.read_table(outcome.path)
    assert table.schema.metadata[VERSION_KEY].decode() == SCHEMA_VERSION
    got = {k: (r["on_hand"], r["reserved"], r["available"], r["quants"]) for k, r in rows_by_key(table).items()}
    assert got == {("TEE", "WH"): (15.0, 2.0, 13.0, 2), ("TEE", "ANT"): (7.5, 0.0, 7.5, 1),
                   ("MUG", "ANT"): (3.0, 0.0, 3.0, 1)}
    assert outcome.path.endswith("date=2026-11-02/hour=09/snapshot.parquet")
    assert outcome.odoo_calls > 3     # quants came in pages of 25 ids: here one page, plus the other reads


def test_quants_are_read_in_pages_and_none_is_lost(stock):
    skus = [f"SKU-{i:03d}" for i in range(60)]
    ids = stock.add_products(skus)
    stock.odoo("stock.quant", "create", [{"product_id": p, "location_id": stock.warehouses["WH"]["lot_stock_id"],
                                          "inventory_quantity_auto_apply": i + 1} for i, p in enumerate(ids)],
               context={"inventory_mode": True})
    stock.sandbox.stats.reset()
    outcome = stock.flow().take_snapshot(NINE)
    table = pq.read_table(outcome.path)
    assert table.num_rows == 60 and pc.sum(table["on_hand"]).as_py() == sum(range(1, 61))
    assert stock.sandbox.stats.snapshot()["by_call"]["stock.quant.search_read"]["calls"] == 3   # 25 + 25 + 10


def test_rerunning_an_hour_replaces_its_snapshot_and_keeps_the_others(stock):
    [tee] = stock.add_products(["TEE"])
    stock.count(tee, stock.warehouses["WH"]["lot_stock_id"], 4)
    stock.flow("run-9").take_snapshot(NINE)
    stock.flow("run-10").take_snapshot(TEN)
    stock.count(tee, stock.warehouses["WH"]["lot_stock_id"], 6)
    stock.flow("run-10b").take_snapshot(TEN.replace(minute=50))

    history = SnapshotHistory(stock.settings.history_root)
    assert history.hours() == ["date=2026-11-02/hour=09", "date=2026-11-02/hour=10"]
    table = history.dataset().to_table()
    assert sorted(zip(table["hour"].to_pylist(), table["on_hand"].to_pylist())) == [(9, 4.0), (10, 6.0)]


def test_history_under_an_fsspec_url(stock):
    [tee] = stock.add_products(["TEE"])
    stock.count(tee, stock.warehouses["WH"]["lot_stock_id"], 4)
    root = f"memory://inventory-test-{id(stock)}/history"
    settings = type(stock.settings)(**{**stock.settings.__dict__, "history": root})
    outcome = stock.flow(settings=settings).take_snapshot(NINE)
    assert outcome.path.endswith("date=2026-11-02/hour=09/snapshot.parquet")
    table = SnapshotHistory(root).dataset().to_table()
    assert table.select(["sku", "warehouse", "on_hand"]).to_pylist() == [{"sku": "TEE", "warehouse": "WH",
                                                                          "on_hand": 4.0}]


def test_bad_rows_are_quarantined_and_alerted_and_kept_from_the_channels(stock):
    wh = stock.warehouses["WH"]
    physical = stock.odoo("stock.location", "search", [["name", "=", "Physical Locations"]])[0]
    popup = stock.odoo("stock.location", "create", {"name": "Pop-up store", "usage": "internal",
                                                    "location_id": physical})
    good, no_sku, stray, short = stock.add_products(["GOOD", None, "STRAY", "SHORT"])
    stock.count(good, wh["lot_stock_id"], 5)
    stock.count(no_sku, wh["lot_stock_id"], 9)        # a product without SKU
    stock.count(stray, popup, 3)                      # a location outside every warehouse
    stock.count(short, wh["lot_stock_id"], 1)
    stock.reserve(short, wh["lot_stock_id"], 4)       # reserved beyond on hand: available −3

    outcome = stock.flow().take_snapshot(NINE)

    assert outcome.status is SnapshotStatus.WRITTEN and outcome.rows == 4 and outcome.quarantined == 3
    assert outcome.failures == {inventory_suite.HAS_SKU: 1, inventory_suite.IN_WAREHOUSE: 1,
                                inventory_suite.NOT_NEGATIVE: 1}
    quarantine = pq.read_table(outcome.quarantine_path)
    assert sorted(zip(quarantine["product_id"].to_pylist(), quarantine["_failed_rules"].to_pylist())) == [
        (no_sku, inventory_suite.HAS_SKU), (stray, inventory_suite.IN_WAREHOUSE),
        (short, inventory_suite.NOT_NEGATIVE)]
    assert pq.read_table(outcome.good_path)["sku"].to_pylist() == ["GOOD"]
    assert pq.read_table(outcome.path).num_rows == 4          # the history keeps Odoo's truth, bad rows too
    [alert] = stock.alerts
    assert "rows quarantined" in alert.subject and "3 of 4 rows" in alert.subject
    assert "STRAY@(no warehouse)" in alert.text


def test_negative_stock_passes_where_the_warehouse_allows_it(stock):
    settings = type(stock.settings)(**{**stock.settings.__dict__, "allow_negative": "ANT"})
    [short] = stock.add_products(["SHORT"])
    stock.count(short, stock.warehouses["ANT"]["lot_stock_id"], -2)
    outcome = stock.flow(settings=settings).take_snapshot(NINE)
    assert outcome.quarantined == 0 and stock.alerts == []
    assert pq.read_table(outcome.good_path)["available"].to_pylist() == [-2.0]


def test_odoo_failing_mid_read_writes_no_snapshot(stock):
    [tee] = stock.add_products(["TEE"])
    stock.count(tee, stock.warehouses["WH"]["lot_stock_id"], 4)
    stock.flow("run-9").take_snapshot(NINE)
    more = stock.add_products([f"SKU-{i}" for i in range(40)])
    for product in more:
        stock.count(product, stock.warehouses["WH"]["lot_stock_id"], 2)
    stock.client.policy = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, budget_seconds=1)
    # Calls: warehouses, locations, quant page 1, quant page 2 (fails, and its retry fails).
    stock.sandbox.faults.configure(FaultPlan(fail_calls={4: "503", 5: "503"}))
    with pytest.raises(OdooRetryableError):
        stock.flow("run-10").take_snapshot(TEN)
    history = SnapshotHistory(stock.settings.history_root)
    assert history.hours() == ["date=2026-11-02/hour=09"]
    assert history.dataset().to_table().num_rows == 1
    assert not (stock.flow("run-10").run_dir / "pushable.parquet").exists()


def test_a_snapshot_that_shrank_by_90_percent_is_blocked_and_alerted(stock):
    ids = stock.add_products([f"SKU-{i:02d}" for i in range(20)])
    for product in ids:
        stock.count(product, stock.warehouses["WH"]["lot_stock_id"], 3)
    stock.flow("run-9").take_snapshot(NINE)
    quants = stock.odoo("stock.quant", "search", [["product_id", "in", ids[2:]]])
    stock.odoo("stock.quant", "unlink", quants)            # Odoo now answers 2 rows of 20

    outcome = stock.flow("run-10").take_snapshot(TEN)

    assert outcome.status is SnapshotStatus.BLOCKED and outcome.rows == 2
    assert "row count within 50%–1000% of the previous snapshot (20 rows)" in outcome.reason
    assert outcome.good_path is None
    assert SnapshotHistory(stock.settings.history_root).hours() == ["date=2026-11-02/hour=09"]
    assert pq.read_table(outcome.path).num_rows == 2      # kept aside for a person to look at
    [alert] = stock.alerts
    assert "BLOCKED, nothing pushed" in alert.subject
