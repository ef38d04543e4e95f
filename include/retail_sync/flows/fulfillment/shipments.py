"""Odoo's side of the fulfilment push: the delivery pickings validated for one channel's sale orders, as
`Shipment`s — what each shipped per SKU (its move lines), its tracking, the channel order it answers.

A picking belongs to a channel when its sale order's `origin` is the channel's name. The channel order it
answers comes from the sale order's external id: the order pull binds each sale order to the order's key
`<channel>:order:<id>` through `ir.model.data` (module `retail_sync`), and the key carries the channel's own
order id, which is what the storefront's API takes. `client_order_ref` (the order's name, "#1001") is only
shown to people: names are not unique on every platform and cannot be looked up cheaply everywhere.

Pickings come in `date_done` order (then id), in pages; with each page come the order's other done
deliveries, so the push knows what the order shipped before this picking.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from retail_sync.canonical.keys import entity_key
from retail_sync.odoo.binder import MODULE, UNSAFE, xmlid_name
from retail_sync.odoo.client import OdooClient

ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"
DELIVERY = [("state", "=", "done"), ("picking_type_id.code", "=", "outgoing")]


@dataclass
class Shipment:
    picking_id: int
    name: str                              # WH/OUT/00012
    date_done: str                         # ISO-8601 UTC
    write_date: str                        # ISO-8601 UTC: the last change (a tracking number added after shipping)
    channel: str
    sale_order: str                        # S00042
    order_name: str | None                 # client_order_ref: the name the customer saw (#1001)
    order_key: str | None                  # shopify-eu:order:5012, or None: no external id of this channel
    tracking_number: str | None
    carrier: str | None
    quantities: dict[str, int] = field(default_factory=dict)      # SKU -> units this picking shipped
    without_sku: list[str] = field(default_factory=list)          # products shipped that have no SKU in Odoo
    shipped_before: dict[str, int] = field(default_factory=dict)  # SKU -> units the order's earlier deliveries shipped
    last_delivery: bool = False            # no delivery of the order is done after it, and none is open

    @property
    def key(self) -> str:
        return entity_key(self.channel, "picking", self.picking_id)

    @property
    def order_id(self) -> str | None:
        """The channel's own id of the order (the last part of its key)."""
        return self.order_key.rsplit(":", 1)[1] if self.order_key else None

    @property
    def shipped_through(self) -> dict[str, int]:
        """What the order has shipped up to and including this picking, per SKU."""
        return {sku: self.shipped_before.get(sku, 0) + self.quantities.get(sku, 0)
                for sku in set(self.shipped_before) | set(self.quantities)}

    def digest(self) -> str:
        """What the channel is told about this picking: the same digest again needs no channel call."""
        told = [self.order_key, sorted(self.quantities.items()), self.tracking_number, self.carrier]
        return hashlib.sha256(json.dumps(told, separators=(",", ":")).encode()).hexdigest()

    def payload(self) -> dict:
        return {**asdict(self), "key": self.key}

    def describe(self) -> str:
        """The picking as a person finds it: the picking, the sale order and the channel order's name."""
        return f"{self.name} ({self.sale_order}, {self.order_name or 'no order reference'})"


def odoo_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(ODOO_DATETIME)


def iso_time(value: str) -> str:
    return datetime.strptime(value, ODOO_DATETIME).strftime("%Y-%m-%dT%H:%M:%SZ")


def order_key_of(channel: str, name: str) -> str | None:
    """The channel order key an external id's name was made from, or None (another channel's, another kind).

    A name is the key made safe plus a digest of the key (`binder.xmlid_name`); the channel's order id is what
    follows `<channel>_order_`, and the key rebuilt from it must give the same name back, so a name of another
    channel (`shopify_eu` and `shopify-eu` are made safe alike) or of another entity is never taken."""
    prefix = UNSAFE.sub("_", f"{channel}:order:").strip("_") + "_"
    if not name.startswith(prefix):
        return None
    key = entity_key(channel, "order", name[len(prefix):].rsplit("_", 1)[0])
    return key if xmlid_name(key) == name else None


def order_keys(client: OdooClient, channel: str, sale_ids: list[int]) -> dict[int, str]:
    """sale.order id -> its channel order key, read back from the external ids the order pull made."""
    if not sale_ids:
        return {}
    rows = client.call("ir.model.data", "search_read", [["module", "=", MODULE], ["model", "=", "sale.order"],
                                                        ["res_id", "in", sale_ids]], ["name", "res_id"])
    found = {row["res_id"]: order_key_of(channel, row["name"]) for row in rows}
    return {sale: key for sale, key in found.items() if key}


