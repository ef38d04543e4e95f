"""Publish a generated 50,000-SKU feed into the Odoo sandbox: first load, unchanged re-run, and a
re-run with 1% of prices changed; against a naive loader (one search + one create/write per SKU).

The sandbox runs in its own process, so `client_cpu_us_per_row` is the pipeline's own cost.
`first_load_margin` is the client CPU of a first load at two feed sizes against a sandbox without added latency
(median of BENCH_MARGIN_REPEATS fresh sandboxes each, each publish in a fresh process as a publish task is): the
cost per row at the margin, (cpu(large) - cpu(small)) / (large - small), and the fixed cost it leaves.
`python -m bench.catalog_load --margin` runs only that part, with the naive loader's client CPU per row on
MARGIN_BASELINE_SKUS against the same bare sandbox beside it, and prints the figures in one line on stderr.
The naive baseline runs on a sample (BASELINE_SKUS) to keep `make bench` short; its rates are per row.
Both talk to a sandbox that adds BENCH_ODOO_LATENCY_MS (default 20 ms) to every call, the request cost
of a hosted Odoo that a loopback server does not have.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
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
MARGIN_SKUS = tuple(int(n) for n in os.environ.get("BENCH_MARGIN_SKUS", "500,8000").split(","))
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


def validated_feed(workdir: Path, rows: list[dict]) -> str:
    """The validated (good) file of a feed of `rows`, as the publish task takes it."""
    workdir.mkdir(parents=True, exist_ok=True)
    store = StateStore(f"sqlite:///{workdir}/validate.sqlite")
    settings = CatalogSettings(staging_root=workdir / "staging")
    uri = str(write_catalog_csv(workdir / "first.csv", rows))
    return validate_feed(read_feed(uri), workdir / "first", settings, store, "first", lambda alert: None).good_path


def first_load_cpu(good_path: str) -> dict[str, float]:
    """Client CPU of one first load (publish only) of a validated file into a fresh sandbox without added
    latency, in a process of its own: a publish task starts with none of what an earlier publish in the same
    process would have cached (external id names) or left allocated. Seconds of CPU (user + system), of each,
    and the page faults taken (the system share is mostly the heap's growth)."""
    done = subprocess.run([sys.executable, "-m", "bench.catalog_load", "--publish-cpu", good_path],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"first load of {good_path} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def publish_cpu(good_path: str) -> dict[str, float]:
    """`first_load_cpu`'s child: publish the file once; what it cost the client."""
    with SandboxProcess("odoo", "--version", "18", "--seed", "demo", "--faults", json.dumps({"latency_ms": 0}),
                        env=ENV) as server, tempfile.TemporaryDirectory() as tmp:
        client = OdooClient(OdooConfig(server.url, "odoo", "retail-sync", API_KEY, timeout=TIMEOUT_S))
        client.uid    # noqa: B018  (the login is a per-process cost, not the publish's)
        store = StateStore(f"sqlite:///{tmp}/state.sqlite")
        settings = CatalogSettings(staging_root=Path(tmp) / "staging")
        before = resource.getrusage(resource.RUSAGE_SELF)
        result = publish_catalog(good_path, client, store, settings, "first")
        after = resource.getrusage(resource.RUSAGE_SELF)
        client.close()
        if result.loaded != result.rows:
            raise RuntimeError(f"first load of {result.rows} SKUs loaded {result.loaded}: {result.failures}")
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    return {"cpu_s": user + system, "user_s": user, "system_s": system,
            "page_faults": after.ru_minflt - before.ru_minflt}


def first_load_margin(sizes: tuple[int, ...] = MARGIN_SKUS, repeats: int = MARGIN_REPEATS) -> dict:
    """Median client CPU of a first load at each size, and the cost per row at the margin between the
    smallest and the largest (what a row adds, whatever a publish costs once). The sizes take turns, so that
    a change in the machine's speed during the run weighs on both alike."""
    runs: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
    with tempfile.TemporaryDirectory() as tmp:
        good = {size: validated_feed(Path(tmp) / str(size), catalog_rows(size, seed=42)) for size in sizes}
        for _ in range(repeats):
            for size in sizes:
                runs[size].append(first_load_cpu(good[size]))
    small, large = min(sizes), max(sizes)

    def median(size: int, figure: str) -> float:
        return statistics.median(run[figure] for run in runs[size])

    def at_margin(figure: str) -> float:
        return (median(large, figure) - median(small, figure)) / (large - small)

    per_row = at_margin("cpu_s")
    return {"cpu_s_median": {str(n): round(median(n, "cpu_s"), 3) for n in sizes}, "repeats": repeats,
            "cpu_us_per_row_at_margin": round(per_row * 1e6, 1),
            "user_us_per_row_at_margin": round(at_margin("user_s") * 1e6, 1),
            "system_us_per_row_at_margin": round(at_margin("system_s") * 1e6, 1),
            "page_faults_per_row_at_margin": round(at_margin("page_faults"), 2),
            "fixed_cpu_s": round(median(small, "cpu_s") - per_row * small, 3)}


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
    if sys.argv[1:2] == ["--publish-cpu"]:
        print(json.dumps(publish_cpu(sys.argv[2])))
        return
    if "--margin" in sys.argv[1:]:
        margin = first_load_margin()
        # The naive loader's client CPU per row in the same run (same machine load), against the same bare sandbox.
        baseline = naive(catalog_rows(MARGIN_BASELINE_SKUS, seed=42), latency_ms=0)
        print(f"first-load client CPU at the margin: {margin['cpu_us_per_row_at_margin']} µs/row "
              f"(goal < 50; user {margin['user_us_per_row_at_margin']}, system {margin['system_us_per_row_at_margin']}, "
              f"{margin['page_faults_per_row_at_margin']} page faults/row), fixed {margin['fixed_cpu_s'] * 1000:.0f} ms per publish; naive loader in the same run: "
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
