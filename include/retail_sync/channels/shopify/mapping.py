"""Shopify GraphQL nodes → canonical rows (Order, OrderLine, Payment, Refund, Shipment, Customer,
InventoryLevel): the Shopify mapper, apart from the connector that fetches the nodes.

Amounts are taken in shop money as decimal strings; statuses become the canonical enums. The raw
node is kept on the order row so a record that fails validation can be dead-lettered as it came.
"""

from __future__ import annotations

import json
from decimal import Decimal

from retail_sync.canonical.keys import entity_key
from retail_sync.canonical.orders import address_json
from retail_sync.channels.frames import OrderRows
from retail_sync.channels.timestamps import parse_iso

FULFILLMENT = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}
FINANCIAL = {"EXPIRED": "voided", "PENDING": "pending"}     # the rest lower-cased match the canonical names


def legacy(global_id: str) -> str:
    return global_id.rsplit("/", 1)[-1]


def amount(bag: dict | None) -> Decimal:
    return Decimal(bag["shopMoney"]["amount"]) if bag else Decimal(0)


def address(bag: dict | None) -> str | None:
    """A MailingAddress as the canonical address JSON."""
    if not bag:
        return None
    name = bag.get("name") or " ".join(p for p in (bag.get("firstName"), bag.get("lastName")) if p)
    return address_json(name=name, company=bag.get("company"), street=bag.get("address1"),
                        street2=bag.get("address2"), city=bag.get("city"), zip=bag.get("zip"),
                        state=bag.get("province"), country_code=bag.get("countryCodeV2"),
                        phone=bag.get("phone"))


def nodes(connection) -> list[dict]:
    """Items of a connection in any of the shapes we receive: nodes, edges, or already a list."""
    if connection is None:
        return []
    if isinstance(connection, list):
        return connection
    if connection.get("nodes") is not None:
        return connection["nodes"]
    return [e["node"] for e in connection.get("edges") or []]


