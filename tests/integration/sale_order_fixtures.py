"""An Odoo sandbox ready for demo-world orders: their SKUs as products, sale taxes excluded from the price at
the stores' rates (the demo world's prices are before tax), a pricelist per store currency; and the pieces
the sale order tests read back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import httpx
import pyarrow as pa

from retail_sync.channels.frames import OrderRows
from retail_sync.flows.orders.load import PageOutcome, load_page
from retail_sync.flows.orders.settings import OrderSettings
from retail_sync.odoo.client import DEFAULT_TIMEOUT, OdooClient, OdooConfig
from tests.integration.catalog_fixtures import API_KEY, FAST, CatalogWorld, start_world

FLOW = "order_pull"
CENT = Decimal("0.01")
STORE_RATES = (20.0, 21.0, 8.0)


@dataclass
class OrderWorld:
    world: CatalogWorld
    admin: OdooClient
    settings: OrderSettings
    skus: set[str]
    catalog: dict[str, dict]           # the demo catalog by SKU: products are made as pages need them

    @property
    def client(self) -> OdooClient:
        return self.world.client

    @property
    def store(self):
        return self.world.store

    def load(self, tables: dict[str, pa.Table], run_id: str = "run-1", client: OdooClient | None = None
             ) -> PageOutcome:
        self.add_products([self.catalog[s] for s in set(tables["lines"].column("sku").to_pylist()) if s in self.catalog])
        return load_page(tables, client or self.client, self.store, self.settings, FLOW, run_id)

    def add_tax(self, rate: float, included: bool) -> int:
        inclusion = ({"price_include": included} if self.client.version == 17
                     else {"price_include_override": "tax_included" if included else "tax_excluded"})
        return self.admin.call("account.tax", "create", [{
            "name": f"{rate:g}% {'incl' if included else 'excl'}", "amount": rate, "amount_type": "percent",
            "type_tax_use": "sale", **inclusion}])[0]

    def add_products(self, catalog: list[dict]) -> None:
        fresh = [p for p in catalog if p["sku"] not in self.skus]
        if not fresh:
            return
        storable = {"detailed_type": "product"} if self.client.version == 17 else {"type": "consu", "is_storable": True}
        self.client.call("product.product", "create", [
            {"name": p["name"], "default_code": p["sku"], "list_price": float(p["list_price"]),
             "invoice_policy": "order", "taxes_id": [(6, 0, [])], **storable} for p in fresh])
        self.skus |= {p["sku"] for p in fresh}

    # ------------------------------------------------------------------ reading Odoo back
    def sale_orders(self) -> list[dict]:
        return self.client.call("sale.order", "search_read", [], ["name", "client_order_ref", "origin", "state",
                                                                  "amount_total", "currency_id", "note", "invoice_ids",
                                                                  "partner_id"], order="id")

    def moves(self, move_type: str) -> list[dict]:
        return self.client.call("account.move", "search_read", [["move_type", "=", move_type]],
                                ["state", "amount_total", "payment_state", "amount_residual", "ref",
                                 "reversed_entry_id"], order="id")

    def payments(self) -> list[dict]:
        return self.client.call("account.payment", "search_read", [], ["payment_type", "amount", "journal_id"],
                                order="id")

    def counts(self) -> dict[str, int]:
        """What must never be doubled: orders, their lines, invoices, credit notes (a cancelled draft, left by
        two runs racing, counts for nothing), payments, partners."""
        call = self.client.call
        return {"orders": call("sale.order", "search_count", []),
                "lines": call("sale.order.line", "search_count", []),
                "invoices": call("account.move", "search_count", [["move_type", "=", "out_invoice"],
                                                                  ["state", "!=", "cancel"]]),
                "credit_notes": call("account.move", "search_count", [["move_type", "=", "out_refund"],
                                                                      ["state", "!=", "cancel"]]),
                "payments": call("account.payment", "search_count", []),
                "partners": call("res.partner", "search_count", [["customer_rank", ">", 0]])}



def woo_order_key(order: dict) -> str:
    """The state store's key of a woo-uk order of the generated world."""
    return f"woo-uk:order:{order['id']}"


