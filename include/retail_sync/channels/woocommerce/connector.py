"""The WooCommerce connector (REST v3): orders modified since a time, their refunds, customers
(guests derived from billing data by the mapper), products and variations by SKU, stock updates in
batches.

Lists are paged by page number up to `X-WP-TotalPages` (WordPress documents `Link` headers, but the
total is what is reliably sent); orders are read `orderby=id&order=asc` so a page number stays a valid
resume position while the pull runs. `modified_after` is exclusive, so `since` is sent one second
earlier to make it inclusive like every other source's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pyarrow as pa

from retail_sync.canonical.inventory import INVENTORY_LEVEL_SCHEMA
from retail_sync.channels.errors import ChannelRequestError
from retail_sync.channels.frames import OrderRows
from retail_sync.channels.http import ChannelConfig, ChannelHttp, HttpConnector
from retail_sync.channels.paging import Batch, next_page_number, page_number, paginate
from retail_sync.channels.source import Page, Stream, StreamSource, check_since
from retail_sync.channels.woocommerce.mapping import add_customer, add_order, inventory_row
from retail_sync.retry import RetryPolicy

API = "/wp-json/wc/v3"


@dataclass(frozen=True)
class WooSizes:
    """Page and chunk sizes of every WooCommerce call, in one place."""

    page: int = 100                # WordPress refuses per_page above 100 (rest_invalid_param)
    stock_batch: int = 100         # the /batch endpoints take at most 100 items per call


SIZES = WooSizes()
# Ordered by id, not by modification: a half-done pull proves nothing about what it has not reached.
ORDERS = Stream("orders", "orders", replication_key="date_modified_gmt", replication_column="updated_at",
                ordered=False)
# WooCommerce has no modified filter on customers: every read is a full pass.
CUSTOMERS = Stream("customers", "customers", replication_key=None, replication_column=None, ordered=False)


class WooCommerceConnector(StreamSource, HttpConnector):
    streams = {"orders": ORDERS, "customers": CUSTOMERS}

    def __init__(self, config: ChannelConfig, consumer_key: str, consumer_secret: str, *,
                 page_size: int = SIZES.page, policy: RetryPolicy | None = None):
        self.config = config
        client = httpx.Client(base_url=config.base_url.rstrip("/") + API, timeout=config.timeout,
                              auth=httpx.BasicAuth(consumer_key, consumer_secret))
        self.http = ChannelHttp(config, client, policy)
        self.page_size = page_size

    def describe(self) -> str:
        """One cheap authenticated call: what the Airflow UI's Test button shows."""
        response = self.http.request("GET", "/orders", params={"per_page": 1})
        return f"WooCommerce store answered ({response.headers.get('X-WP-Total', '?')} orders)"

    def listing(self, path: str, params: dict, start: str | None = None) -> Iterator[Batch]:
        """A list endpoint, page by page; positions are page numbers."""
        def fetch(position: str | None) -> Batch:
            page = page_number(position)
            response = self.http.request("GET", path, params={**params, "page": page, "per_page": self.page_size})
            return Batch(response.json(), next_page_number(page, int(response.headers.get("X-WP-TotalPages", "1"))))

        return paginate(fetch, start)

    def orders(self, since: datetime | None = None, after: str | None = None) -> Iterator[Page]:
        """Pages of orders modified at or after `since`; resume with a page's `resume_after` as `after`."""
        params = {"orderby": "id", "order": "asc", "dates_are_gmt": "true", "status": "any"}
        if since:
            params["modified_after"] = (since - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
        for batch in self.listing("/orders", params, after):
            rows = OrderRows()
            for order in batch.items:
                refunds = [r for b in self.listing(f"/orders/{order['id']}/refunds", {}) for r in b.items] \
                    if order["refunds"] else []
                add_order(rows, self.config.channel, order, refunds)
            yield Page.of(ORDERS, rows.tables(), batch.next)

    def order(self, order_id: int | str) -> dict | None:
        """One order as the store holds it now (None: the store has no such order)."""
        try:
            return self.http.request("GET", f"/orders/{order_id}").json()
        except ChannelRequestError as exc:
            if exc.status == 404:
                return None
            raise

    def order_notes(self, order_id: int | str) -> list[dict]:
        """Every note of an order, newest first (WooCommerce does not page them)."""
        return self.http.request("GET", f"/orders/{order_id}/notes").json()

    def add_order_note(self, order_id: int | str, note: str, customer_note: bool = False) -> dict:
        """A note on the order, sent once: a lost answer is raised, never re-sent blindly (the caller looks
        for the note before writing it again)."""
        return self.http.request_once("POST", f"/orders/{order_id}/notes",
                                      json={"note": note, "customer_note": customer_note}).json()

    def set_order_status(self, order_id: int | str, status: str) -> dict:
        """Move the order to `status` (setting the same status twice changes nothing, so retries are safe)."""
        return self.http.request("PUT", f"/orders/{order_id}", json={"status": status}).json()

    def customers(self, since: datetime | None = None, after: str | None = None) -> Iterator[Page]:
        """Registered customers, a full pass (WooCommerce cannot filter them by time: `since` is refused)."""
        check_since(self.config.platform, CUSTOMERS, since)
        return self.customer_pages(after)

    def customer_pages(self, after: str | None) -> Iterator[Page]:
        for batch in self.listing("/customers", {"orderby": "id", "order": "asc"}, after):
            rows = OrderRows()
            for customer in batch.items:
                add_customer(rows, self.config.channel, customer)
            yield Page.of(CUSTOMERS, rows.tables(), batch.next)

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
        rows = [inventory_row(self.config.channel, sku, p) for sku, p in self.products_by_sku(skus).items()]
        return pa.Table.from_pylist(rows, schema=INVENTORY_LEVEL_SCHEMA)

    def stock_levels(self) -> pa.Table:
        """Every SKU's store-wide stock, simple products and variations alike (a full pass), so SKUs the store
        has and Odoo does not come to light too."""
        ordered = {"orderby": "id", "order": "asc"}
        rows = []
        for batch in self.listing("/products", ordered):
            for item in batch.items:
                if item.get("type") == "variable":
                    rows += [inventory_row(self.config.channel, v["sku"], {
                        "product_id": item["id"], "variation_id": v["id"], "stock_quantity": v.get("stock_quantity")})
                        for page in self.listing(f"/products/{item['id']}/variations", ordered)
                        for v in page.items if v.get("sku")]
                elif item.get("sku"):
                    rows.append(inventory_row(self.config.channel, item["sku"], {
                        "product_id": item["id"], "variation_id": 0, "stock_quantity": item.get("stock_quantity")}))
        return pa.Table.from_pylist(rows, schema=INVENTORY_LEVEL_SCHEMA)

    def set_stock(self, quantities: dict[str, int], products: dict[str, dict]) -> list[dict]:
        """Write stock quantities through the batch endpoints; returns per-item errors."""
        simple, by_parent = [], {}
        for sku, qty in quantities.items():
            p = products[sku]
            item = {"id": p["variation_id"] or p["product_id"], "manage_stock": True, "stock_quantity": qty}
            (by_parent.setdefault(p["product_id"], []) if p["variation_id"] else simple).append(item)
        errors = []
        batches = [("/products/batch", simple)] + [(f"/products/{pid}/variations/batch", items)
                                                   for pid, items in by_parent.items()]
        for path, items in batches:
            for start in range(0, len(items), SIZES.stock_batch):
                result = self.http.request("POST", path, json={"update": items[start:start + SIZES.stock_batch]}).json()
                errors.extend(r for r in result.get("update", []) if "error" in r)
        return errors
