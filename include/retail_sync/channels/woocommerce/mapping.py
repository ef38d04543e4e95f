"""WooCommerce REST v3 payloads → canonical rows: the WooCommerce mapper, apart from the connector
that fetches them.

Dates are the `_gmt` fields (bare UTC text); money arrives as decimal strings; statuses become the
canonical enums. A guest has no customer id: it is keyed by its normalised billing email.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal

from retail_sync.canonical.keys import entity_key
from retail_sync.canonical.orders import address_json
from retail_sync.channels.frames import OrderRows
from retail_sync.channels.timestamps import parse_iso

FINANCIAL = {"pending": "pending", "on-hold": "authorized", "processing": "paid", "completed": "paid",
             "refunded": "refunded", "cancelled": "voided", "failed": "failed", "checkout-draft": "pending"}


def gmt(text: str | None) -> datetime | None:
    return parse_iso(f"{text}Z") if text else None


def address(bag: dict | None) -> str | None:
    """A billing or shipping object as the canonical address JSON."""
    if not bag:
        return None
    return address_json(name=" ".join(p for p in (bag.get("first_name"), bag.get("last_name")) if p),
                        company=bag.get("company"), street=bag.get("address_1"), street2=bag.get("address_2"),
                        city=bag.get("city"), zip=bag.get("postcode"), state=bag.get("state"),
                        country_code=bag.get("country"), phone=bag.get("phone"))


def guest_key(channel: str, email: str | None) -> str:
    # A guest has no id: the same (normalised) email is the same guest across orders.
    digest = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:16]
    return entity_key(channel, "guest", digest)


def add_order(rows: OrderRows, channel: str, order: dict, refunds: list[dict]) -> None:
    """One order with its refunds as canonical Order, OrderLine, Payment, Refund (and guest Customer) rows."""
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
        "shipping_address": address(order.get("shipping")), "billing_address": address(billing),
        "taxes_included": order.get("prices_include_tax"),
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


def add_customer(rows: OrderRows, channel: str, c: dict) -> None:
    """A registered customer as a canonical Customer row."""
    b = c.get("billing") or {}
    rows.customers.append({
        "key": entity_key(channel, "customer", c["id"]), "channel": channel,
        "source_id": str(c["id"]), "is_guest": False, "first_name": c.get("first_name"),
        "last_name": c.get("last_name"), "email": c.get("email"), "phone": b.get("phone") or None,
        "company": b.get("company") or None, "street": b.get("address_1") or None,
        "city": b.get("city") or None, "zip": b.get("postcode") or None,
        "country_code": b.get("country") or None, "created_at": gmt(c.get("date_created_gmt")),
        "updated_at": gmt(c.get("date_modified_gmt"))})


def inventory_row(channel: str, sku: str, product: dict) -> dict:
    """A SKU's store-wide stock (WooCommerce has one location) as a canonical InventoryLevel."""
    return {"key": entity_key(channel, "inventory", f"{sku}@store"), "channel": channel, "sku": sku,
            "location_id": "store", "inventory_item_id": f"{product['product_id']}/{product['variation_id']}",
            "available": product["stock_quantity"] or 0, "updated_at": None}
