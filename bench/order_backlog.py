"""An order backlog drained into Odoo (issue 11): BENCH_ORDERS (default 10,000) demo-world orders waiting in
three stores (Shopify shopify-eu and shopify-us, WooCommerce woo-uk; the world at scale BENCH_ORDERS / 1000,
so 45/35/20 % of them, its planted bad orders included), drained by one production `OrderPull` per store —
three child processes at once, as the DAG's mapped tasks run — into the Odoo sandbox, which runs in its own
process and adds BENCH_ODOO_LATENCY_MS (default 50 ms) to every call: the round trip of a hosted Odoo that a
loopback server lacks. Figures: wall time, orders/s, Odoo RPC calls and create calls per order (the issue's
target is ≤ 0.1 create calls per order), server time per model.method, each pull's own peak memory
(its VmHWM) and the Odoo sandbox's.

Naive baseline in the same run, on BENCH_BASELINE_ORDERS (default 300) of the same orders read through the same
connectors, against a fresh copy of the same prepared Odoo with the same latency, through the same OdooClient:
per order, search the partner by email, create it if missing, create the sale order with its lines, confirm —
one call each. Its SKU → product map is read once up front (not charged per order), and it does no validation,
no invoice and no payment: a lower bound on what a naive loader costs. Its time per order is extrapolated to
the whole backlog. BENCH_PARTS=baseline (or pipeline) runs one of the two alone, on the same prepared world.

The Shopify sandboxes run with their throttle raised (BENCH_SHOPIFY_BUCKET / BENCH_SHOPIFY_RESTORE, default
20,000 / 20,000 points/s): Shopify's standard 100 points/s alone would take a quarter of an hour for 4,500
orders (bench/shopify_orders.py measures that), and this bench is about the Odoo side. Set them to 2000 / 100
for a standard plan. BENCH_ORDER_PROFILE=<dir> writes a cProfile of each pull there. Every BENCH_PROGRESS_S (default 120) seconds a
progress line (sale orders loaded, RPC and create calls so far, the pulls' peak memory) goes to stderr.

    python -m bench.order_backlog                 # the issue's size
    BENCH_ORDERS=300 python -m bench.order_backlog    # a quick run
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, nullcontext, suppress
from pathlib import Path

import httpx

from .sandbox_process import SandboxProcess

ORDERS = int(os.environ.get("BENCH_ORDERS", "10000"))
LATENCY_MS = float(os.environ.get("BENCH_ODOO_LATENCY_MS", "50"))
BASELINE_ORDERS = int(os.environ.get("BENCH_BASELINE_ORDERS", "300"))
SHOPIFY_BUCKET = os.environ.get("BENCH_SHOPIFY_BUCKET", "20000")
SHOPIFY_RESTORE = os.environ.get("BENCH_SHOPIFY_RESTORE", "20000")
PROFILE_DIR = os.environ.get("BENCH_ORDER_PROFILE")
STARTUP_S = float(os.environ.get("BENCH_STARTUP_S", "1800"))   # a store builds its world before it listens
PARTS = os.environ.get("BENCH_PARTS", "pipeline,baseline").split(",")   # either alone on a busy machine
PROGRESS_S = float(os.environ.get("BENCH_PROGRESS_S", "120"))
TIMEOUT_S = float(os.environ.get("BENCH_ODOO_TIMEOUT_S", "600"))   # a loaded machine makes big batches slow
SEED = 7                               # the storefront sandboxes' default world
ODOO_VERSION = "18"
API_KEY = "bench-" + "o" * 34
SHOP_TOKEN, WOO_KEY, WOO_SECRET = "shpat_bench", "ck_bench", "cs_bench"
ODOO_ENV = {"ODOO_SANDBOX_API_KEY": API_KEY, "ODOO_SANDBOX_PASSWORD": "bench", "ODOO_SANDBOX_ADMIN_PASSWORD": "bench"}
STORE_ENV = {"SHOPIFY_SANDBOX_TOKEN": SHOP_TOKEN, "WOO_SANDBOX_KEY": WOO_KEY, "WOO_SANDBOX_SECRET": WOO_SECRET}
STORES = {"shopify-eu": "shopify", "shopify-us": "shopify", "woo-uk": "woocommerce"}
CREATES = ("create", "load")            # the calls that make records (batched ones count once)


def scale() -> float:
    return ORDERS / 1000


def peak_rss_mib(pid: int | str = "self") -> float:
    """A process's own high-water mark (VmHWM; ru_maxrss would carry a parent's size across fork)."""
    with open(f"/proc/{pid}/status") as handle:
        line = next(line for line in handle if line.startswith("VmHWM:"))
    return round(int(line.split()[1]) / 1024, 1)


# ------------------------------------------------------------------------------------------ Odoo set up
def prepare_odoo(url: str) -> None:
    """The demo Odoo made ready for the world's orders, as the administrator would (in a child process)."""
    from retail_sync_sandbox.datagen.world import build_world
    from retail_sync_sandbox.demo_orders import prepare_for_orders
    from retail_sync_sandbox.odoo.app import OdooSandbox
    from retail_sync_sandbox.odoo.seed import SeedCredentials

    sandbox = OdooSandbox(int(ODOO_VERSION), db_url=url, credentials=SeedCredentials(
        "bench", integration_password="bench", integration_api_key=API_KEY))
    prepare_for_orders(sandbox, build_world(SEED, scale()))
    for db in sandbox.databases.values():
        db.engine.dispose()