def recording_client(world: OrderWorld, sequence: list[str]) -> OdooClient:
    """A client of the world's Odoo that appends each call it sends (model.method) to `sequence`. Its own
    timeout: httpx's default 5 s would time out, and repeat, a slow load on a busy machine."""
    def record(request: httpx.Request) -> None:
        request.read()
        args = json.loads(request.content)["params"]["args"]
        sequence.append(f"{args[3]}.{args[4]}" if len(args) > 4 else "common")   # version, authenticate

    http = httpx.Client(base_url=world.world.server.url, timeout=DEFAULT_TIMEOUT, event_hooks={"request": [record]})
    return OdooClient(OdooConfig(world.world.server.url, "odoo", "retail-sync", API_KEY), policy=FAST, http=http)

def start_order_world(tmp: Path, catalog: list[dict], version: int = 18) -> OrderWorld:
    """`catalog`: the products pages may name; each is created in Odoo before the first page naming it."""
    world = start_world(tmp, version)
    world.client.uid  # noqa: B018  (authenticate first: fault plans count the calls that follow)
    admin = OdooClient(OdooConfig(world.server.url, "odoo", "admin", "admin", protocol="jsonrpc"), policy=FAST)
    created = OrderWorld(world, admin, OrderSettings(chunk=50), set(), {p["sku"]: p for p in catalog})
    for rate in STORE_RATES:
        created.add_tax(rate, included=False)
    admin.call("product.pricelist", "create", [{"name": "GBP", "currency_id": _currency(admin, "GBP")}])
    return created


def _currency(client: OdooClient, code: str) -> int:
    return client.call("res.currency", "search", [["name", "=", code]], context={"active_test": False})[0]


# ---------------------------------------------------------------------- canonical pages edited by hand
def rows_of(page: dict[str, pa.Table]) -> dict[str, list[dict]]:
    return {name: table.to_pylist() for name, table in page.items()}


def page_of(rows: dict[str, list[dict]]) -> dict[str, pa.Table]:
    return OrderRows(**rows).tables()


def only(rows: dict[str, list[dict]], order_key: str) -> dict[str, list[dict]]:
    return {name: [r for r in table if r.get("order_key", r.get("key")) == order_key or name == "customers"]
            for name, table in rows.items()}


def with_prices_including_tax(rows: dict[str, list[dict]], rate: Decimal) -> dict[str, list[dict]]:
    """The same orders as a store whose prices include tax sells them: unit prices and discounts with tax,
    each line's tax taken out of its amount (rounded per line, as Odoo does by default)."""
    factor = 1 + rate
    rows = {name: [dict(r) for r in table] for name, table in rows.items()}
    by_order: dict[str, list[dict]] = {}
    for line in rows["lines"]:
        unit = (line["unit_price"] * factor).quantize(CENT)
        discount = (unit * line["quantity"] * Decimal("0.10")).quantize(CENT) if line["discount"] else Decimal(0)
        base = unit * line["quantity"] - discount
        line.update(unit_price=unit, discount=discount, tax=(base - base / factor).quantize(CENT, ROUND_HALF_UP))
        by_order.setdefault(line["order_key"], []).append(line)
    for order in rows["orders"]:
        lines = by_order[order["key"]]
        gross = sum(li["unit_price"] * li["quantity"] for li in lines)
        discount = sum(li["discount"] for li in lines)
        order.update(taxes_included=True, subtotal=gross - discount, discount_total=discount,
                     tax_total=sum(li["tax"] for li in lines), total=gross - discount + order["shipping_total"])
    for payment in rows["payments"]:
        payment["amount"] = next(o["total"] for o in rows["orders"] if o["key"] == payment["order_key"])
    return rows


def retotal(order: dict, lines: list[dict]) -> None:
    """The order's totals from its (edited) lines, prices before tax."""
    gross = sum(li["unit_price"] * li["quantity"] for li in lines)
    discount = sum(li["discount"] for li in lines)
    tax = sum(li["tax"] for li in lines)
    order.update(subtotal=gross - discount, discount_total=discount, tax_total=tax,
                 total=(gross - discount + tax + order["shipping_total"]).quantize(CENT))
