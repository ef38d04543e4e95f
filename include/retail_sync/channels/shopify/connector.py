"""The Shopify connector: orders, customers, variants, locations and inventory through the GraphQL
Admin API, as canonical frames; inventory corrections and fulfilments back.

Pulls are incremental on `updated_at` and resumable: every page says where to continue, so a pull
that fails half-way restarts after the last page it delivered. Backfills too large to page through
go through a bulk operation and its JSONL file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import httpx
import pyarrow as pa

from retail_sync.canonical.inventory import INVENTORY_LEVEL_SCHEMA
from retail_sync.channels.errors import ChannelRequestError
from retail_sync.channels.frames import OrderRows
from retail_sync.channels.http import ChannelConfig, ChannelHttp, HttpConnector
from retail_sync.channels.paging import Batch, next_cursor, paginate
from retail_sync.channels.shopify import queries
from retail_sync.channels.shopify.graphql_client import DEFAULT_API_VERSION, CostTooHigh, ShopifyGraphQL
from retail_sync.channels.shopify.mapping import add_customer, add_order, inventory_row, truncated
from retail_sync.channels.source import Page, Stream, StreamSource
from retail_sync.channels.timestamps import iso_z
from retail_sync.retry import RetryPolicy


@dataclass(frozen=True)
class ShopifySizes:
    """Page and chunk sizes of every Shopify call, in one place."""

    orders: int = 25               # order nodes per page; shrunk at run time if a page costs over maxCost
    order_lines: int = 5           # nested items per order on a page: covers almost every order, and an
    order_nested: int = 2          # order with more is fetched again alone (transactions: twice nested)
    customers: int = 100
    locations: int = 50
    skus_per_query: int = 50       # SKUs OR-ed into one productVariants search
    levels: int = 100              # variants per page of a location's full stock listing
    quantities_per_write: int = 250   # inventorySetQuantities' limit per call
    bulk_orders_per_page: int = 250   # orders per page yielded from a bulk file


SIZES = ShopifySizes()
ORDERS = Stream("orders", "orders", replication_key="updatedAt", replication_column="updated_at", ordered=True)
CUSTOMERS = Stream("customers", "customers", replication_key="updatedAt", replication_column="updated_at",
                   ordered=True)


def updated_search(since: datetime | None) -> str | None:
    return f"updated_at:>='{iso_z(since)}'" if since else None


def connection_batch(connection: dict) -> Batch:
    info = connection["pageInfo"]
    return Batch(connection["nodes"], next_cursor(info["hasNextPage"], info.get("endCursor")))


class ShopifyConnector(StreamSource, HttpConnector):
    streams = {"orders": ORDERS, "customers": CUSTOMERS}

    def __init__(self, config: ChannelConfig, access_token: str, *, page_size: int | None = None,
                 sizes: ShopifySizes = SIZES, policy: RetryPolicy | None = None, pace: bool = True,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self.config = config
        client = httpx.Client(base_url=config.base_url, timeout=config.timeout,
                              headers={"X-Shopify-Access-Token": access_token, "Content-Type": "application/json"})
        self.http = ChannelHttp(config, client, policy)
        self.graphql = ShopifyGraphQL(self.http, config.api_version or DEFAULT_API_VERSION, pace=pace, sleep=sleep,
                                      clock=clock)
        self.sizes = sizes
        self.page_size = page_size or sizes.orders     # of orders; shrinks if Shopify finds a page too costly
        self.sleep = sleep

    def describe(self) -> str:
        """One cheap authenticated call: what the Airflow UI's Test button shows."""
        shop = self.graphql.execute("query { shop { name myshopifyDomain } }")["shop"]
        return f"Shopify shop {shop['name']} ({shop['myshopifyDomain']}) answered"

    # --- orders ------------------------------------------------------------------------------
    def orders(self, since: datetime | None = None, after: str | None = None) -> Iterator[Page]:
        """Pages of orders updated at or after `since`, oldest update first; resume with `after`."""
        search = updated_search(since)
        query = queries.orders_page(self.sizes.order_lines, self.sizes.order_nested)

        def fetch(position: str | None) -> Batch:
            while True:
                try:
                    data = self.graphql.execute(query, {"first": self.page_size, "after": position, "query": search})
                    return connection_batch(data["orders"])
                except CostTooHigh as exc:
                    smaller = max(1, self.page_size * exc.max_cost // exc.cost)
                    if smaller == self.page_size:
                        raise
                    self.page_size = smaller          # learnt once; later pages and pulls keep it

        for batch in paginate(fetch, after):
            rows = OrderRows()
            for node in batch.items:
                add_order(rows, self.config.channel, self.whole(node))
            yield Page.of(ORDERS, rows.tables(), batch.next)

    def whole(self, node: dict) -> dict:
        """The order with none of its nested lists cut short (fetched again alone if one was)."""
        nested = self.sizes.order_nested
        if not (truncated(node) or len(node.get("refunds") or []) >= nested
                or len(node.get("fulfillments") or []) >= nested or len(node.get("transactions") or []) >= 2 * nested):
            return node
        node = self.graphql.execute(queries.ORDER_IN_FULL, {"id": node["id"]})["order"]
        if truncated(node):
            raise ChannelRequestError(f"{self.config.channel}: order {node['name']} has more lines than "
                                      f"one request can carry")
        return node

    def bulk_orders(self, since: datetime | None = None, poll_seconds: float = 0.5,
                    timeout_seconds: float = 3600) -> Iterator[Page]:
        """All matching orders through a bulk operation, in pages of `bulk_orders_per_page` orders.

        A bulk file is one download: its pages cannot be resumed (`resume_after` is None); a failed
        backfill starts a new operation.
        """
        started = self.graphql.execute(queries.BULK_START, {"query": queries.orders_bulk(updated_search(since))})
        result = started["bulkOperationRunQuery"]
        if result["userErrors"]:
            raise ChannelRequestError(f"{self.config.channel}: bulk operation refused: {result['userErrors']}")
        operation_id = result["bulkOperation"]["id"]
        deadline = time.monotonic() + timeout_seconds
        while True:
            status = self.graphql.execute(queries.BULK_STATUS, {"id": operation_id})["bulkOperation"]
            if status["status"] == "COMPLETED":
                break
            if status["status"] in ("FAILED", "CANCELED", "EXPIRED") or time.monotonic() > deadline:
                raise ChannelRequestError(f"{self.config.channel}: bulk operation {operation_id} ended "
                                          f"{status['status']} ({status.get('errorCode')})")
            self.sleep(poll_seconds)
        if not status["url"]:
            return
        rows = OrderRows()
        with httpx.Client(timeout=300) as download, download.stream("GET", status["url"]) as response:
            response.raise_for_status()
            for order in assemble(response.iter_lines()):
                add_order(rows, self.config.channel, order)
                if len(rows.orders) == self.sizes.bulk_orders_per_page:
                    yield Page.of(ORDERS, rows.tables(), None)
                    rows = OrderRows()
        if rows.orders:
            yield Page.of(ORDERS, rows.tables(), None)

    # --- customers ---------------------------------------------------------------------------
    def customers(self, since: datetime | None = None, after: str | None = None) -> Iterator[Page]:
        """Pages of customers updated at or after `since`, oldest update first; resume with `after`."""
        search = updated_search(since)

        def fetch(position: str | None) -> Batch:
            return connection_batch(self.graphql.execute(
                queries.CUSTOMERS_PAGE, {"first": self.sizes.customers, "after": position, "query": search})["customers"])

        for batch in paginate(fetch, after):
            rows = OrderRows()
            for node in batch.items:
                add_customer(rows, self.config.channel, node)
            yield Page.of(CUSTOMERS, rows.tables(), batch.next)

    # --- catalog and inventory ---------------------------------------------------------------
    def variant_nodes(self, skus: list[str], query: str, **variables) -> Iterator[dict]:
        """The variant nodes of these SKUs, searched `skus_per_query` at a time."""
        for start in range(0, len(skus), self.sizes.skus_per_query):
            chunk = skus[start:start + self.sizes.skus_per_query]
            search = " OR ".join(f"sku:{json.dumps(s)}" for s in chunk)
            yield from self.graphql.execute(query, {"first": self.sizes.skus_per_query, "query": search,
                                                    **variables})["productVariants"]["nodes"]

    def variants_by_sku(self, skus: list[str]) -> dict[str, dict]:
        """{sku: {"variant_id", "inventory_item_id", "barcode"}} for the SKUs the shop has."""
        return {node["sku"]: {"variant_id": node["id"], "inventory_item_id": node["inventoryItem"]["id"],
                              "barcode": node.get("barcode")}
                for node in self.variant_nodes(skus, queries.VARIANTS_BY_SKU)}

    def locations(self) -> list[dict]:
        def fetch(position: str | None) -> Batch:
            return connection_batch(self.graphql.execute(
                queries.LOCATIONS, {"first": self.sizes.locations, "after": position})["locations"])

        return [node for batch in paginate(fetch) for node in batch.items]

    def inventory_levels(self, skus: list[str], location_id: str) -> pa.Table:
        """Canonical InventoryLevel rows for these SKUs at one location."""
        rows = [inventory_row(self.config.channel, node, location_id)
                for node in self.variant_nodes(skus, queries.INVENTORY_LEVELS, location=location_id)]
        return pa.Table.from_pylist([r for r in rows if r is not None], schema=INVENTORY_LEVEL_SCHEMA)

    def location_levels(self, location_id: str) -> pa.Table:
        """Every variant's level at one location (a full pass; variants not stocked there are left out), so
        SKUs the shop has and Odoo does not come to light too."""
        def fetch(position: str | None) -> Batch:
            return connection_batch(self.graphql.execute(queries.LOCATION_LEVELS, {
                "first": self.sizes.levels, "after": position, "location": location_id})["productVariants"])

        rows = [inventory_row(self.config.channel, node, location_id)
                for batch in paginate(fetch) for node in batch.items if node.get("sku")]
        return pa.Table.from_pylist([r for r in rows if r is not None], schema=INVENTORY_LEVEL_SCHEMA)

    def set_available(self, location_id: str, quantities: list[tuple[str, int, int | None]],
                      reference: str | None = None) -> list[dict]:
        """Set `available` for (inventory item id, quantity, expected current quantity) at a location.

        The expected quantity makes the write compare-and-set: a level that moved since we read it is
        refused (CHANGE_FROM_QUANTITY_STALE) instead of overwritten. Returns the user errors, if any.
        """
        errors: list[dict] = []
        for start in range(0, len(quantities), self.sizes.quantities_per_write):
            chunk = quantities[start:start + self.sizes.quantities_per_write]
            data = self.graphql.execute(queries.SET_QUANTITIES, {"input": {
                "name": "available", "reason": "correction", "referenceDocumentUri": reference,
                "quantities": [{"inventoryItemId": item, "locationId": location_id, "quantity": qty,
                                "changeFromQuantity": expected} for item, qty, expected in chunk]}})
            errors.extend(data["inventorySetQuantities"]["userErrors"])
        return errors

    def fulfil(self, order_id: str, lines: dict[str, int] | None, carrier: str | None,
               tracking_number: str | None) -> dict:
        """Ship lines of an order ({line item id: quantity}; None ships all that remains) from its first open
        fulfillment order. The fulfilment push works per SKU through `order_shipping` and `create_fulfillment`."""
        order = self.order_shipping(order_id)
        if order is None:
            raise ChannelRequestError(f"{self.config.channel}: order {order_id} not found")
        open_orders = [fo for fo in order["fulfillmentOrders"]["nodes"] if fo["status"] in ("OPEN", "IN_PROGRESS")]
        if not open_orders:
            return {"fulfillment": None, "userErrors": [{"field": None, "message": "nothing left to fulfil"}]}
        fo = open_orders[0]
        by_line = {i["lineItem"]["id"]: i for i in fo["lineItems"]["nodes"]}
        items = [(i["id"], i["remainingQuantity"]) for i in by_line.values() if i["remainingQuantity"]] \
            if lines is None else [(by_line[line]["id"], qty) for line, qty in lines.items() if line in by_line]
        return self.create_fulfillment(fo["id"], items, carrier, tracking_number)

    def order_shipping(self, order_id: str) -> dict | None:
        """The order's lines, fulfillments and open fulfillment orders (None: the shop has no such order)."""
        order = self.graphql.execute(queries.ORDER_SHIPPING, {"id": order_id})["order"]
        if order is None:
            return None
        # What shipped must be read whole: a part missing would make the push send it again.
        parts = [order["lineItems"], order["fulfillmentOrders"]] + \
            [f["fulfillmentLineItems"] for f in order["fulfillments"]] + \
            [fo["lineItems"] for fo in order["fulfillmentOrders"]["nodes"]]
        if any(p["pageInfo"]["hasNextPage"] for p in parts) or \
                len(order["fulfillments"]) >= queries.SHIPPING_LIMITS["fulfillments"]:
            raise ChannelRequestError(f"{self.config.channel}: order {order['name']} has more lines, fulfillments "
                                      f"or fulfillment orders than one request can carry")
        return order

    def create_fulfillment(self, fulfillment_order_id: str, items: list[tuple[str, int]], carrier: str | None,
                           tracking_number: str | None, notify_customer: bool = False) -> dict:
        """One fulfillment of (fulfillment order line item id, quantity) pairs, sent once: a lost answer is
        raised, never re-sent blindly (the caller reads the order again to see whether it was applied)."""
        tracking = {key: value for key, value in (("company", carrier), ("number", tracking_number)) if value}
        payload = {"lineItemsByFulfillmentOrder": [{
            "fulfillmentOrderId": fulfillment_order_id,
            "fulfillmentOrderLineItems": [{"id": item, "quantity": qty} for item, qty in items]}],
            "notifyCustomer": notify_customer}
        if tracking:
            payload["trackingInfo"] = tracking
        return self.graphql.execute(queries.FULFILLMENT_CREATE, {"fulfillment": payload}, once=True)[
            "fulfillmentCreate"]

    def update_tracking(self, fulfillment_id: str, carrier: str | None, tracking_number: str) -> dict:
        """Replace a fulfillment's tracking (setting the same tracking twice changes nothing: retries are safe)."""
        tracking = {"number": tracking_number, **({"company": carrier} if carrier else {})}
        return self.graphql.execute(queries.FULFILLMENT_TRACKING_UPDATE, {"id": fulfillment_id, "tracking": tracking})[
            "fulfillmentTrackingInfoUpdate"]


def assemble(lines: Iterator[str]) -> Iterator[dict]:
    """Bulk JSONL back into order nodes: child lines (`__parentId`) follow their order."""
    current: dict | None = None
    for text in lines:
        if not text.strip():
            continue
        record = json.loads(text)
        parent = record.pop("__parentId", None)
        if parent is None:
            if current is not None:
                yield current
            current = record
            current["lineItems"] = {"nodes": []}
        elif current is not None and parent == current["id"]:
            current["lineItems"]["nodes"].append(record)
        else:
            raise ChannelRequestError(f"bulk file: a line's parent {parent} is not the order before it")
    if current is not None:
        yield current