def add_order(rows: OrderRows, channel: str, node: dict) -> None:
    key = entity_key(channel, "order", legacy(node["id"]))
    billing = node.get("billingAddress") or {}
    customer = node.get("customer")
    cancelled = node.get("cancelledAt")
    rows.orders.append({
        "key": key, "channel": channel, "source_id": legacy(node["id"]), "name": node["name"],
        "financial_status": FINANCIAL.get(node.get("displayFinancialStatus") or "PENDING",
                                          (node.get("displayFinancialStatus") or "").lower()),
        "fulfillment_status": FULFILLMENT.get(node["displayFulfillmentStatus"], "unfulfilled"),
        "cancelled_at": parse_iso(cancelled), "cancel_reason": (node.get("cancelReason") or "").lower() or None,
        "currency": node["currencyCode"], "subtotal": amount(node.get("subtotalPriceSet")),
        "discount_total": amount(node.get("totalDiscountsSet")),
        "shipping_total": amount(node.get("totalShippingPriceSet")), "tax_total": amount(node.get("totalTaxSet")),
        "total": amount(node["totalPriceSet"]), "refunded_total": amount(node.get("totalRefundedSet")),
        "customer_key": entity_key(channel, "customer", legacy(customer["id"])) if customer else None,
        "email": node.get("email"), "phone": node.get("phone"),
        "billing_name": " ".join(p for p in (billing.get("firstName"), billing.get("lastName")) if p) or None,
        "billing_country": billing.get("countryCodeV2"),
        "shipping_address": address(node.get("shippingAddress")), "billing_address": address(billing),
        "note": node.get("note"), "payment_reference": next(
            (t.get("authorizationCode") for t in node.get("transactions") or []
             if t["kind"] in ("SALE", "CAPTURE") and t["status"] == "SUCCESS" and t.get("authorizationCode")), None),
        "created_at": parse_iso(node["createdAt"]), "updated_at": parse_iso(node["updatedAt"]),
        "raw": json.dumps(node, ensure_ascii=False, separators=(",", ":")),
    })
    for line in nodes(node.get("lineItems")):
        tax_lines = line.get("taxLines") or []
        rows.lines.append({
            "key": entity_key(channel, "order_line", legacy(line["id"])), "order_key": key, "sku": line.get("sku"),
            "name": line["name"], "quantity": line["quantity"], "unit_price": amount(line["originalUnitPriceSet"]),
            "discount": amount(line.get("totalDiscountSet")),
            "tax": sum((amount(t["priceSet"]) for t in tax_lines), Decimal(0)),
            "tax_rate": tax_lines[0].get("rate") if tax_lines else None, "currency": node["currencyCode"]})
    for txn in node.get("transactions") or []:
        parent = txn.get("parentTransaction")
        rows.payments.append({
            "key": entity_key(channel, "payment", legacy(txn["id"])), "order_key": key, "kind": txn["kind"].lower(),
            "status": txn["status"].lower(), "gateway": txn.get("gateway"), "amount": amount(txn["amountSet"]),
            "currency": node["currencyCode"], "reference": txn.get("authorizationCode"),
            "parent_key": entity_key(channel, "payment", legacy(parent["id"])) if parent else None,
            "processed_at": parse_iso(txn.get("processedAt"))})
    for refund in node.get("refunds") or []:
        rows.refunds.append({
            "key": entity_key(channel, "refund", legacy(refund["id"])), "order_key": key,
            "amount": amount(refund["totalRefundedSet"]), "currency": node["currencyCode"], "note": refund.get("note"),
            "restock": any(r.get("restockType") not in (None, "NO_RESTOCK") for r in nodes(refund.get("refundLineItems"))),
            "lines": [{"line_key": entity_key(channel, "order_line", legacy(r["lineItem"]["id"])),
                       "quantity": r["quantity"], "amount": amount(r.get("subtotalSet"))}
                      for r in nodes(refund.get("refundLineItems"))],
            "created_at": parse_iso(refund["createdAt"])})
    for shipment in node.get("fulfillments") or []:
        tracking = (shipment.get("trackingInfo") or [{}])[0] if shipment.get("trackingInfo") else {}
        rows.shipments.append({
            "key": entity_key(channel, "shipment", legacy(shipment["id"])), "order_key": key,
            "status": shipment["status"].lower(), "carrier": tracking.get("company"),
            "tracking_number": tracking.get("number"),
            "lines": [{"line_key": entity_key(channel, "order_line", legacy(r["lineItem"]["id"])),
                       "quantity": r["quantity"], "amount": None} for r in nodes(shipment.get("fulfillmentLineItems"))],
            "created_at": parse_iso(shipment["createdAt"])})


def truncated(node: dict) -> bool:
    """Whether a nested page of this order was cut short (then the order is fetched again, whole)."""
    parts = [node.get("lineItems")] + [r.get("refundLineItems") for r in node.get("refunds") or []] + \
        [f.get("fulfillmentLineItems") for f in node.get("fulfillments") or []]
    return any(isinstance(p, dict) and (p.get("pageInfo") or {}).get("hasNextPage") for p in parts)


def add_customer(rows: OrderRows, channel: str, node: dict) -> None:
    address = node.get("defaultAddress") or {}
    rows.customers.append({
        "key": entity_key(channel, "customer", legacy(node["id"])), "channel": channel, "source_id": legacy(node["id"]),
        "is_guest": False, "first_name": node.get("firstName"), "last_name": node.get("lastName"),
        "email": node.get("email"), "phone": node.get("phone"), "company": address.get("company"),
        "street": address.get("address1"), "city": address.get("city"), "zip": address.get("zip"),
        "country_code": address.get("countryCodeV2"), "created_at": parse_iso(node.get("createdAt")),
        "updated_at": parse_iso(node.get("updatedAt"))})


def inventory_row(channel: str, node: dict, location_id: str) -> dict | None:
    """A variant's level at one location as a canonical InventoryLevel (None: not stocked there)."""
    level = node["inventoryItem"]["inventoryLevel"]
    if level is None:
        return None
    return {"key": entity_key(channel, "inventory", f"{node['sku']}@{legacy(location_id)}"), "channel": channel,
            "sku": node["sku"], "location_id": location_id, "inventory_item_id": node["inventoryItem"]["id"],
            "available": level["quantities"][0]["quantity"], "updated_at": parse_iso(level.get("updatedAt"))}