def odoo_process(db_file: Path) -> SandboxProcess:
    return SandboxProcess("odoo", "--version", ODOO_VERSION, "--db", f"sqlite:///{db_file}", "--seed", "demo",
                          "--faults", json.dumps({"latency_ms": LATENCY_MS}), env=ODOO_ENV, startup_s=STARTUP_S)


def odoo_client(url: str):
    from retail_sync.odoo.client import OdooClient, OdooConfig

    return OdooClient(OdooConfig(url, "odoo", "retail-sync", API_KEY, timeout=TIMEOUT_S))


def odoo_stats(server: SandboxProcess) -> dict:
    # A busy sandbox answers after the call it is working on: as long as an RPC call may take.
    return httpx.get(f"{server.url}/sandbox/stats", headers=server.control, timeout=TIMEOUT_S).json()


def connector(channel: str, url: str):
    from retail_sync.channels.http import ChannelConfig

    config = ChannelConfig(channel, STORES[channel], url, channel.replace("-", "_"))
    if STORES[channel] == "shopify":
        from retail_sync.channels.shopify.connector import ShopifyConnector

        return ShopifyConnector(config, SHOP_TOKEN)
    from retail_sync.channels.woocommerce.connector import WooCommerceConnector

    return WooCommerceConnector(config, WOO_KEY, WOO_SECRET)


# ------------------------------------------------------------------------------------- the production pull
def pull_child(args: dict) -> dict:
    """In a child process: one store's backlog through the production OrderPull, as the DAG's task runs it."""
    import cProfile

    from retail_sync.flows.orders.pull import OrderPull, PullSettings
    from retail_sync.state.store import StateStore

    channel = args["channel"]
    client = odoo_client(args["odoo_url"])
    alerts: list = []
    sources: list = []

    def connect_channel(conn_id: str):
        sources.append(connector(channel, args["store_url"]))
        return sources[-1]

    pull = OrderPull(PullSettings(Path(args["workdir"]) / "staging"), StateStore(args["state_url"]),
                     lambda: nullcontext(client), connect_channel, alerts.append, "bench-backlog")
    profile = cProfile.Profile() if args.get("profile") else None
    started = time.perf_counter()
    if profile:
        profile.enable()
    result = pull.pull_channel(channel.replace("-", "_"))
    if profile:
        profile.disable()
        profile.dump_stats(args["profile"])
    wall = time.perf_counter() - started
    graphql = getattr(sources[0], "graphql", None)
    return {"channel": channel, "pull_s": round(wall, 2), "pages": result.pages, "counts": result.counts,
            "held": result.held, "odoo_calls": result.odoo_calls, "alerts": len(alerts),
            "shopify_paced_s": round(graphql.counters.paced_seconds, 1) if graphql else None,
            "latency_p50_s": result.latency_p50, "peak_rss_mib": peak_rss_mib()}


