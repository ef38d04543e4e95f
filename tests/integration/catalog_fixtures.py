"""Shared pieces for the catalog flow tests: a sandbox per test, a client, a store, a snapshot of Odoo."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from retail_sync.flows.catalog.flow import CatalogFlow, FileOutcome
from retail_sync.flows.catalog.settings import CatalogSettings
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.retry import RetryPolicy
from retail_sync.state.store import StateStore
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer

API_KEY = "catalog-tests-" + "c" * 26
FAST = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05, budget_seconds=5)
HEADER = "sku,parent_key,name,category_path,list_price,currency,tax_class,active,barcode,attr_size"


@dataclass
class CatalogWorld:
    sandbox: OdooSandbox
    server: RunningServer
    client: OdooClient
    store: StateStore
    settings: CatalogSettings
    tmp: Path
    alerts: list

    def feed(self, name: str, lines: list[str] | bytes) -> str:
        path = self.tmp / name
        path.write_bytes(lines if isinstance(lines, bytes) else ("\n".join([HEADER, *lines]) + "\n").encode())
        return str(path)

    def flow(self, run_id: str = "run-1") -> CatalogFlow:
        """The flow exactly as production builds it, on this world's Odoo, state store and alert list."""
        return CatalogFlow(self.settings, self.store, lambda: nullcontext(self.client), self.alerts.append, run_id)

    def run(self, uri: str, run_id: str = "run-1") -> FileOutcome:
        return self.flow(run_id).publish_file(uri)

    def writes(self) -> int:
        stats = self.sandbox.stats.snapshot()["by_call"]
        return sum(row["calls"] for key, row in stats.items()
                   if key.rsplit(".", 1)[1] in ("create", "write", "unlink", "load"))


def start_world(tmp: Path, version: int = 18) -> CatalogWorld:
    tmp.mkdir(parents=True, exist_ok=True)
    sandbox = OdooSandbox(version, credentials=SeedCredentials("admin", integration_api_key=API_KEY))
    server = RunningServer(create_app(sandbox)).start()
    client = OdooClient(OdooConfig(server.url, "odoo", "retail-sync", API_KEY), policy=FAST)
    store = StateStore(f"sqlite:///{tmp}/state.sqlite")
    settings = CatalogSettings(staging_root=tmp / "staging", chunk_size=50, settle_seconds=0.05)  # files written just now
    return CatalogWorld(sandbox, server, client, store, settings, tmp, [])


def snapshot(client: OdooClient) -> dict:
    """What a catalog run leaves in Odoo, without database ids (so two databases compare equal)."""
    products = client.call("product.product", "search_read", [["default_code", "not in", [False, "SHIP"]]],
                           ["default_code", "barcode", "standard_price", "lst_price", "active", "display_name",
                            "categ_id", "weight"], context={"active_test": False})
    items = client.call("product.pricelist.item", "search_read", [["product_id", "!=", False]],
                        ["product_id", "fixed_price", "date_start", "date_end"])
    templates = client.call("product.template", "search_read", [["default_code", "!=", "SHIP"]],
                            ["name", "list_price", "product_variant_count", "taxes_id"], context={"active_test": False})
    xmlids = client.call("ir.model.data", "search_count", [["module", "=", "retail_sync"]])
    return {
        "products": sorted((p["default_code"], p["barcode"], p["standard_price"], p["lst_price"], p["active"],
                            p["display_name"], p["categ_id"][1], p["weight"]) for p in products),
        "items": sorted((i["product_id"][1], i["fixed_price"], i["date_start"], i["date_end"]) for i in items),
        "templates": sorted((t["name"], t["list_price"], t["product_variant_count"], len(t["taxes_id"]))
                            for t in templates),
        "xmlids": xmlids,
        "categories": sorted(c["display_name"] for c in client.call("product.category", "search_read", [],
                                                                     ["display_name"])),
    }


def assert_same_as_a_clean_run(world: CatalogWorld, make_feed) -> None:
    """Odoo after this world's (faulty, killed, re-run) history equals Odoo after one clean run."""
    clean = start_world(world.tmp / "clean")
    try:
        clean.run(make_feed(clean))
        assert snapshot(world.client) == snapshot(clean.client)
    finally:
        clean.server.stop()
