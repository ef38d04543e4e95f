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
from datetime import datetime

import httpx
import pyarrow as pa

from retail_sync.canonical.inventory import INVENTORY_LEVEL_SCHEMA
from retail_sync.canonical.keys import entity_key
from retail_sync.channels.errors import ChannelRequestError
from retail_sync.channels.frames import OrderPage, OrderRows
from retail_sync.channels.http import ChannelConfig, ChannelHttp, HttpConnector
from retail_sync.channels.shopify import queries
from retail_sync.channels.shopify.graphql_client import CostTooHigh, ShopifyGraphQL
from retail_sync.channels.shopify.mapping import add_customer, add_order, legacy, nodes, truncated
from retail_sync.channels.timestamps import iso_z, parse_iso
from retail_sync.retry import RetryPolicy

DEFAULT_API_VERSION = "2026-07"


class ShopifyConnector(HttpConnector):
    def __init__(self, config: ChannelConfig, access_token: str, *, page_size: int = 25,
                 policy: RetryPolicy | None = None, pace: bool = True, sleep: Callable[[float], None] = time.sleep,
                 timeout: float = 30.0):
        self.config = config
        client = httpx.Client(base_url=config.base_url, timeout=timeout,
                              headers={"X-Shopify-Access-Token": access_token, "Content-Type": "application/json"})
        self.http = ChannelHttp(config, client, policy)
        self.graphql = ShopifyGraphQL(self.http, config.api_version or DEFAULT_API_VERSION, pace=pace, sleep=sleep)
        self.page_size = page_size
        self.sleep = sleep

    # --- orders ------------------------------------------------------------------------------
    def orders(self, updated_since: datetime | None = None, after: str | None = None) -> Iterator[OrderPage]:
        """Pages of orders updated at or after `updated_since`, oldest update first; resume with `after`."""
        search = f"updated_at:>='{iso_z(updated_since)}'" if updated_since else None
        lines, nested = 5, 2
        query = queries.orders_page(lines, nested)
        while True:
            try:
                data = self.graphql.execute(query, {"first": self.page_size, "after": after, "query": search})
            except CostTooHigh as exc:
                smaller = max(1, self.page_size * exc.max_cost // exc.cost)
                if smaller == self.page_size:
                    raise
                self.page_size = smaller          # learnt once; later pages and pulls keep it
                continue
            connection = data["orders"]
            rows = OrderRows()
            newest = None
            for node in connection["nodes"]:
                if truncated(node) or len(node.get("refunds") or []) >= nested or \
                        len(node.get("fulfillments") or []) >= nested or len(node.get("transactions") or []) >= 2 * nested:
                    node = self.graphql.execute(queries.ORDER_IN_FULL, {"id": node["id"]})["order"]
                    if truncated(node):
                        raise ChannelRequestError(f"{self.config.channel}: order {node['name']} has more lines than "
                                                  f"one request can carry")
                add_order(rows, self.config.channel, node)
                newest = max(newest or node["updatedAt"], node["updatedAt"])
            cursor = connection["pageInfo"]["endCursor"] if connection["pageInfo"]["hasNextPage"] else None
            yield OrderPage(rows.tables(), cursor, newest)
            if cursor is None:
                return
            after = cursor

    def bulk_orders(self, updated_since: datetime | None = None, poll_seconds: float = 0.5,
                    timeout_seconds: float = 3600) -> Iterator[OrderPage]:
        """All matching orders through a bulk operation, yielded in pages of `page_size`×10 orders."""
        search = f"updated_at:>='{iso_z(updated_since)}'" if updated_since else None
        started = self.graphql.execute(queries.BULK_START, {"query": queries.orders_bulk(search)})
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
        batch = self.page_size * 10
        rows, count, newest = OrderRows(), 0, None
        with httpx.Client(timeout=300) as download, download.stream("GET", status["url"]) as response:
            response.raise_for_status()
            for order in assemble(response.iter_lines()):
                add_order(rows, self.config.channel, order)
                newest = max(newest or order["updatedAt"], order["updatedAt"])
                count += 1
                if count % batch == 0:
                    yield OrderPage(rows.tables(), None, newest)
                    rows = OrderRows()
        if rows.orders:
            yield OrderPage(rows.tables(), None, newest)

    # --- customers ---------------------------------------------------------------------------
    def customers(self, updated_since: datetime | None = None) -> Iterator:
        search = f"updated_at:>='{iso_z(updated_since)}'" if updated_since else None
        after = None
        while True:
            data = self.graphql.execute(queries.CUSTOMERS_PAGE, {"first": 100, "after": after, "query": search})
            rows = OrderRows()
            for node in data["customers"]["nodes"]:
                add_customer(rows, self.config.channel, node)
            yield rows.tables()["customers"]
            if not data["customers"]["pageInfo"]["hasNextPage"]:
                return
            after = data["customers"]["pageInfo"]["endCursor"]

    # --- catalog and inventory ---------------------------------------------------------------
    def variants_by_sku(self, skus: list[str]) -> dict[str, dict]:
        """{sku: {"variant_id", "inventory_item_id", "barcode"}} for the SKUs the shop has."""
        found: dict[str, dict] = {}
        for start in range(0, len(skus), 50):
            chunk = skus[start:start + 50]
            search = " OR ".join(f"sku:{json.dumps(s)}" for s in chunk)
            data = self.graphql.execute(queries.VARIANTS_BY_SKU, {"first": 50, "query": search})
            for node in data["productVariants"]["nodes"]:
                found[node["sku"]] = {"variant_id": node["id"], "inventory_item_id": node["inventoryItem"]["id"],
                                      "barcode": node.get("barcode")}
        return found

    def locations(self) -> list[dict]:
        out, after = [], None
        while True:
            data = self.graphql.execute(queries.LOCATIONS, {"after": after})["locations"]
            out.extend(data["nodes"])
            if not data["pageInfo"]["hasNextPage"]:
                return out
            after = data["pageInfo"]["endCursor"]

    def inventory_levels(self, skus: list[str], location_id: str):
        """Canonical InventoryLevel rows for these SKUs at one location."""
        rows = []
        for start in range(0, len(skus), 50):
            search = " OR ".join(f"sku:{json.dumps(s)}" for s in skus[start:start + 50])
            data = self.graphql.execute(queries.INVENTORY_LEVELS, {"first": 50, "query": search,
                                                                   "location": location_id})
            for node in data["productVariants"]["nodes"]:
                level = node["inventoryItem"]["inventoryLevel"]
                if level is None:
                    continue
                rows.append({"key": entity_key(self.config.channel, "inventory", f"{node['sku']}@{legacy(location_id)}"),
                             "channel": self.config.channel, "sku": node["sku"], "location_id": location_id,
                             "inventory_item_id": node["inventoryItem"]["id"],
                             "available": level["quantities"][0]["quantity"],
                             "updated_at": parse_iso(level.get("updatedAt"))})
        return pa.Table.from_pylist(rows, schema=INVENTORY_LEVEL_SCHEMA)

    def set_available(self, location_id: str, quantities: list[tuple[str, int, int | None]],
                      reference: str | None = None) -> list[dict]:
        """Set `available` for (inventory item id, quantity, expected current quantity) at a location.

        The expected quantity makes the write compare-and-set: a level that moved since we read it is
        refused (CHANGE_FROM_QUANTITY_STALE) instead of overwritten. Returns the user errors, if any.
        """
        errors: list[dict] = []
        for start in range(0, len(quantities), 250):
            chunk = quantities[start:start + 250]
            data = self.graphql.execute(queries.SET_QUANTITIES, {"input": {
                "name": "available", "reason": "correction", "referenceDocumentUri": reference,
                "quantities": [{"inventoryItemId": item, "locationId": location_id, "quantity": qty,
                                "changeFromQuantity": expected} for item, qty, expected in chunk]}})
            errors.extend(data["inventorySetQuantities"]["userErrors"])
        return errors

    def fulfil(self, order_id: str, lines: dict[str, int] | None, carrier: str | None,
               tracking_number: str | None) -> dict:
        """Ship lines of an order ({line item id: quantity}; None ships all that remains)."""
        data = self.graphql.execute(queries.FULFILLMENT_ORDERS, {"id": order_id})
        if data["order"] is None:
            raise ChannelRequestError(f"{self.config.channel}: order {order_id} not found")
        open_orders = [fo for fo in nodes(data["order"]["fulfillmentOrders"]) if fo["status"] in ("OPEN", "IN_PROGRESS")]
        if not open_orders:
            return {"fulfillment": None, "userErrors": [{"field": None, "message": "nothing left to fulfil"}]}
        fo = open_orders[0]
        items = None
        if lines is not None:
            by_line = {i["lineItem"]["id"]: i for i in nodes(fo["lineItems"])}
            items = [{"id": by_line[line]["id"], "quantity": qty} for line, qty in lines.items() if line in by_line]
        group = {"fulfillmentOrderId": fo["id"]}
        if items is not None:
            group["fulfillmentOrderLineItems"] = items
        payload = {"lineItemsByFulfillmentOrder": [group], "notifyCustomer": False,
                   "trackingInfo": {"company": carrier, "number": tracking_number}}
        return self.graphql.execute(queries.CREATE_FULFILLMENT, {"fulfillment": payload})["fulfillmentCreate"]


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
