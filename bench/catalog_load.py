"""Publish a generated 50,000-SKU feed into the Odoo sandbox: first load, unchanged re-run, and a
re-run with 1% of prices changed; against a naive loader (one search + one create/write per SKU).

The sandbox runs in its own process, so `client_cpu_us_per_row` is the pipeline's own cost.
`first_load_margin` is the client CPU of a first load at two feed sizes against a sandbox without added latency
(median of BENCH_MARGIN_REPEATS fresh sandboxes each): the cost per row at the margin, (cpu(large) - cpu(small)) /
(large - small), and the fixed cost it leaves (`python -m bench.catalog_load --margin` runs only that part, with the naive loader's client CPU per row on
MARGIN_BASELINE_SKUS against the same bare sandbox beside it, and prints the figures in one line on stderr).
The naive baseline runs on a sample (BASELINE_SKUS) to keep `make bench` short; its rates are per row.
Both talk to a sandbox that adds BENCH_ODOO_LATENCY_MS (default 20 ms) to every call, the request cost
of a hosted Odoo that a loopback server does not have.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyarrow.parquet as pq

from retail_sync.feeds.pim import read_feed
from retail_sync.flows.catalog.plan import CatalogPlan
from retail_sync.flows.catalog.publish import publish_catalog
from retail_sync.flows.catalog.settings import CatalogSettings
from retail_sync.flows.catalog.validate import validate_feed
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.state.store import StateStore
from retail_sync_sandbox.datagen.catalog import catalog_rows, write_catalog_csv

from .sandbox_process import SandboxProcess

SKUS = int(os.environ.get("BENCH_SKUS", "50000"))
# Per-call cost of a hosted Odoo (network round trip + request setup) that the loopback sandbox lacks;
# set 0 to measure the bare sandbox. Applied to the pipeline and the baseline alike.
LATENCY_MS = float(os.environ.get("BENCH_ODOO_LATENCY_MS", "20"))
MARGIN_SKUS = tuple(int(n) for n in os.environ.get("BENCH_MARGIN_SKUS", "500,4000").split(","))
MARGIN_REPEATS = int(os.environ.get("BENCH_MARGIN_REPEATS", "3"))
BASELINE_SKUS = int(os.environ.get("BENCH_BASELINE_SKUS", "5000"))
MARGIN_BASELINE_SKUS = int(os.environ.get("BENCH_MARGIN_BASELINE_SKUS", "500"))   # the naive loader beside --margin
# Seconds a call may take: a first load's attribute-line chunk keeps a slow (loaded) sandbox busy for minutes.
TIMEOUT_S = float(os.environ.get("BENCH_ODOO_TIMEOUT_S", "600"))
API_KEY = "bench-" + "c" * 34
ENV = {"ODOO_SANDBOX_API_KEY": API_KEY, "ODOO_SANDBOX_PASSWORD": "bench", "ODOO_SANDBOX_ADMIN_PASSWORD": "bench"}


def measured(func, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def pipeline(workdir: Path, rows: list[dict]) -> dict:
    figures = {}
    with SandboxProcess("odoo", "--version", "18", "--seed", "demo", "--faults",
                        json.dumps({"latency_ms": LATENCY_MS}), env=ENV) as server:
        client = OdooClient(OdooConfig(server.url, "odoo", "retail-sync", API_KEY, timeout=TIMEOUT_S))
        store = StateStore(f"sqlite:///{workdir}/state.sqlite")
        settings = CatalogSettings(staging_root=workdir / "staging")
        changed = [dict(r) for r in rows]
        for row in changed[:: 100]:
            row["list_price"] = f"{float(row['list_price']) + 1:.2f}"
        for label, feed_rows in (("first", rows), ("unchanged", list(reversed(rows))), ("changed_1pct", changed)):
            uri = str(write_catalog_csv(workdir / f"{label}.csv", feed_rows))
            # The stages of CatalogFlow.publish_file, timed apart: read + validate, then map + load.
            validated, validate_s, _ = measured(
                lambda u, lbl: validate_feed(read_feed(u), workdir / lbl, settings, store, lbl, lambda alert: None),
                uri, label)
            httpx.post(f"{server.url}/sandbox/stats/reset", headers=server.control)
            result, wall, cpu = measured(publish_catalog, validated.good_path, client, store, settings, label)
            stats = httpx.get(f"{server.url}/sandbox/stats", headers=server.control).json()
            # The planning share of the client's CPU (read the file, templates, digests; no Odoo, no ledger).
            _, _, plan_cpu = measured(lambda path: CatalogPlan(pq.read_table(path)), validated.good_path)
            writes = sum(v["calls"] for k, v in stats["by_call"].items()
                         if k.rsplit(".", 1)[1] in ("load", "create", "write", "unlink"))
            figures[label] = {"validate_s": round(validate_s, 2), "publish_s": round(wall, 2),
                              "rpc_calls": stats["calls"], "write_calls": writes, "rows_loaded": result.loaded,
                              "rows_per_s": round(len(feed_rows) / wall) if wall else None,
                              "client_cpu_us_per_row": round(cpu / len(feed_rows) * 1e6, 1),
                              "plan_cpu_us_per_row": round(plan_cpu / len(feed_rows) * 1e6, 1)}
    return figures


def first_load_cpu(workdir: Path, rows: list[dict]) -> float:
    """Client CPU seconds of one first load (publish only) into a fresh sandbox without added latency."""
    with SandboxProcess("odoo", "--version", "18", "--seed", "demo", "--faults", json.dumps({"latency_ms": 0}),
                        env=ENV) as server:
        client = OdooClient(OdooConfig(server.url, "odoo", "retail-sync", API_KEY, timeout=TIMEOUT_S))
        store = StateStore(f"sqlite:///{workdir}/state.sqlite")
        settings = CatalogSettings(staging_root=workdir / "staging")
        uri = str(write_catalog_csv(workdir / "first.csv", rows))
        validated = validate_feed(read_feed(uri), workdir / "first", settings, store, "first", lambda alert: None)
        result, _wall, cpu = measured(publish_catalog, validated.good_path, client, store, settings, "first")
        client.close()
        if result.loaded != len(rows):
            raise RuntimeError(f"first load of {len(rows)} SKUs loaded {result.loaded}: {result.failures}")
    return cpu


def first_load_margin(sizes: tuple[int, ...] = MARGIN_SKUS, repeats: int = MARGIN_REPEATS) -> dict:
    """Median client CPU of a first load at each size, and the cost per row at the margin between the
    smallest and the largest (what a row adds, whatever a publish costs once)."""
    medians = {}
    for size in sizes:
        rows = catalog_rows(size, seed=42)
        runs = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(first_load_cpu(Path(tmp), rows))
        medians[size] = statistics.median(runs)
    small, large = min(sizes), max(sizes)
    per_row = (medians[large] - medians[small]) / (large - small)
    return {"cpu_s_median": {str(n): round(s, 3) for n, s in medians.items()}, "repeats": repeats,
            "cpu_us_per_row_at_margin": round(per_row * 1e6, 1),
            "fixed_cpu_s": round(medians[small] - per_row * small, 3)}


def naive(rows: list[dict], latency_ms: float = LATENCY_MS) -> dict:
    """What a first integration usually does: per SKU, search by reference, then create or write."""
    with SandboxProcess("odoo", "--version", "18", "--seed", "demo", "--faults",
                        json.dumps({"latency_ms": latency_ms}), env=ENV) as server:
        client = OdooClient(OdooConfig(server.url, "odoo", "retail-sync", API_KEY, timeout=TIMEOUT_S))
        category = client.call("product.category", "search", [["name", "=", "All"]], limit=1)[0]

        def run():
            for row in rows:
                found = client.call("product.product", "search", [["default_code", "=", row["sku"]]], limit=1)
                vals = {"name": row["name"], "list_price": float(row["list_price"]), "categ_id": category,
                        "barcode": row["barcode"], "standard_price": float(row["cost"]), "default_code": row["sku"]}
                if found:
                    client.call("product.product", "write", found, vals)
                else:
                    client.call("product.product", "create", vals)

        httpx.post(f"{server.url}/sandbox/stats/reset", headers=server.control)
        _, wall, cpu = measured(run)
        calls = httpx.get(f"{server.url}/sandbox/stats", headers=server.control).json()["calls"]
    return {"rows": len(rows), "publish_s": round(wall, 2), "rpc_calls": calls,
            "rpc_calls_per_row": round(calls / len(rows), 2), "rows_per_s": round(len(rows) / wall),
            "client_cpu_us_per_row": round(cpu / len(rows) * 1e6, 1)}


def main() -> None:
    if "--margin" in sys.argv[1:]:
        margin = first_load_margin()
        # The naive loader's client CPU per row in the same run (same machine load), against the same bare sandbox.
        baseline = naive(catalog_rows(MARGIN_BASELINE_SKUS, seed=42), latency_ms=0)
        print(f"first-load client CPU at the margin: {margin['cpu_us_per_row_at_margin']} µs/row "
              f"(goal < 50), fixed {margin['fixed_cpu_s'] * 1000:.0f} ms per publish; naive loader in the same run: "
              f"{baseline['client_cpu_us_per_row']} µs/row ({baseline['rows']} SKUs, "
              f"{baseline['rpc_calls_per_row']} calls/row)", file=sys.stderr)
        print(json.dumps({"bench": "catalog_first_load_margin", **margin, "naive_baseline": baseline}))
        return
    rows = catalog_rows(SKUS, seed=42)
    with tempfile.TemporaryDirectory() as tmp:
        figures = pipeline(Path(tmp), rows)
    baseline = naive(rows[:BASELINE_SKUS])
    first = figures["first"]
    result = {
        "bench": "catalog_load", "skus": SKUS, "odoo_latency_ms_per_call": LATENCY_MS, "pipeline": figures, "naive_baseline": baseline,
        "first_load_calls_per_row": round(first["rpc_calls"] / SKUS, 4),
        "calls_ratio_naive_vs_pipeline": round(baseline["rpc_calls_per_row"] / (first["rpc_calls"] / SKUS), 1),
        "speed_ratio_pipeline_vs_naive": round(first["rows_per_s"] / baseline["rows_per_s"], 1),
        "first_load_margin": first_load_margin(),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
