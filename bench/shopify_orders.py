"""Pull BENCH_SHOPIFY_ORDERS (default 20,000) Shopify orders from the sandbox (its own process):
paged through the connector and by bulk operation, with the default throttle (2,000-point bucket,
100 points/s) and with it raised; against a naive client (no cost tracking, a fixed 1 s sleep when
THROTTLED) in the same run.

At the default throttle a paged pull of 20,000 rich orders takes over an hour by design (that is
what bulk operations are for), so the throttled paged runs are time-boxed to BENCH_THROTTLED_SECONDS
and report their rate and the projected time for all orders. Prints one JSON line per scenario.
"""

from __future__ import annotations

import json
import os
import time
import tracemalloc

import httpx

from retail_sync.channels.http import ChannelConfig
from retail_sync.channels.shopify.connector import ShopifyConnector

from .sandbox_process import SandboxProcess

ORDERS = int(os.environ.get("BENCH_SHOPIFY_ORDERS", "20000"))
THROTTLED_SECONDS = float(os.environ.get("BENCH_THROTTLED_SECONDS", "30"))
TOKEN = "shpat_bench"
SHARE = 0.45          # shopify-eu's share of the world's orders
DEFAULT = {"maximumAvailable": 2000, "restoreRate": 100}
RAISED = {"maximumAvailable": 20000, "restoreRate": 20000}


def scenario(server, name: str, throttle: dict, pace: bool, bulk: bool, time_box: float | None) -> dict:
    httpx.put(f"{server.url}/sandbox/throttle", json=throttle, headers=server.control).raise_for_status()
    httpx.post(f"{server.url}/sandbox/stats/reset", headers=server.control).raise_for_status()
    config = ChannelConfig("shopify-eu", "shopify", server.url, "shopify_eu")
    tracemalloc.start()
    started = time.perf_counter()
    count = 0
    with ShopifyConnector(config, TOKEN, page_size=25, pace=pace) as shop:
        pages = shop.bulk_orders(poll_seconds=0.5) if bulk else shop.orders()
        for page in pages:
            count += page.record_count
            if time_box and time.perf_counter() - started > time_box:
                break
        counters = shop.graphql.counters
        page_size = shop.page_size
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    stats = httpx.get(f"{server.url}/sandbox/stats", headers=server.control).json()
    rate = count / elapsed if elapsed else 0.0
    return {"benchmark": "shopify_orders", "scenario": name, "orders": count, "seconds": round(elapsed, 2),
            "orders_per_s": round(rate, 1), "requests": counters.requests, "points_spent": counters.points_spent,
            "points_requested": counters.points_requested, "throttled_seen": counters.throttled,
            "server_throttled": stats["by_call"].get("throttled", {}).get("calls", 0),
            "paced_seconds": round(counters.paced_seconds, 1), "page_size": page_size,
            "projected_seconds_for_all": round(ORDERS / rate, 0) if rate and count < ORDERS else None,
            "peak_python_mib": round(peak / 2**20, 1)}


def main() -> None:
    scale = ORDERS / SHARE / 1000
    args = ("shopify", "--store", "shopify-eu", "--scale", f"{scale:.3f}")
    with SandboxProcess(*args, env={"SHOPIFY_SANDBOX_TOKEN": TOKEN}) as server:
        runs = [
            ("bulk, default throttle", DEFAULT, True, True, None),
            ("paged, raised throttle", RAISED, True, False, None),
            ("naive paged, raised throttle", RAISED, False, False, None),
            ("paged, default throttle (time-boxed)", DEFAULT, True, False, THROTTLED_SECONDS),
            ("naive paged, default throttle (time-boxed)", DEFAULT, False, False, THROTTLED_SECONDS),
        ]
        for name, throttle, pace, bulk, box in runs:
            time.sleep(0.1)
            print(json.dumps(scenario(server, name, throttle, pace, bulk, box)), flush=True)


if __name__ == "__main__":
    main()
