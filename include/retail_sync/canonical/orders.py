"""The canonical sales entities: Order, OrderLine, Payment, Refund, Shipment (pyarrow schemas).

Every connector (Shopify, WooCommerce, ...) yields these, so the order flow never sees a platform's
own shapes. Keys are `<channel>:<entity>:<source id>`; money is `MONEY` (decimal) beside an ISO-4217
currency; timestamps are UTC.
"""

from __future__ import annotations

import json

import pyarrow as pa

from retail_sync.canonical.money import MONEY

UTC_TS = pa.timestamp("s", tz="UTC")

# What the order's money has reached, whatever each platform calls it.
FINANCIAL_STATUSES = ("pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded",
                      "voided", "failed")
FULFILLMENT_STATUSES = ("unfulfilled", "partial", "fulfilled")
# An order's addresses as JSON objects with these keys, whatever the platform calls them (the customer
# flow makes them Odoo invoice and delivery contacts).
ADDRESS_FIELDS = ("name", "company", "street", "street2", "city", "zip", "state", "country_code", "phone")
PAYMENT_KINDS = ("authorization", "capture", "sale", "refund", "void")
PAYMENT_STATUSES = ("pending", "success", "failure", "error")

ORDER_SCHEMA = pa.schema([
    pa.field("key", pa.string(), nullable=False),             # shopify-eu:order:5012
    pa.field("channel", pa.string(), nullable=False),
    pa.field("source_id", pa.string(), nullable=False),
    pa.field("name", pa.string(), nullable=False),            # the number a customer sees: "#1001"
    pa.field("financial_status", pa.string(), nullable=False),
    pa.field("fulfillment_status", pa.string(), nullable=False),
    pa.field("cancelled_at", UTC_TS),
    pa.field("cancel_reason", pa.string()),
    pa.field("currency", pa.string(), nullable=False),
    pa.field("subtotal", MONEY, nullable=False),              # lines after line discounts, before tax
    pa.field("discount_total", MONEY, nullable=False),
    pa.field("shipping_total", MONEY, nullable=False),
    pa.field("tax_total", MONEY, nullable=False),
    pa.field("total", MONEY, nullable=False),
    pa.field("refunded_total", MONEY, nullable=False),
    pa.field("customer_key", pa.string()),
    pa.field("email", pa.string()),
    pa.field("phone", pa.string()),
    pa.field("billing_name", pa.string()),
    pa.field("billing_country", pa.string()),
    pa.field("shipping_address", pa.string()),                # JSON object of ADDRESS_FIELDS
    pa.field("note", pa.string()),
    pa.field("payment_reference", pa.string()),               # the gateway's id (a Stripe charge) if known
    pa.field("created_at", UTC_TS, nullable=False),
    pa.field("updated_at", UTC_TS, nullable=False),
    pa.field("raw", pa.string(), nullable=False),             # the platform's payload, for the dead-letter queue
    pa.field("billing_address", pa.string()),                 # JSON object of ADDRESS_FIELDS
    pa.field("taxes_included", pa.bool_()),                   # prices include tax (null: the platform did not say)
])

ORDER_LINE_SCHEMA = pa.schema([
    pa.field("key", pa.string(), nullable=False),             # shopify-eu:order_line:88121
    pa.field("order_key", pa.string(), nullable=False),
    pa.field("sku", pa.string()),
    pa.field("name", pa.string(), nullable=False),
    pa.field("quantity", pa.int64(), nullable=False),
    pa.field("unit_price", MONEY, nullable=False),
    pa.field("discount", MONEY, nullable=False),              # on the whole line
    pa.field("tax", MONEY, nullable=False),
    pa.field("tax_rate", pa.float64()),                       # informative only: amounts are in `tax`
    pa.field("currency", pa.string(), nullable=False),
])

PAYMENT_SCHEMA = pa.schema([
    pa.field("key", pa.string(), nullable=False),
    pa.field("order_key", pa.string(), nullable=False),
    pa.field("kind", pa.string(), nullable=False),
    pa.field("status", pa.string(), nullable=False),
    pa.field("gateway", pa.string()),
    pa.field("amount", MONEY, nullable=False),
    pa.field("currency", pa.string(), nullable=False),
    pa.field("reference", pa.string()),                       # e.g. the Stripe charge id
    pa.field("parent_key", pa.string()),                      # a capture's authorization
    pa.field("processed_at", UTC_TS),
])

LINE_QUANTITY = pa.struct([
    pa.field("line_key", pa.string()),
    pa.field("quantity", pa.int64()),
    pa.field("amount", MONEY),
])

REFUND_SCHEMA = pa.schema([
    pa.field("key", pa.string(), nullable=False),
    pa.field("order_key", pa.string(), nullable=False),
    pa.field("amount", MONEY, nullable=False),
    pa.field("currency", pa.string(), nullable=False),
    pa.field("note", pa.string()),
    pa.field("restock", pa.bool_(), nullable=False),
    pa.field("lines", pa.list_(LINE_QUANTITY), nullable=False),
    pa.field("created_at", UTC_TS, nullable=False),
])

SHIPMENT_SCHEMA = pa.schema([
    pa.field("key", pa.string(), nullable=False),
    pa.field("order_key", pa.string(), nullable=False),
    pa.field("status", pa.string(), nullable=False),
    pa.field("carrier", pa.string()),
    pa.field("tracking_number", pa.string()),
    pa.field("lines", pa.list_(LINE_QUANTITY), nullable=False),
    pa.field("created_at", UTC_TS, nullable=False),
])


def address_json(**fields) -> str | None:
    """An address as canonical JSON text (every ADDRESS_FIELDS key, empty text as null; sorted keys, so
    the same address is the same text); None when it has no field at all."""
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise ValueError(f"not address fields: {sorted(unknown)}")
    values = {name: (str(fields.get(name)).strip() or None) if fields.get(name) is not None else None
              for name in ADDRESS_FIELDS}
    if not any(values.values()):
        return None
    return json.dumps(values, ensure_ascii=False, sort_keys=True)
