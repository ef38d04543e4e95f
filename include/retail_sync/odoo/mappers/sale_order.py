"""Canonical orders → `sale.order` and `sale.order.line` rows for `load()`, addressed by external id.

The order's lines are loaded as lines of their own (each keyed by its channel line key, the shipping line
by `shipping_line_key`), naming their order by its external id: a second load of the same order updates
its lines instead of adding more. Discounts become the line's percentage, taxes the line's `tax_id`
(17/18) or `tax_ids` (19), given by database id (`/.id`): an empty cell leaves the line untaxed rather than
taking the product's default taxes.
"""

from __future__ import annotations

import html
from decimal import Decimal

from retail_sync.canonical.keys import shipping_line_key
from retail_sync.odoo.binder import xmlid
from retail_sync.odoo.mappers.values import load_datetime, load_value

Row = tuple[str, list[str]]             # (record key, [text per column])
PERCENT = Decimal("0.0001")

ORDER_COLUMNS = ["id", "partner_id/.id", "partner_invoice_id/.id", "partner_shipping_id/.id", "client_order_ref",
                 "origin", "pricelist_id/.id", "date_order", "reference", "note"]


def line_columns(version: int) -> list[str]:
    taxes = "tax_ids" if version >= 19 else "tax_id"
    return ["id", "order_id/id", "sequence", "product_id/.id", "name", "product_uom_qty", "price_unit", "discount",
            f"{taxes}/.id"]


def order_row(order: dict, partner: int, invoice: int, delivery: int, pricelist: int, hold: str | None) -> Row:
    """The order's header: who, which pricelist (so which currency), the channel's name for it, and the
    hold when its payment is not taken yet (shown first in the order's note, which the quotation displays)."""
    return order["key"], [
        xmlid(order["key"]), str(partner), str(invoice), str(delivery), order["name"], order["channel"],
        str(pricelist), load_datetime(order["created_at"]), load_value(order.get("payment_reference")),
        order_note(hold, order.get("note"))]


def order_note(hold: str | None, customer_note: str | None) -> str:
    parts = []
    if hold:
        parts.append(f"<p><strong>{html.escape(hold)}</strong></p>")
    if customer_note:
        parts.append(f"<p>{html.escape(customer_note)}</p>")
    return "".join(parts)


def line_row(order_key: str, sequence: int, line: dict, product: int, taxes: list[int]) -> Row:
    gross = Decimal(line["unit_price"]) * line["quantity"]
    discount = (Decimal(line["discount"]) / gross * 100).quantize(PERCENT) if gross else Decimal(0)
    return line["key"], [
        xmlid(line["key"]), xmlid(order_key), str(sequence), str(product), line["name"], str(line["quantity"]),
        _amount(line["unit_price"]), _amount(discount), ",".join(map(str, taxes))]


def shipping_row(order: dict, sequence: int, product: int, taxes: list[int], name: str = "Shipping") -> Row:
    key = shipping_line_key(order["key"])
    return key, [xmlid(key), xmlid(order["key"]), str(sequence), str(product), name, "1",
                 _amount(order["shipping_total"]), "0", ",".join(map(str, taxes))]


def _amount(value) -> str:
    return format(Decimal(value).normalize(), "f")
