"""Shared pieces for the fulfilment push tests: the Odoo sandbox selling storefront orders (sale orders
bound to the channel order's key as the order pull binds them, confirmed, shipped in full or in part), the
storefront sandboxes from tests/storefront_fixtures.py, and the flow built as production builds it."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from retail_sync.canonical.keys import entity_key
from retail_sync.channels.shopify.connector import ShopifyConnector
from retail_sync.channels.woocommerce.connector import WooCommerceConnector
from retail_sync.flows.fulfillment.flow import FulfillmentFlow
from retail_sync.flows.fulfillment.settings import FulfillmentChannel, FulfillmentSettings
from retail_sync.odoo.binder import MODULE, xmlid_name
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.state.store import StateStore
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer

from ..storefront_fixtures import FAST_RETRIES, SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, config

API_KEY = "fulfilment-tests-" + "f" * 23
CONNECTIONS = {"shopify_eu": ("shopify", "shopify-eu"), "woo_uk": ("woocommerce", "woo-uk")}


@dataclass
class ShipWorld:
    sandbox: OdooSandbox
    server: RunningServer
    client: OdooClient
    store: StateStore
    settings: FulfillmentSettings
    urls: dict[str, str]
    alerts: list = field(default_factory=list)
    products: dict[str, int] = field(default_factory=dict)     # SKU -> product.product id

    def odoo(self, model: str, method: str, *args, **kwargs):
        """Odoo as its administrator, in this process (test set-up, not the flow under test)."""
        return self.sandbox.service.call_kw(self.sandbox.databases["odoo"], 2, model, method, list(args), kwargs)

    def connector(self, conn_id: str):
        platform, channel = CONNECTIONS[conn_id]
        cfg = config(platform, channel, self.urls[conn_id], conn_id)
        if platform == "shopify":
            return ShopifyConnector(cfg, SHOPIFY_TOKEN, policy=FAST_RETRIES)
        return WooCommerceConnector(cfg, WOO_KEY, WOO_SECRET, policy=FAST_RETRIES)

    def flow(self, run_id: str = "run-1", store: StateStore | None = None) -> FulfillmentFlow:
        return FulfillmentFlow(self.settings, store or self.store, lambda: nullcontext(self.client), self.connector,
                               self.alerts.append, run_id)

    def product(self, sku: str | None, name: str | None = None) -> int:
        """A stocked product with this SKU (None: a product without one)."""
        if sku in self.products:
            return self.products[sku]
        storable = {"detailed_type": "product"} if self.sandbox.version == 17 else {"type": "consu", "is_storable": True}
        product = self.odoo("product.product", "create", {"name": name or f"Product {sku}", "default_code": sku or False,
                                                          **storable})
        stock = self.odoo("stock.warehouse", "search_read", [["code", "=", "WH"]], ["lot_stock_id"])[0]["lot_stock_id"][0]
        self.odoo("stock.quant", "create", {"product_id": product, "location_id": stock,
                                            "inventory_quantity_auto_apply": 100}, context={"inventory_mode": True})
        if sku:
            self.products[sku] = product
        return product

    def sell(self, channel: str, order_id: int | None, name: str, lines: dict[str | None, int],
             bind: bool = True) -> int:
        """A confirmed sale order for a channel order, as the order pull leaves it: origin = the channel,
        client_order_ref = the order's name, bound to the order's key (unless `bind` is False)."""
        partner = self.odoo("res.partner", "create", {"name": f"Customer of {name}"})
        sale = self.odoo("sale.order", "create", {
            "partner_id": partner, "origin": channel, "client_order_ref": name,
            "order_line": [(0, 0, {"product_id": self.product(sku), "product_uom_qty": qty, "price_unit": 10.0})
                           for sku, qty in lines.items()]})
        self.odoo("sale.order", "action_confirm", [sale])
        if bind:
            self.odoo("ir.model.data", "create", {"module": MODULE, "model": "sale.order", "res_id": sale,
                                                  "name": xmlid_name(entity_key(channel, "order", order_id))})
        return sale

    def ship(self, sale: int, quantities: dict[str, int] | None = None, tracking: str | None = None,
             backorder: bool = True) -> int:
        """Validate the sale order's open delivery: everything, or these units per SKU (the rest goes to a
        backorder, or is cancelled). Returns the picking validated."""
        [picking] = self.odoo("stock.picking", "search", [["sale_id", "=", sale], ["state", "not in", ["done", "cancel"]]])
        if tracking:
            self.odoo("stock.picking", "write", [picking], {"carrier_tracking_ref": tracking})
        # What the warehouse app does: the picked quantity on each move (all of its demand, when in full: Odoo
        # ships it even where nothing was reserved, the stock going negative).
        moves = self.odoo("stock.move", "search_read", [["picking_id", "=", picking]], ["product_id", "product_uom_qty"])
        codes = {p["id"]: p["default_code"] for p in self.odoo(
            "product.product", "read", sorted({m["product_id"][0] for m in moves}), ["default_code"])}
        for move in moves:
            units = move["product_uom_qty"] if quantities is None else quantities.get(codes[move["product_id"][0]], 0)
            self.odoo("stock.move", "write", [move["id"]], {"quantity": units, "picked": bool(units)})
        action = self.odoo("stock.picking", "button_validate", [picking])
        if isinstance(action, dict):
            wizard = self.odoo("stock.backorder.confirmation", "create", {}, context=action["context"])
            method = "process" if backorder else "process_cancel_backorder"
            self.odoo("stock.backorder.confirmation", method, [wizard], context=action["context"])
        return picking


def start_ship_world(tmp: Path, urls: dict[str, str], version: int = 18, **settings) -> ShipWorld:
    tmp.mkdir(parents=True, exist_ok=True)
    sandbox = OdooSandbox(version, credentials=SeedCredentials("admin", integration_api_key=API_KEY))
    server = RunningServer(create_app(sandbox)).start()
    client = OdooClient(OdooConfig(server.url, "odoo", "retail-sync", API_KEY), policy=FAST_RETRIES)
    store = StateStore(f"sqlite:///{tmp}/state.sqlite")
    channels = (FulfillmentChannel("shopify_eu", carrier=settings.pop("carrier", None)), FulfillmentChannel("woo_uk"))
    return ShipWorld(sandbox, server, client, store, FulfillmentSettings(channels=channels, **settings), urls)


def open_orders(small_world, channel: str, count: int, min_lines: int = 2) -> list[dict]:
    """Paid, unshipped orders of the demo world with at least `min_lines` lines, every line with a SKU."""
    found = [o for o in small_world.orders_of(channel) if o["story"] == "paid" and not o["fulfillments"]
             and len(o["lines"]) >= min_lines and all(li["sku"] for li in o["lines"])
             and len({li["sku"] for li in o["lines"]}) == len(o["lines"])]
    found.sort(key=lambda o: -sum(li["quantity"] for li in o["lines"]))
    assert len(found) >= count, f"the demo world has {len(found)} such orders on {channel}"
    return found[:count]


def lines_of(order: dict) -> dict[str, int]:
    return {li["sku"]: li["quantity"] for li in order["lines"]}
