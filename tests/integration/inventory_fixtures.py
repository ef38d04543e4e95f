"""Shared pieces for the inventory flow tests: an Odoo sandbox stocked with the small world's catalog (two
warehouses), the storefront sandboxes from tests/storefront_fixtures.py, and the flow built as production
builds it."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from retail_sync.channels.shopify.connector import ShopifyConnector
from retail_sync.channels.woocommerce.connector import WooCommerceConnector
from retail_sync.flows.inventory.flow import InventoryFlow
from retail_sync.flows.inventory.settings import ChannelTarget, InventorySettings
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.retry import RetryPolicy
from retail_sync.state.store import StateStore
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer

from ..storefront_fixtures import FAST_RETRIES, SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, config

API_KEY = "inventory-tests-" + "i" * 24
FAST = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05, budget_seconds=5)
INVENTORY = {"inventory_mode": True}
SHOPIFY_LOCATION = "gid://shopify/Location/71000001"


@dataclass
class StockWorld:
    sandbox: OdooSandbox
    server: RunningServer
    client: OdooClient
    store: StateStore
    settings: InventorySettings
    tmp: Path
    urls: dict[str, str]
    alerts: list = field(default_factory=list)
    warehouses: dict[str, dict] = field(default_factory=dict)   # code -> {id, lot_stock_id}
    products: dict[str, int] = field(default_factory=dict)      # sku -> product.product id
    policy: RetryPolicy = FAST_RETRIES

    def odoo(self, model: str, method: str, *args, **kwargs):
        """Odoo as its administrator, in this process (test set-up, not the flow under test)."""
        db = self.sandbox.databases["odoo"]
        return self.sandbox.service.call_kw(db, 2, model, method, list(args), kwargs)

    def connector(self, conn_id: str):
        if conn_id == "shopify_eu":
            return ShopifyConnector(config("shopify", "shopify-eu", self.urls[conn_id], conn_id), SHOPIFY_TOKEN,
                                    policy=self.policy)
        return WooCommerceConnector(config("woocommerce", "woo-uk", self.urls[conn_id], conn_id), WOO_KEY,
                                    WOO_SECRET, policy=self.policy)

    def flow(self, run_id: str = "run-1", settings: InventorySettings | None = None) -> InventoryFlow:
        return InventoryFlow(settings or self.settings, self.store, lambda: nullcontext(self.client),
                             self.connector, self.alerts.append, run_id)

    def add_products(self, skus: list[str | None]) -> list[int]:
        ids = self.odoo("product.product", "create", [{"name": f"Product {sku or i}", "default_code": sku or False,
                                                       "type": "consu", "is_storable": True}
                                                      for i, sku in enumerate(skus)])
        self.products.update({sku: i for sku, i in zip(skus, ids) if sku})
        return ids

    def count(self, product: int, location: int, quantity: float) -> None:
        """Set on-hand stock the Odoo way: a count applied in inventory mode."""
        self.odoo("stock.quant", "create", {"product_id": product, "location_id": location,
                                            "inventory_quantity_auto_apply": quantity}, context=INVENTORY)

    def reserve(self, product: int, location: int, quantity: float) -> None:
        quant = self.odoo("stock.quant", "search", [["product_id", "=", product], ["location_id", "=", location]])
        self.odoo("stock.quant", "write", quant, {"reserved_quantity": quantity})


def start_stock_world(tmp: Path, shop_url: str, woo_url: str, **settings) -> StockWorld:
    tmp.mkdir(parents=True, exist_ok=True)
    sandbox = OdooSandbox(18, credentials=SeedCredentials("admin", integration_api_key=API_KEY))
    server = RunningServer(create_app(sandbox)).start()
    client = OdooClient(OdooConfig(server.url, "odoo", "retail-sync", API_KEY), policy=FAST)
    store = StateStore(f"sqlite:///{tmp}/state.sqlite")
    channels = (ChannelTarget("shopify_eu", {"WH": SHOPIFY_LOCATION}, safety_buffer=settings.pop("buffer", 0)),
                ChannelTarget("woo_uk", {"WH": "store", "ANT": "store"}))
    world = StockWorld(sandbox, server, client, store,
                       InventorySettings(staging_root=tmp / "staging", page_size=settings.pop("page_size", 25),
                                         channels=channels, **settings),
                       tmp, {"shopify_eu": shop_url, "woo_uk": woo_url})
    for row in world.odoo("stock.warehouse", "search_read", [], ["code", "lot_stock_id"]):
        world.warehouses[row["code"]] = {"id": row["id"], "lot_stock_id": row["lot_stock_id"][0]}
    return world


def stock_catalog(world: StockWorld, small_world) -> dict[str, int]:
    """Odoo holds the demo world's warehouse stock at WH/Stock (the channels show it less what is committed,
    and some drift): {sku: on hand}."""
    on_hand = {row["sku"]: row["quantity"] for row in small_world.stock if row["location"] == "WH"}
    skus = sorted(on_hand)
    world.add_products(skus)
    stock = world.warehouses["WH"]["lot_stock_id"]
    world.odoo("stock.quant", "create", [{"product_id": world.products[sku], "location_id": stock,
                                          "inventory_quantity_auto_apply": on_hand[sku]} for sku in skus if on_hand[sku]],
               context=INVENTORY)
    return on_hand
