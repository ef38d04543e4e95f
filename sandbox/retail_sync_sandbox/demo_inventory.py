"""The inventory part of `make demo`: Odoo's stock from the demo world, the storefronts' own (drifted)
levels, then `inventory_snapshot` run twice — mismatches per warehouse × channel before and after.

The world's stock seeds Odoo's main warehouse through inventory mode (as a stock count would), and each
storefront sandbox starts with the world's channel levels, a few of them drifted from the truth.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path

SHOPIFY_STORES = {"shopify-eu": 71_000_001, "shopify-us": 72_000_001}
WOO_STORE = "woo-uk"
SAFETY_BUFFER = 2          # Shopify shows two fewer than Odoo has, so a late sale never oversells


def seed_odoo_stock(sandbox, world) -> int:
    """Quants in the main warehouse for the world's warehouse stock (products the catalog run created)."""
    db = sandbox.databases["odoo"]

    def odoo(model, method, *args, **kwargs):
        return sandbox.service.call_kw(db, 2, model, method, list(args), kwargs)

    on_hand = {row["sku"]: row["quantity"] for row in world.stock if row["location"] == "WH" and row["quantity"]}
    products = odoo("product.product", "search_read", [["default_code", "in", sorted(on_hand)]], ["default_code"])
    stock = odoo("stock.warehouse", "search_read", [["code", "=", "WH"]], ["lot_stock_id"])[0]["lot_stock_id"][0]
    odoo("stock.quant", "create", [{"product_id": p["id"], "location_id": stock,
                                    "inventory_quantity_auto_apply": on_hand[p["default_code"]]} for p in products],
         context={"inventory_mode": True})
    return len(products)


@contextlib.contextmanager
def storefronts(world):
    """The three demo stores over HTTP, with Airflow connections and the warehouse → location mapping; yields
    each store's sandbox by channel (live orders are handed to them)."""
    from .serving import RunningServer
    from .shopify.app import ShopifySandbox
    from .shopify.app import create_app as shopify_app
    from .woocommerce.app import WooSandbox
    from .woocommerce.app import create_app as woo_app

    with contextlib.ExitStack() as stack:
        mapping, sandboxes = [], {}
        for channel, location in SHOPIFY_STORES.items():
            token = "shpat_" + secrets.token_hex(16)
            sandboxes[channel] = ShopifySandbox(world, channel, token)
            server = stack.enter_context(RunningServer(shopify_app(sandboxes[channel])))
            conn_id = channel.replace("-", "_")
            os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps({
                "conn_type": "shopify", "host": server.url, "password": token, "extra": {"channel": channel}})
            mapping.append({"conn_id": conn_id, "locations": {"WH": f"gid://shopify/Location/{location}"},
                            "safety_buffer": SAFETY_BUFFER})
        key, secret = "ck_" + secrets.token_hex(16), "cs_" + secrets.token_hex(16)
        sandboxes[WOO_STORE] = WooSandbox(world, WOO_STORE, key, secret)
        server = stack.enter_context(RunningServer(woo_app(sandboxes[WOO_STORE])))
        os.environ["AIRFLOW_CONN_WOO_UK"] = json.dumps({
            "conn_type": "woocommerce", "host": server.url, "login": key, "password": secret,
            "extra": {"channel": WOO_STORE}})
        mapping.append({"conn_id": "woo_uk", "locations": {"WH": "store"}})
        os.environ["RETAIL_SYNC_INVENTORY_CHANNELS"] = json.dumps(mapping)
        yield sandboxes


def mismatch_table(staging: Path, run_id: str) -> str:
    """Mismatches per warehouse × channel × kind, from the run's Parquet reports."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from retail_sync.flows.inventory.compare import mismatch_figures
    from retail_sync.flows.run_folders import run_folder

    reports = sorted(run_folder(staging, "inventory", run_id).glob("mismatches-*.parquet"))
    if not reports:
        return "    (no channel report: the push did not run)"
    figures = mismatch_figures(pa.concat_tables(pq.read_table(p) for p in reports)).sort_by(
        [("channel", "ascending"), ("kind", "ascending")]).to_pylist()
    return "\n".join(f"    {f['warehouse']:<4} {f['channel']:<12} {f['kind']:<20} {f['skus']:>5} SKUs {f['units']:>6} units"
                     for f in figures) or "    none"


def run_inventory_demo(console, sandbox, world, dagbag, report, mail, staging: Path) -> None:
    """Inside `storefronts(world)`."""
    quants = seed_odoo_stock(sandbox, world)
    console.write(f"\nInventory: {quants} products stocked in Odoo's warehouse WH; storefronts"
                  f" {', '.join([*SHOPIFY_STORES, WOO_STORE])} show their own levels (on hand less their open"
                  f" orders, a few drifted); the Shopify stores are to show {SAFETY_BUFFER} fewer than Odoo has\n")
    dag = dagbag.get_dag("inventory_snapshot")
    for title in ("Inventory snapshot and corrections", "Inventory again (nothing left to correct)"):
        seen = len(mail.messages)
        sandbox.stats.reset()
        run = dag.test()
        console.write(report(dag, run, sandbox, mail, title, flow="inventory", emails_before=seen))
        console.write("  mismatches found by this run (warehouse, channel, kind):\n"
                      + mismatch_table(staging, run.run_id) + "\n")