class ShipmentReader:
    """Delivery pickings of one channel's sale orders done at or after a time, page by page."""

    def __init__(self, client: OdooClient, channel: str, page_size: int):
        self.client = client
        self.channel = channel
        self.page_size = page_size
        self._carrier_field: bool | None = None

    def has_carrier(self) -> bool:
        """Whether pickings have `carrier_id` (the delivery module: stock_delivery from 18, delivery in 17)."""
        if self._carrier_field is None:
            fields = self.client.call("stock.picking", "fields_get", [], attributes=["type"])
            self._carrier_field = "carrier_id" in fields
        return self._carrier_field

    def pages(self, since: datetime | None, tracked: bool = False) -> Iterator[list[Shipment]]:
        """Pickings done at or after `since`, by `date_done`; `tracked`: those with a tracking number changed at
        or after `since`, by `write_date` (a number typed in after the picking was validated)."""
        column = "write_date" if tracked else "date_done"
        domain = [*DELIVERY, ("sale_id.origin", "=", self.channel)]
        if tracked:
            domain.append(("carrier_tracking_ref", "!=", False))
        if since is not None:
            domain.append((column, ">=", odoo_time(since)))
        fields = ["name", "date_done", "write_date", "sale_id", "carrier_tracking_ref"] + (
            ["carrier_id"] if self.has_carrier() else [])
        offset = 0
        while True:
            rows = self.client.call("stock.picking", "search_read", domain, fields, offset=offset,
                                    limit=self.page_size, order=f"{column} asc, id asc")
            if rows:
                yield self._shipments(rows)
            if len(rows) < self.page_size:
                return
            offset += len(rows)

    def _shipments(self, rows: list[dict]) -> list[Shipment]:
        sale_ids = sorted({row["sale_id"][0] for row in rows})
        orders = {o["id"]: o for o in self.client.call("sale.order", "read", sale_ids, ["name", "client_order_ref"])}
        keys = order_keys(self.client, self.channel, sale_ids)
        # Every done delivery of these orders (to know what shipped before each picking), and the open ones.
        done = self.client.call("stock.picking", "search_read", [*DELIVERY, ("sale_id", "in", sale_ids)],
                                ["date_done", "sale_id"], order="date_done asc, id asc")
        still_open = {row["sale_id"][0] for row in self.client.call(
            "stock.picking", "search_read", [("state", "not in", ["done", "cancel"]),
                                             ("picking_type_id.code", "=", "outgoing"),
                                             ("sale_id", "in", sale_ids)], ["sale_id"])}
        lines = self._quantities([row["id"] for row in done])
        shipments = []
        for row in rows:
            sale = row["sale_id"][0]
            order = orders[sale]
            of_order = [p["id"] for p in done if p["sale_id"][0] == sale]
            earlier = of_order[:of_order.index(row["id"])] if row["id"] in of_order else []
            before: dict[str, int] = {}
            for picking in earlier:
                for sku, qty in lines[picking][0].items():
                    before[sku] = before.get(sku, 0) + qty
            carrier = row.get("carrier_id")
            shipments.append(Shipment(
                row["id"], row["name"], iso_time(row["date_done"]), iso_time(row["write_date"]), self.channel,
                order["name"],
                order["client_order_ref"] or None, keys.get(sale), row["carrier_tracking_ref"] or None,
                carrier[1] if carrier else None, lines[row["id"]][0], lines[row["id"]][1], before,
                last_delivery=bool(of_order) and of_order[-1] == row["id"] and sale not in still_open))
        return shipments

    def _quantities(self, picking_ids: list[int]) -> dict[int, tuple[dict[str, int], list[str]]]:
        """picking id -> ({SKU: units}, [names of products without a SKU]), from the move lines."""
        rows = self.client.call("stock.move.line", "search_read", [("picking_id", "in", picking_ids)],
                                ["picking_id", "product_id", "quantity"])
        product_ids = sorted({r["product_id"][0] for r in rows})
        products = {p["id"]: p for p in self.client.call("product.product", "read", product_ids,
                                                         ["default_code", "display_name"])} if product_ids else {}
        found: dict[int, tuple[dict[str, int], list[str]]] = {p: ({}, []) for p in picking_ids}
        for row in rows:
            units = round(row["quantity"] or 0)
            if units <= 0:
                continue
            product = products[row["product_id"][0]]
            quantities, without_sku = found[row["picking_id"][0]]
            sku = product["default_code"]
            if sku:
                quantities[sku] = quantities.get(sku, 0) + units
            elif product["display_name"] not in without_sku:
                without_sku.append(product["display_name"])
        return found
