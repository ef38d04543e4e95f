"""Inventory snapshot figures (issue 12): the snapshot of SKUS × LOCATIONS quants read from the Odoo sandbox
(own process) — wall time, Odoo calls, peak memory, bytes on disk — with the write compared to reading the
same snapshot back with pyarrow alone; the mismatch computation for MISMATCH_SKUS SKUs × 3 channels compared
to reading its inputs with pyarrow alone; and the Shopify correction push of PUSH_SCALE's catalog (5,000
levels at scale 25) against a sandbox with Shopify's standard throttle (requests, time, throttled answers).

Defaults are scaled down from the issue's 1,000,000 quants (100k SKUs × 10 locations) to 100,000
(BENCH_INVENTORY_SKUS=10000): seeding a million quants into the SQLite sandbox alone takes minutes. Set
BENCH_INVENTORY_SKUS=100000 for the issue's figure. The quants are inserted into the sandbox's database
directly (an Odoo count per quant would take hours), then served by a sandbox process of its own.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import resource
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa

from retail_sync.canonical.inventory import INVENTORY_LEVEL_SCHEMA
from retail_sync.channels.http import ChannelConfig
from retail_sync.channels.shopify.connector import ShopifyConnector
from retail_sync.flows.inventory.compare import compare_levels
from retail_sync.flows.inventory.flow import InventoryFlow
from retail_sync.flows.inventory.history import SnapshotHistory
from retail_sync.flows.inventory.push import push_shopify
from retail_sync.flows.inventory.read import read_stock
from retail_sync.flows.inventory.settings import ChannelTarget, InventorySettings
from retail_sync.flows.inventory.snapshot import build_snapshot
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.state.store import StateStore

from .sandbox_process import SandboxProcess

SKUS = int(os.environ.get("BENCH_INVENTORY_SKUS", "10000"))
LOCATIONS = int(os.environ.get("BENCH_INVENTORY_LOCATIONS", "10"))
MISMATCH_SKUS = int(os.environ.get("BENCH_INVENTORY_MISMATCH_SKUS", "100000"))
PUSH_SCALE = float(os.environ.get("BENCH_INVENTORY_PUSH_SCALE", "5"))
API_KEY = "bench-" + "i" * 34
ENV = {"ODOO_SANDBOX_API_KEY": API_KEY, "ODOO_SANDBOX_PASSWORD": "bench", "ODOO_SANDBOX_ADMIN_PASSWORD": "bench"}
SHOP_TOKEN = "shpat_bench"


def seed(url: str, skus: int, locations: int) -> None:
    """The demo Odoo plus `skus` storable products with one quant in each of `locations` shelves."""
    from retail_sync_sandbox.odoo.app import OdooSandbox
    from retail_sync_sandbox.odoo.seed import SeedCredentials

    sandbox = OdooSandbox(18, db_url=url, credentials=SeedCredentials("bench", integration_password="bench",
                                                                       integration_api_key=API_KEY))
    db = sandbox.databases["odoo"]

    def call(model, method, *args, **kwargs):
        return sandbox.service.call_kw(db, 2, model, method, list(args), kwargs)

    stocks = [w["lot_stock_id"][0] for w in call("stock.warehouse", "search_read", [], ["lot_stock_id"])]
    shelves = [call("stock.location", "create", {"name": f"Shelf {i}", "usage": "internal",
                                                 "location_id": stocks[i % len(stocks)]}) for i in range(locations)]
    [first] = call("product.product", "create", [{"name": "SKU 0", "default_code": "SKU-0000000", "type": "consu",
                                                  "is_storable": True}])
    call("stock.quant", "create", {"product_id": first, "location_id": shelves[0], "inventory_quantity_auto_apply": 1},
         context={"inventory_mode": True})
    meta = sa.MetaData()
    meta.reflect(db.engine, only=["product_template", "product_product", "stock_quant"])
    rng = random.Random(12)
    with db.engine.begin() as conn:
        copies = {}
        for name in ("product_template", "product_product", "stock_quant"):
            table = meta.tables[name]
            copies[name] = dict(conn.execute(sa.select(table).order_by(table.c.id.desc()).limit(1)).one()._mapping)
        template, product, quant = (meta.tables[n] for n in ("product_template", "product_product", "stock_quant"))
        start_t, start_p = copies["product_template"]["id"] + 1, copies["product_product"]["id"] + 1
        conn.execute(sa.delete(quant))
        conn.execute(template.insert(), [{**copies["product_template"], "id": start_t + i, "name": f"SKU {i}"}
                                         for i in range(skus)])
        conn.execute(product.insert(), [{**copies["product_product"], "id": start_p + i, "product_tmpl_id": start_t + i,
                                         "default_code": f"SKU-{i:07d}"} for i in range(skus)])
        rows, next_id = [], 1
        for i in range(skus):
            for shelf in shelves:
                on_hand = rng.randrange(0, 50)
                rows.append({**copies["stock_quant"], "id": next_id, "product_id": start_p + i, "location_id": shelf,
                             "quantity": float(on_hand), "reserved_quantity": float(min(on_hand, rng.randrange(0, 3)))})
                next_id += 1
            if len(rows) >= 50_000:
                conn.execute(quant.insert(), rows)
                rows = []
        if rows:
            conn.execute(quant.insert(), rows)
    db.engine.dispose()


def timed(func, *args):
    started = time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - started


def snapshot_figures(workdir: Path) -> dict:
    url = f"sqlite:///{workdir}/odoo.sqlite"
    seeding = multiprocessing.get_context("spawn").Process(target=seed, args=(url, SKUS, LOCATIONS))
    seeding.start()
    seeding.join()
    with SandboxProcess("odoo", "--version", "18", "--db", url, "--seed", "demo", env=ENV) as server:
        client = OdooClient(OdooConfig(server.url, "odoo", "retail-sync", API_KEY))
        client.uid  # noqa: B018  (log in before timing)
        settings = InventorySettings(staging_root=workdir / "staging", page_size=5000, max_row_ratio=1e9)
        flow = InventoryFlow(settings, StateStore(f"sqlite:///{workdir}/state.sqlite"), lambda: nullcontext(client),
                             lambda conn_id: None, lambda alert: None, "bench")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        outcome, total_s = timed(flow.take_snapshot)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        _, warm_s = timed(flow.take_snapshot)       # again, without GX's one-off import (a task process pays it)
        # The stages apart: the read (Odoo's share), the aggregation, the history write.
        stock, read_s = timed(read_stock, client, settings.page_size)
    snapshot, aggregate_s = timed(build_snapshot, stock, pc.max(pq.read_table(outcome.path)["snapshot_at"]).as_py())
    history = SnapshotHistory(str(workdir / "again"))
    path, write_s = timed(history.write, snapshot, snapshot["snapshot_at"][0].as_py())
    _, pyarrow_read_s = timed(pq.read_table, path)
    return {"quants": stock.quants.num_rows, "snapshot_rows": outcome.rows, "odoo_calls": outcome.odoo_calls,
            "take_snapshot_first_s": round(total_s, 2), "take_snapshot_s": round(warm_s, 2),
            "odoo_read_s": round(read_s, 2),
            "aggregate_s": round(aggregate_s, 3), "write_s": round(write_s, 3),
            "pyarrow_read_back_s": round(pyarrow_read_s, 3),
            "write_vs_pyarrow_read": round(write_s / pyarrow_read_s, 1),
            "bytes_on_disk": Path(outcome.path).stat().st_size,
            "peak_rss_mib": round(max(rss_before, rss_after) / 1024)}


def mismatch_figures(workdir: Path) -> dict:
    rng = random.Random(3)
    skus = [f"SKU-{i:07d}" for i in range(MISMATCH_SKUS)]
    available = [float(rng.randrange(0, 50)) for _ in skus]
    good = pa.table({"snapshot_at": pa.repeat(pa.scalar(0, pa.timestamp("s", "UTC")), len(skus)),
                     "warehouse": pa.repeat(pa.scalar("WH"), len(skus)), "sku": skus,
                     "product_id": range(len(skus)), "on_hand": available, "reserved": [0.0] * len(skus),
                     "available": available, "quants": [1] * len(skus)})
    channels = []
    for n in range(3):
        shown = [int(a) + (rng.choice([-2, 1, 3]) if rng.random() < 0.05 else 0) for a in available]
        channels.append(pa.table({"key": skus, "channel": [f"shop-{n}"] * len(skus), "sku": skus,
                                  "location_id": [f"loc-{n}"] * len(skus), "inventory_item_id": skus,
                                  "available": shown, "updated_at": pa.nulls(len(skus), pa.timestamp("s", "UTC"))},
                                 schema=INVENTORY_LEVEL_SCHEMA))
    pq.write_table(good, workdir / "good.parquet")
    for n, table in enumerate(channels):
        pq.write_table(table, workdir / f"levels-{n}.parquet")
    odoo_skus = good["sku"].combine_chunks()
    started = time.perf_counter()
    mismatches = sum(compare_levels(good, good.schema.empty_table(), odoo_skus, channels[n],
                                    ChannelTarget(f"c{n}", {"WH": f"loc-{n}"}), f"shop-{n}").num_rows
                     for n in range(3))
    compare_s = time.perf_counter() - started
    started = time.perf_counter()
    pq.read_table(workdir / "good.parquet")
    for n in range(3):
        pq.read_table(workdir / f"levels-{n}.parquet")
    read_s = time.perf_counter() - started
    return {"skus": MISMATCH_SKUS, "channels": 3, "mismatches": mismatches, "compare_s": round(compare_s, 3),
            "pyarrow_read_inputs_s": round(read_s, 3), "compare_vs_pyarrow_read": round(compare_s / read_s, 1)}


def push_figures() -> dict:
    # Shopify's standard plan: a 1,000-point bucket restoring 100 points a second.
    with SandboxProcess("shopify", "--scale", str(PUSH_SCALE), "--bucket", "1000", "--restore-rate", "100",
                        env={"SHOPIFY_SANDBOX_TOKEN": SHOP_TOKEN}) as server:
        config = ChannelConfig("shopify-eu", "shopify", server.url, "shopify_bench")
        with ShopifyConnector(config, SHOP_TOKEN) as shop:
            [location] = [loc["id"] for loc in shop.locations()]
            levels = shop.location_levels(location)
            report = pa.table({"kind": pa.repeat(pa.scalar("level_differs"), levels.num_rows),
                               "location_id": levels["location_id"], "sku": levels["sku"],
                               "inventory_item_id": levels["inventory_item_id"],
                               "target": pc.add(levels["available"], 1), "channel_available": levels["available"]})
            requests_before = shop.graphql.counters.requests
            result, push_s = timed(push_shopify, shop, report, 250, 3)
            counters = shop.graphql.counters
    return {"levels": result.pushed, "push_s": round(push_s, 2), "requests": counters.requests - requests_before,
            "throttled": counters.throttled, "http_retries": shop.http.counters.retries,
            "paced_s": round(counters.paced_seconds, 2), "failed": len(result.failed)}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "mismatch").mkdir()
        result = {"bench": "inventory_snapshot", "scaled_down_from_issue": SKUS * LOCATIONS < 1_000_000,
                  "snapshot": snapshot_figures(work), "mismatch": mismatch_figures(work / "mismatch"),
                  "push": push_figures()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