def run_pulls(odoo: SandboxProcess, stores: dict[str, SandboxProcess], workdir: Path) -> tuple[list[dict], float]:
    state_url = f"sqlite:///{workdir}/state.sqlite"
    children = {}
    started = time.perf_counter()
    for channel, server in stores.items():
        args = {"channel": channel, "odoo_url": odoo.url, "store_url": server.url, "state_url": state_url,
                "workdir": str(workdir / channel),
                "profile": str(Path(PROFILE_DIR) / f"{channel}.prof") if PROFILE_DIR else None}
        children[channel] = subprocess.Popen([sys.executable, "-m", "bench.order_backlog", "--child", json.dumps(args)],
                                             stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    watching = threading.Event()
    threading.Thread(target=report_progress, args=(odoo, children, started, watching), daemon=True).start()
    results = []
    for channel, child in children.items():
        out, _ = child.communicate()
        if child.returncode:
            raise RuntimeError(f"the pull of {channel} failed (exit {child.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    watching.set()
    return results, time.perf_counter() - started


def report_progress(odoo: SandboxProcess, children: dict[str, subprocess.Popen], started: float,
                    done: threading.Event) -> None:
    """Every BENCH_PROGRESS_S seconds, a line on stderr: how far the drain is (a 10,000-order run takes a while,
    and a run cut short still shows its rate), from the sandbox's own counters (no RPC call is added)."""
    while not done.wait(PROGRESS_S):
        try:
            stats = odoo_stats(odoo)["by_call"]
        except httpx.HTTPError:          # the sandbox stopping at the end of the drain
            continue
        creates = sum(row["calls"] for key, row in stats.items() if key.rsplit(".", 1)[-1] in CREATES)
        sale_orders = stats.get("sale.order.load", {}).get("records", 0)
        rss = {}
        for channel, child in children.items():
            with suppress(OSError, StopIteration):
                rss[channel] = peak_rss_mib(child.pid)
        print(json.dumps({"progress_s": round(time.perf_counter() - started), "sale_orders_loaded": sale_orders,
                          "rpc_calls": sum(r["calls"] for r in stats.values()), "create_calls": creates,
                          "pull_peak_rss_mib": rss}), file=sys.stderr, flush=True)


def pipeline(prepared: Path, stores: dict[str, SandboxProcess], workdir: Path) -> dict:
    db_file = workdir / "odoo.sqlite"
    shutil.copy(prepared, db_file)
    with odoo_process(db_file) as odoo:
        client = odoo_client(odoo.url)
        httpx.post(f"{odoo.url}/sandbox/stats/reset", headers=odoo.control).raise_for_status()
        pulls, wall = run_pulls(odoo, stores, workdir)
        stats = odoo_stats(odoo)
        odoo_peak = peak_rss_mib(odoo.process.pid)
        in_odoo = client.call("sale.order", "search_count", [])
        confirmed = client.call("sale.order", "search_count", [["state", "in", ["sale", "done"]]])
        invoices = client.call("account.move", "search_count", [["move_type", "=", "out_invoice"]])
    not_loaded = why_not_loaded(f"sqlite:///{workdir}/state.sqlite")
    counts: dict[str, int] = {}
    for pull in pulls:
        for what, n in pull["counts"].items():
            counts[what] = counts.get(what, 0) + n
    settled = sum(counts.values())
    creates = sum(row["calls"] for key, row in stats["by_call"].items() if key.rsplit(".", 1)[-1] in CREATES)
    # Where Odoo's time goes, every model.method by server seconds: the hot spots of the flow's calls.
    hot = sorted(stats["by_call"].items(), key=lambda item: -item[1]["seconds"])
    return {"wall_s": round(wall, 1), "orders_settled": settled, "counts": counts,
            "held": sum(p["held"] for p in pulls),
            "orders_per_s": round(settled / wall, 1), "sale_orders_in_odoo": in_odoo, "confirmed": confirmed,
            "invoices": invoices, "rpc_calls": stats["calls"], "rpc_calls_per_order": round(stats["calls"] / settled, 3),
            "create_calls": creates, "create_calls_per_order": round(creates / settled, 4),
            "odoo_server_busy_s": round(sum(r["seconds"] for r in stats["by_call"].values()), 1),
            "odoo_server_by_call": {k: {"calls": r["calls"], "s": round(r["seconds"], 1), "records": r["records"]}
                                    for k, r in hot},
            "odoo_peak_rss_mib": odoo_peak, "pulls": pulls,
            "pull_peak_rss_mib": max(p["peak_rss_mib"] for p in pulls), "not_loaded_by_reason": not_loaded}


def why_not_loaded(state_url: str) -> dict[str, int]:
    """The orders left in the dead-letter queue (quarantined or dead-lettered), counted by stage and reason
    (its first line, masked, quoted values and words with digits — SKUs, amounts — folded so one reason is one
    line)."""
    import re
    from collections import Counter

    from retail_sync.alerts.masking import mask_text
    from retail_sync.state.store import StateStore

    folded = Counter()
    for letter in StateStore(state_url).dead_letters():
        reason = re.sub(r"'[^']*'|\"[^\"]*\"|[^\s:;,]*\d[^\s:;,]*", "…", mask_text((letter.error or "").splitlines()[0]))
        folded[f"{letter.stage}: {reason[:120]}"] += 1
    return dict(folded.most_common())


# ----------------------------------------------------------------------------------------- naive baseline
def sample_orders(stores: dict[str, SandboxProcess], wanted: int) -> list[tuple[dict, list[dict]]]:
    """The first orders of each store (by its share of the backlog), as the connectors read them."""
    from retail_sync_sandbox.datagen.world import STORES as WORLD_STORES

    shares = {s.channel: s.share for s in WORLD_STORES}
    sample = []
    for channel, server in stores.items():
        want = max(1, round(wanted * shares[channel]))
        got: list[tuple[dict, list[dict]]] = []
        with connector(channel, server.url) as source:
            for page in source.pages("orders"):
                lines = page.tables["lines"].to_pylist()
                for order in page.tables["orders"].to_pylist():
                    got.append((order, [line for line in lines if line["order_key"] == order["key"]]))
                if len(got) >= want:
                    break
        sample += got[:want]
    return sample


def naive(prepared: Path, stores: dict[str, SandboxProcess], workdir: Path) -> dict:
    sample = sample_orders(stores, BASELINE_ORDERS)
    db_file = workdir / "odoo-naive.sqlite"
    shutil.copy(prepared, db_file)
    with odoo_process(db_file) as odoo:
        client = odoo_client(odoo.url)
        skus = {line["sku"] for _, lines in sample for line in lines} | {"SHIP"}
        products = {p["default_code"]: p["id"] for p in client.call(
            "product.product", "search_read", [["default_code", "in", sorted(s for s in skus if s)]],
            ["default_code"])}
        httpx.post(f"{odoo.url}/sandbox/stats/reset", headers=odoo.control).raise_for_status()
        per_order, failed = [], 0
        started = time.perf_counter()
        for order, lines in sample:
            begun = time.perf_counter()
            try:
                naive_order(client, order, lines, products)
            except Exception:   # a bad order (unknown SKU …) fails as it would for a naive loader
                failed += 1
            per_order.append(time.perf_counter() - begun)
        wall = time.perf_counter() - started
        stats = odoo_stats(odoo)
    calls, mean = stats["calls"], wall / len(sample)
    creates = sum(row["calls"] for key, row in stats["by_call"].items() if key.rsplit(".", 1)[-1] in CREATES)
    return {"orders": len(sample), "failed": failed, "wall_s": round(wall, 1), "rpc_calls": calls,
            "rpc_calls_per_order": round(calls / len(sample), 2),
            "create_calls_per_order": round(creates / len(sample), 2),
            "median_order_s": round(statistics.median(per_order), 3), "orders_per_s": round(len(sample) / wall, 1),
            "projected_wall_s_for_backlog": round(mean * ORDERS)}


def naive_order(client, order: dict, lines: list[dict], products: dict[str, int]) -> None:
    """Search partner, create partner, create sale order, confirm: one call each."""
    found = client.call("res.partner", "search", [["email", "=", order["email"] or ""]], limit=1)
    partner = found[0] if found else client.call("res.partner", "create", {
        "name": order["billing_name"] or order["email"] or order["name"], "email": order["email"],
        "phone": order["phone"]})
    order_lines = [(0, 0, {"product_id": products[line["sku"]], "product_uom_qty": line["quantity"],
                           "price_unit": float(line["unit_price"])}) for line in lines]
    if order["shipping_total"]:
        order_lines.append((0, 0, {"product_id": products["SHIP"], "product_uom_qty": 1,
                                   "price_unit": float(order["shipping_total"])}))
    sale = client.call("sale.order", "create", {"partner_id": partner, "client_order_ref": order["name"],
                                                "origin": order["channel"], "order_line": order_lines})
    client.call("sale.order", "action_confirm", [sale])


# ------------------------------------------------------------------------------------------------- run
def main() -> None:
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as running:
        work = Path(tmp)
        prepared = work / "prepared.sqlite"
        started = time.perf_counter()
        preparing = multiprocessing.get_context("spawn").Process(target=prepare_odoo, args=(f"sqlite:///{prepared}",))
        preparing.start()
        # The stores build their worlds at once (each takes minutes at 10,000 orders), then are waited for.
        stores = {}
        for channel, platform in STORES.items():
            stores[channel] = SandboxProcess(
                platform, "--store", channel, "--seed", str(SEED), "--scale", f"{scale():g}",
                *(("--bucket", SHOPIFY_BUCKET, "--restore-rate", SHOPIFY_RESTORE) if platform == "shopify" else ()),
                env=STORE_ENV, startup_s=STARTUP_S).start()
            running.push(stores[channel])          # stopped on leaving, ready or not
        for store in stores.values():
            store.ready()
        preparing.join()
        if preparing.exitcode:
            raise RuntimeError("preparing the Odoo sandbox for the orders failed")
        setup_s = time.perf_counter() - started
        (work / "pipeline").mkdir()
        figures = pipeline(prepared, stores, work / "pipeline") if "pipeline" in PARTS else None
        baseline = naive(prepared, stores, work) if "baseline" in PARTS else None
    result = {"bench": "order_backlog", "orders_waiting": ORDERS, "stores": list(STORES),
              "odoo_latency_ms_per_call": LATENCY_MS, "odoo_version": int(ODOO_VERSION),
              "shopify_throttle": {"bucket": float(SHOPIFY_BUCKET), "restore_per_s": float(SHOPIFY_RESTORE)},
              "load_average_at_start": [round(x, 1) for x in load], "setup_s": round(setup_s, 1),
              "pipeline": figures, "naive_baseline": baseline}
    if figures and baseline:
        result.update(speed_ratio_pipeline_vs_naive=round(figures["orders_per_s"] / baseline["orders_per_s"], 1),
                      calls_ratio_naive_vs_pipeline=round(baseline["rpc_calls_per_order"]
                                                          / figures["rpc_calls_per_order"], 1))
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(pull_child(json.loads(sys.argv[2]))))
    else:
        main()
