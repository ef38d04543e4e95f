"""One shipment told to its storefront, exactly once however often it is pushed.

Shopify: before every write the order is read (its fulfillments and the open fulfillment orders' remaining
quantities). What this picking still has to add is what Odoo has shipped up to and including it, less what
the shop already shows fulfilled, never more than the picking itself shipped: a picking already told (a
re-run, a run killed after Shopify answered, an answer lost on the way) has nothing left to add and is not
sent again. The write itself (`fulfillmentCreate` on fulfillment order line items) is sent once; after a
lost answer or a refusal the order is read again and the plan made again.

WooCommerce has no per-line fulfilment: each picking becomes one order note (what shipped, carrier,
tracking) carrying a marker with the picking's key, found again before anything is written; the order is
set `completed` once Odoo has shipped every line, or its last delivery is done with nothing left open.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from retail_sync.channels.errors import ChannelRetryableError
from retail_sync.flows.fulfillment.shipments import Shipment

OPEN_FULFILLMENT_ORDERS = ("OPEN", "IN_PROGRESS")
FINAL_WOO_STATUSES = ("completed", "cancelled", "refunded", "failed", "trash")


class Told(StrEnum):
    CREATED = "created"        # the storefront got a new fulfilment (note) for the picking
    PRESENT = "present"        # it already had it: nothing was written


@dataclass
class PushResult:
    told: Told
    lines: int = 0             # order lines fulfilled by this push
    units: int = 0


class Refused(Exception):
    """The storefront cannot take this shipment as it is (unknown order or SKU, more than is left to
    fulfil, a refusal that stays after a re-read): the picking is dead-lettered with the reason."""


# ------------------------------------------------------------------------------------------- Shopify
def shopify_plan(order: dict, shipment: Shipment) -> dict[str, list[tuple[str, int]]]:
    """{fulfillment order id: [(its line item id, units)]}: what this picking still has to add."""
    line_skus = {line["sku"] for line in order["lineItems"]["nodes"] if line.get("sku")}
    missing = sorted(set(shipment.quantities) - line_skus)
    if missing:
        without = sum(1 for line in order["lineItems"]["nodes"] if not line.get("sku"))
        raise Refused(f"SKU {', '.join(missing)} shipped by {shipment.describe()} is on no line of order "
                      f"{order['name']}" + (f" ({without} of its lines have no SKU)" if without else ""))
    fulfilled: dict[str, int] = {}
    for fulfillment in order["fulfillments"]:
        if fulfillment["status"] != "SUCCESS":
            continue                       # a cancelled or failed fulfillment shipped nothing
        for item in fulfillment["fulfillmentLineItems"]["nodes"]:
            sku = item["lineItem"].get("sku")
            fulfilled[sku] = fulfilled.get(sku, 0) + item["quantity"]
    through = shipment.shipped_through
    open_items: dict[str, list[tuple[str, str, int]]] = {}
    for fo in order["fulfillmentOrders"]["nodes"]:
        if fo["status"] in OPEN_FULFILLMENT_ORDERS:
            for item in fo["lineItems"]["nodes"]:
                if item["remainingQuantity"] > 0:
                    open_items.setdefault(item["lineItem"].get("sku"), []).append(
                        (fo["id"], item["id"], item["remainingQuantity"]))
    plan: dict[str, list[tuple[str, int]]] = {}
    for sku, units in sorted(shipment.quantities.items()):
        needed = min(units, max(0, through[sku] - fulfilled.get(sku, 0)))
        left = sum(remaining for _, _, remaining in open_items.get(sku, []))
        if needed > left:
            raise Refused(f"{shipment.describe()} ships {needed} × {sku} still to fulfil, but order {order['name']} "
                          f"has {left} left to fulfil")
        for fo_id, item_id, remaining in open_items.get(sku, []):
            if needed <= 0:
                break
            take = min(needed, remaining)
            plan.setdefault(fo_id, []).append((item_id, take))
            needed -= take
    return plan


def push_shopify(connector, shipment: Shipment, carrier: str | None, attempts: int) -> PushResult:
    order_gid = f"gid://shopify/Order/{shipment.order_id}"
    result = PushResult(Told.PRESENT)
    refusal = None
    for attempt in range(1, attempts + 1):
        order = connector.order_shipping(order_gid)
        if order is None:
            raise Refused(f"{shipment.describe()}: order {shipment.order_key} is not on {shipment.channel}")
        plan = shopify_plan(order, shipment)
        if not plan:
            return result                  # everything this picking shipped is on the shop already
        try:
            for fo_id, items in plan.items():
                answer = connector.create_fulfillment(fo_id, items, carrier, shipment.tracking_number)
                if answer["userErrors"]:
                    refusal = "; ".join(e["message"] for e in answer["userErrors"])
                    break
                result.told = Told.CREATED
                result.lines += len(items)
                result.units += sum(units for _, units in items)
            else:
                return result
        except ChannelRetryableError:
            if attempt == attempts:
                raise                      # the shop is not answering: the run stops, the picking waits
    raise Refused(f"{shipment.describe()}: Shopify refused the fulfilment of order {shipment.order_key}: {refusal}")


# --------------------------------------------------------------------------------------- WooCommerce
def woo_marker(shipment: Shipment) -> str:
    return f"[retail-sync:{shipment.key}]"


def woo_note(shipment: Shipment, carrier: str | None) -> str:
    shipped = ", ".join(f"{units} × {sku}" for sku, units in sorted(shipment.quantities.items()))
    parts = [f"Shipped {shipment.name}: {shipped}."]
    if carrier or shipment.tracking_number:
        parts.append(" ".join(p for p in (carrier, "tracking", shipment.tracking_number) if p) + "."
                     if shipment.tracking_number else f"Carrier {carrier}.")
    return " ".join([*parts, woo_marker(shipment)])


def push_woocommerce(connector, shipment: Shipment, carrier: str | None, attempts: int) -> PushResult:
    order = connector.order(shipment.order_id)
    if order is None:
        raise Refused(f"{shipment.describe()}: order {shipment.order_key} is not on {shipment.channel}")
    ordered: dict[str, int] = {}
    for line in order["line_items"]:
        if line.get("sku"):
            ordered[line["sku"]] = ordered.get(line["sku"], 0) + line["quantity"]
    missing = sorted(set(shipment.quantities) - set(ordered))
    if missing:
        without = sum(1 for line in order["line_items"] if not line.get("sku"))
        raise Refused(f"SKU {', '.join(missing)} shipped by {shipment.describe()} is on no line of order "
                      f"#{order['number']}" + (f" ({without} of its lines have no SKU)" if without else ""))
    result = PushResult(Told.PRESENT)
    marker = woo_marker(shipment)
    for attempt in range(1, attempts + 1):
        if any(marker in note["note"] for note in connector.order_notes(shipment.order_id)):
            break
        try:
            connector.add_order_note(shipment.order_id, woo_note(shipment, carrier))
        except ChannelRetryableError:
            if attempt == attempts:
                raise
            continue                       # the note may have been written: look for it again first
        result = PushResult(Told.CREATED, len(shipment.quantities), sum(shipment.quantities.values()))
        break
    through = shipment.shipped_through
    everything = all(through.get(sku, 0) >= units for sku, units in ordered.items())
    if order["status"] not in FINAL_WOO_STATUSES and (everything or shipment.last_delivery):
        connector.set_order_status(shipment.order_id, "completed")
    return result


# ------------------------------------------------------------------------- a tracking number later
def fulfilled_units(fulfillment: dict) -> dict[str, int]:
    units: dict[str, int] = {}
    for item in fulfillment["fulfillmentLineItems"]["nodes"]:
        sku = item["lineItem"].get("sku")
        units[sku] = units.get(sku, 0) + item["quantity"]
    return units


def retrack_shopify(connector, shipment: Shipment, carrier: str | None, attempts: int) -> PushResult:
    """The picking's tracking put on the fulfilment it became: the shop's fulfilment of exactly its units,
    preferring one without tracking yet (Shopify fulfilments carry no reference of ours)."""
    order = connector.order_shipping(f"gid://shopify/Order/{shipment.order_id}")
    if order is None:
        raise Refused(f"{shipment.describe()}: order {shipment.order_key} is not on {shipment.channel}")
    matching = [f for f in order["fulfillments"]
                if f["status"] == "SUCCESS" and fulfilled_units(f) == shipment.quantities]
    numbers = [(f["trackingInfo"] or [{}])[0].get("number") for f in matching]
    if shipment.tracking_number in numbers:
        return PushResult(Told.PRESENT)
    untracked = [f for f, number in zip(matching, numbers) if not number]
    chosen = untracked[:1] or (matching if len(matching) == 1 else [])
    if not chosen:
        raise Refused(f"{shipment.describe()}: tracking {shipment.tracking_number} arrived, but "
                      f"{len(matching)} fulfilment(s) of order {order['name']} ship exactly its units")
    answer = connector.update_tracking(chosen[0]["id"], carrier, shipment.tracking_number)
    if answer["userErrors"]:
        raise Refused(f"{shipment.describe()}: Shopify refused its tracking number: "
                      f"{'; '.join(e['message'] for e in answer['userErrors'])}")
    return PushResult(Told.CREATED)


def retrack_woocommerce(connector, shipment: Shipment, carrier: str | None, attempts: int) -> PushResult:
    """A note with the tracking, marked with the picking's key and the number (a changed number gets its own)."""
    marker = f"[retail-sync:{shipment.key}:tracking:{shipment.tracking_number}]"
    text = " ".join(p for p in (f"Tracking for {shipment.name}:", carrier, shipment.tracking_number, marker) if p)
    if connector.order(shipment.order_id) is None:
        raise Refused(f"{shipment.describe()}: order {shipment.order_key} is not on {shipment.channel}")
    for attempt in range(1, attempts + 1):
        if any(marker in note["note"] for note in connector.order_notes(shipment.order_id)):
            return PushResult(Told.PRESENT)
        try:
            connector.add_order_note(shipment.order_id, text)
            return PushResult(Told.CREATED)
        except ChannelRetryableError:
            if attempt == attempts:
                raise
    return PushResult(Told.PRESENT)
