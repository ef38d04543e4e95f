"""How fast the Odoo sandbox answers: small calls/s, a 1,000-record create, a 10,000-record read.

Calls/s are end to end from one sequential client (its own HTTP and JSON work included);
`small_search_read_server_ms` is the server's own time per call, from /sandbox/stats.

Baseline in the same run: the same 1,000 records created one call each (what a naive loader does).
"""

from __future__ import annotations

import json
import statistics
import time

import httpx
import psutil

from .sandbox_process import SandboxProcess

API_KEY = "bench-" + "k" * 34
REPEATS = 3


class Rpc:
    def __init__(self, url: str):
        self.http = httpx.Client(base_url=url, timeout=120)
        self.uid = self._call("common", "authenticate", "odoo", "retail-sync", API_KEY, {})

    def _call(self, service, method, *args):
        body = {"jsonrpc": "2.0", "method": "call", "id": 1,
                "params": {"service": service, "method": method, "args": list(args)}}
        payload = self.http.post("/jsonrpc", json=body).json()
        if "error" in payload:
            raise RuntimeError(payload["error"]["data"]["message"])
        return payload.get("result")

    def __call__(self, model, method, *args, **kw):
        return self._call("object", "execute_kw", "odoo", self.uid, API_KEY, model, method, list(args), kw)


def timed(func) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def main() -> None:
    env = {"ODOO_SANDBOX_API_KEY": API_KEY, "ODOO_SANDBOX_PASSWORD": "bench", "ODOO_SANDBOX_ADMIN_PASSWORD": "bench"}
    with SandboxProcess("odoo", "--version", "17", "--seed", "demo", env=env) as server:
        rpc = Rpc(server.url)
        n_small = 500
        small_read = [timed(lambda: [rpc("res.partner", "search_read", [["id", "=", 1]], ["name"])
                                     for _ in range(n_small)]) for _ in range(REPEATS)]
        httpx.post(f"{server.url}/sandbox/stats/reset", headers=server.control)
        rpc("res.partner", "search_read", [["id", "=", 1]], ["name"])
        [rpc("res.partner", "search_read", [["id", "=", 1]], ["name"]) for _ in range(n_small)]
        stats = httpx.get(f"{server.url}/sandbox/stats", headers=server.control).json()
        read_stats = stats["by_call"]["res.partner.search_read"]
        small_create = [timed(lambda: [rpc("res.partner", "create", {"name": "Small"}) for _ in range(n_small)])
                        for _ in range(REPEATS)]
        batch = [{"name": f"Batch {i}", "email": f"b{i}@example.com", "ref": f"R{i}"} for i in range(1000)]
        batched = [timed(lambda: rpc("res.partner", "create", batch)) for _ in range(REPEATS)]
        naive = [timed(lambda: [rpc("res.partner", "create", vals) for vals in batch]) for _ in range(REPEATS)]
        rpc("res.partner", "create", [{"name": f"Bulk {i}", "email": f"k{i}@example.com"} for i in range(10_000)])
        big_read = [timed(lambda: rpc("res.partner", "search_read", [["name", "like", "Bulk"]],
                                      ["name", "email", "country_id", "parent_id"]))
                    for _ in range(REPEATS)]
        server_rss = psutil.Process(server.process.pid).memory_info().rss
    result = {
        "bench": "odoo_sandbox",
        "small_search_read_calls_per_s": round(n_small / statistics.median(small_read)),
        "small_search_read_server_ms": round(1000 * read_stats["seconds"] / read_stats["calls"], 3),
        "small_create_calls_per_s": round(n_small / statistics.median(small_create)),
        "create_1000_in_one_call_s": round(statistics.median(batched), 3),
        "baseline_create_1000_one_call_each_s": round(statistics.median(naive), 3),
        "batched_vs_baseline_speedup": round(statistics.median(naive) / statistics.median(batched), 1),
        "search_read_10000_s": round(statistics.median(big_read), 3),
        "server_rss_mib": round(server_rss / 2**20),
        "repeats": REPEATS,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
