"""`make demo`: start the Odoo sandbox and show the external API at work, end to end over HTTP.

It prints what happened: versions served, an upsert of a small catalog through `load()`, what
re-running it changes (nothing), a throttled and a failing call, and the server's call statistics.
"""

from __future__ import annotations

import json
import secrets

import httpx

from .sandbox.faults import FaultPlan
from .sandbox.odoo.app import OdooSandbox, create_app
from .sandbox.odoo.seed import SeedCredentials
from .sandbox.serving import RunningServer

CATALOG = [
    ["retail_sync.demo_tee_black_m", "Organic tee — black", "24.90", "product.product_category_all", "TEE-BLK-M"],
    ["retail_sync.demo_tee_white_m", "Organic tee — white", "24.90", "product.product_category_all", "TEE-WHT-M"],
    ["retail_sync.demo_scarf", "Merino scarf", "39.00", "product.product_category_all", "SCARF-01"],
]
FIELDS = ["id", "name", "list_price", "categ_id/id", "default_code"]


def rpc(http: httpx.Client, service: str, method: str, *args):
    body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": service, "method": method,
                                                                    "args": list(args)}}
    response = http.post("/jsonrpc", json=body)
    if response.status_code != 200:
        return f"HTTP {response.status_code} (Retry-After: {response.headers.get('Retry-After', '-')})"
    payload = response.json()
    return payload.get("result") if "error" not in payload else f"{payload['error']['data']['name']}"


def main() -> None:
    api_key = secrets.token_hex(20)
    creds = SeedCredentials(admin_password=secrets.token_urlsafe(12), integration_api_key=api_key)
    for version in (17, 18, 19):
        sandbox = OdooSandbox(version, credentials=creds)
        with RunningServer(create_app(sandbox)) as server, httpx.Client(base_url=server.url) as http:
            uid = rpc(http, "common", "authenticate", "odoo", "retail-sync", api_key, {})

            def call(model, method, *args, uid=uid, **kw):
                return rpc(http, "object", "execute_kw", "odoo", uid, api_key, model, method, list(args), kw)

            first = call("product.template", "load", FIELDS, CATALOG)
            again = call("product.template", "load", FIELDS, CATALOG)
            variants = call("product.product", "search_read", [["default_code", "in", [r[4] for r in CATALOG]]],
                            ["display_name", "lst_price"])
            denied = call("res.partner", "unlink", [1])
            sandbox.faults.configure(FaultPlan(fail_calls={1: "429"}, retry_after=2))  # call numbers restart at 1
            throttled = call("res.partner", "search_count", [])
            print(f"Odoo {version} sandbox at {server.url}")
            print(f"  integration user uid: {uid}")
            print(f"  catalog load: {len(first['ids'])} products upserted; re-run returned the same ids: "
                  f"{first['ids'] == again['ids']}")
            for variant in variants:
                print(f"    {variant['display_name']}: {variant['lst_price']:.2f}")
            print(f"  least privilege: unlink of a partner -> {denied}")
            print(f"  fault injection: next call -> {throttled}")
            calls = {key: (row["calls"], row["records"]) for key, row in sandbox.stats.snapshot()["by_call"].items()}
            print(f"  RPC calls (calls, records): {json.dumps(calls)}")
    print("\nRun a sandbox yourself: make sandbox   (credentials from ODOO_SANDBOX_* env vars; see README)")


if __name__ == "__main__":
    main()
