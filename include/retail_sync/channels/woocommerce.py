"""The WooCommerce connector (REST v3): orders modified since a time, their refunds, customers
(guests derived from billing data), products and variations by SKU, stock updates in batches of 100.

Orders are read `orderby=id&order=asc` with `modified_after` + `dates_are_gmt=true` and paged by
`page` until `X-WP-TotalPages`; the page number is the resume point after a failure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import httpx
import pyarrow as pa

from retail_sync.canonical.inventory import INVENTORY_LEVEL_SCHEMA
from retail_sync.canonical.keys import entity_key
from retail_sync.channels.frames import OrderPage, OrderRows
from retail_sync.channels.http import ChannelConfig, ChannelHttp, HttpConnector
from retail_sync.channels.timestamps import parse_iso
from retail_sync.retry import RetryPolicy

API = "/wp-json/wc/v3"
FINANCIAL = {"pending": "pending", "on-hold": "authorized", "processing": "paid", "completed": "paid",
             "refunded": "refunded", "cancelled": "voided", "failed": "failed", "checkout-draft": "pending"}


def gmt(text: str | None) -> datetime | None:
    return parse_iso(f"{text}Z") if text else None


def guest_key(channel: str, email: str | None) -> str:
    # A guest has no id: the same (normalised) email is the same guest across orders.
    digest = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:16]
    return entity_key(channel, "guest", digest)


class WooCommerceConnector(HttpConnector):
    def __init__(self, config: ChannelConfig, consumer_key: str, consumer_secret: str, *, per_page: int = 100,
                 policy: RetryPolicy | None = None, timeout: float = 30.0):
        self.config = config
        client = httpx.Client(base_url=config.base_url.rstrip("/") + API, timeout=timeout,
                              auth=httpx.BasicAuth(consumer_key, consumer_secret))
        self.http = ChannelHttp(config, client, policy)
        self.per_page = per_page

    def _pages(self, path: str, params: dict, start_page: int = 1) -> Iterator[tuple[int, int, list[dict]]]:
        page = start_page
        while True:
            response = self.http.request("GET", path, params={**params, "page": page, "per_page": self.per_page})
            pages = int(response.headers.get("X-WP-TotalPages", "1"))
            yield page, pages, response.json()
            if page >= pages:
                return
            page += 1

    def orders(self, modified_since: datetime | None = None, after: str | None = None) -> Iterator[OrderPage]:
        """Pages of orders modified after `modified_since`; resume with a page's `cursor` as `after`."""
        params = {"orderby": "id", "order": "asc", "dates_are_gmt": "true", "status": "any"}
        if modified_since:
            params["modified_after"] = modified_since.strftime("%Y-%m-%dT%H:%M:%S")
        for page, pages, items in self._pages("/orders", params, int(after) if after else 1):
            rows = OrderRows()
            for order in items:
                refunds = self.http.request("GET", f"/orders/{order['id']}/refunds",
                                            params={"per_page": 100}).json() if order["refunds"] else []
                self.add_order(rows, order, refunds)
            newest = max((o["date_modified_gmt"] + "Z" for o in items), default=None)
            yield OrderPage(rows.tables(), str(page + 1) if page < pages else None, newest)

    def add_order(self, rows: OrderRows, order: dict, refunds: list[dict]) -> None:
        channel = self.config.channel
        key = entity_key(channel, "order", order["id"])
        billing = order.get("billing") or {}
        refunded = sum((Decimal(r["total"]).copy_abs() for r in order.get("refunds") or []), Decimal(0))
        status = FINANCIAL.get(order["status"], order["status"])
        if refunded and status == "paid":
            status = "partially_refunded"
        subtotal = sum((Decimal(li["total"]) for li in order["line_items"]), Decimal(0))
        customer_key = entity_key(channel, "customer", order["customer_id"]) if order["customer_id"] \
            else guest_key(channel, billing.get("email"))
        rows.orders.append({
            "key": key, "channel": channel, "source_id": str(order["id"]), "name": f"#{order['number']}",
            "financial_status": status,
            "fulfillment_status": "fulfilled" if order["status"] == "completed" else "unfulfilled",
            "cancelled_at": gmt(order["date_modified_gmt"]) if order["status"] == "cancelled" else None,
            "cancel_reason": None, "currency": order["currency"], "subtotal": subtotal,
            "discount_total": Decimal(order["discount_total"]), "shipping_total": Decimal(order["shipping_total"]),
            "tax_total": Decimal(order["total_tax"]), "total": Decimal(order["total"]), "refunded_total": refunded,
            "customer_key": customer_key, "email": billing.get("email") or None, "phone": billing.get("phone") or None,
            "billing_name": " ".join(p for p in (billing.get("first_name"), billing.get("last_name")) if p) or None,
            "billing_country": billing.get("country") or None,
            "shipping_address": json.dumps(order.get("shipping"), ensure_ascii=False, sort_keys=True),
            "note": order.get("customer_note") or None, "payment_reference": order.get("transaction_id") or None,
            "created_at": gmt(order["date_created_gmt"]), "updated_at": gmt(order["date_modified_gmt"]),
            "raw": json.dumps(order, ensure_ascii=False, separators=(",", ":")),
        })
        for li in order["line_items"]:
            gross = Decimal(li["subtotal"])
            rows.lines.append({
                "key": entity_key(channel, "order_line", li["id"]), "order_key": key, "sku": li.get("sku") or None,
                "name": li["name"], "quantity": li["quantity"],
                "unit_price": (gross / li["quantity"]).quantize(Decimal("0.0001")) if li["quantity"] else gross,
                "discount": gross - Decimal(li["total"]), "tax": Decimal(li["total_tax"]), "tax_rate": None,
                "currency": order["currency"]})
        if order.get("date_paid_gmt"):
            rows.payments.append({
                "key": entity_key(channel, "payment", order["id"]), "order_key": key, "kind": "sale",
                "status": "success", "gateway": order.get("payment_method"), "amount": Decimal(order["total"]),
                "currency": order["currency"], "reference": order.get("transaction_id") or None, "parent_key": None,
                "processed_at": gmt(order["date_paid_gmt"])})
        for refund in refunds:
            rows.refunds.append({
                "key": entity_key(channel, "refund", refund["id"]), "order_key": key,
                "amount": Decimal(refund["amount"]), "currency": order["currency"], "note": refund.get("reason") or None,
                "restock": False,
                "lines": [{"line_key": entity_key(channel, "order_line", next(
                              (m["value"] for m in li.get("meta_data") or [] if m["key"] == "_refunded_item_id"),
                              li["id"])), "quantity": abs(li["quantity"]), "amount": abs(Decimal(li["total"]))}
                          for li in refund.get("line_items") or []],
                "created_at": gmt(refund["date_created_gmt"])})
        if not order["customer_id"] and billing.get("email"):
            rows.customers.append({
                "key": customer_key, "channel": channel, "source_id": customer_key.rsplit(":", 1)[1], "is_guest": True,
                "first_name": billing.get("first_name"), "last_name": billing.get("last_name"),
                "email": billing.get("email"), "phone": billing.get("phone") or None,
                "company": billing.get("company") or None, "street": billing.get("address_1") or None,
                "city": billing.get("city") or None, "zip": billing.get("postcode") or None,
                "country_code": billing.get("country") or None, "created_at": gmt(order["date_created_gmt"]),
                "updated_at": gmt(order["date_modified_gmt"])})

    def customers(self) -> Iterator[pa.Table]:
        """Registered customers (WooCommerce has no modified filter on customers: a full pass)."""
        for _, _, items in self._pages("/customers", {"orderby": "id", "order": "asc"}):
            rows = OrderRows()
            for c in items:
                b = c.get("billing") or {}
                rows.customers.append({
                    "key": entity_key(self.config.channel, "customer", c["id"]), "channel": self.config.channel,
                    "source_id": str(c["id"]), "is_guest": False, "first_name": c.get("first_name"),
                    "last_name": c.get("last_name"), "email": c.get("email"), "phone": b.get("phone") or None,
                    "company": b.get("company") or None, "street": b.get("address_1") or None,
                    "city": b.get("city") or None, "zip": b.get("postcode") or None,
                    "country_code": b.get("country") or None, "created_at": gmt(c.get("date_created_gmt")),
                    "updated_at": gmt(c.get("date_modified_gmt"))})
            yield rows.tables()["customers"]

    def products_by_sku(self, skus: list[str]) -> dict[str, dict]:
        """{sku: {"product_id", "variation_id" (0 for simple products), "stock_quantity"}}."""
        found = {}
        for sku in skus:
            for item in self.http.request("GET", "/products", params={"sku": sku}).json():
                variation = "parent_id" in item and item.get("parent_id")
                found[sku] = {"product_id": item["parent_id"] if variation else item["id"],
                              "variation_id": item["id"] if variation else 0,
                              "stock_quantity": item.get("stock_quantity")}
        return found

    def inventory_levels(self, skus: list[str]) -> pa.Table:
        rows = [{"key": entity_key(self.config.channel, "inventory", f"{sku}@store"), "channel": self.config.channel,
                 "sku": sku, "location_id": "store",
                 "inventory_item_id": f"{p['product_id']}/{p['variation_id']}", "available": p["stock_quantity"] or 0,
                 "updated_at": None}
                for sku, p in self.products_by_sku(skus).items()]
        return pa.Table.from_pylist(rows, schema=INVENTORY_LEVEL_SCHEMA)

    def set_stock(self, quantities: dict[str, int], products: dict[str, dict]) -> list[dict]:
        """Write stock quantities through the batch endpoints (100 per call); returns per-item errors."""
        simple, by_parent = [], {}
        for sku, qty in quantities.items():
            p = products[sku]
            item = {"id": p["variation_id"] or p["product_id"], "manage_stock": True, "stock_quantity": qty}
            (by_parent.setdefault(p["product_id"], []) if p["variation_id"] else simple).append(item)
        errors = []
        batches = [("/products/batch", simple)] + [(f"/products/{pid}/variations/batch", items)
                                                   for pid, items in by_parent.items()]
        for path, items in batches:
            for start in range(0, len(items), 100):
                result = self.http.request("POST", path, json={"update": items[start:start + 100]}).json()
                errors.extend(r for r in result.get("update", []) if "error" in r)
        return errors
