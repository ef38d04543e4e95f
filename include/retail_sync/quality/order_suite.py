"""The GX suite for channel orders, and the derived columns it checks.

An order is validated as one row: its lines are folded into derived columns (the SKUs Odoo does not
know, the lines with a quantity below 1, whether the money adds up), so a failure quarantines the whole
order with all its lines — half an order must never reach Odoo. Derived columns name what is wrong
(`unknown_skus` holds the SKUs) so the report a person reads shows it. They are total: a value that
makes a computation raise fails its order, never the batch.

What is awkward but valid passes: names in any script or with emoji, a 10,000-character note.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from decimal import Decimal

import pandas as pd
import pyarrow as pa

from retail_sync.canonical.contacts import normalize_email
from retail_sync.canonical.currencies import ISO_4217
from retail_sync.quality.validation import ROW_ID, Rule

CENT = Decimal("0.01")
ORDER_MONEY = ("subtotal", "discount_total", "shipping_total", "tax_total", "total", "refunded_total")
LINE_MONEY = ("unit_price", "discount", "tax")
REQUIRED = ("key", "name", "currency", "total", "created_at", "updated_at", "raw")


def _total(check: Callable[..., object]) -> Callable[..., object]:
    """A derived value that names its order as failing (False) instead of raising."""
    def checked(*args):
        try:
            return check(*args)
        except Exception:
            return False
    return checked


def _joined(values) -> str | None:
    """A derived 'what is wrong' cell: None when nothing is, else the offending values, sorted."""
    shown = sorted({str(v) for v in values})
    return ", ".join(shown) if shown else None


@_total
def _totals_add_up(order: dict, lines: list[dict]) -> bool:
    """Lines (unit price × quantity) + shipping + tax − discount = the order's total, within a cent; where
    prices include tax, the tax is inside the lines and shipping already."""
    gross = sum((Decimal(li["unit_price"]) * li["quantity"] for li in lines), Decimal(0))
    tax = Decimal(0) if order.get("taxes_included") else Decimal(order["tax_total"])
    computed = gross + Decimal(order["shipping_total"]) + tax - Decimal(order["discount_total"])
    return abs(computed - Decimal(order["total"])) <= CENT


@_total
def _email_ok(email) -> bool:
    return email is None or normalize_email(email).ok


@_total
def _identifiable(customer_key, email) -> bool:
    """A partner can be found or made: a customer account, or an email to key a guest by."""
    account = customer_key is not None and ":guest:" not in customer_key
    return account or (email is not None and normalize_email(email).ok)


def prepare(tables: dict[str, pa.Table], known_skus: Collection[str]) -> pd.DataFrame:
    """One row per order (`_row` numbers them from 1) with the derived columns the rules check."""
    orders = tables["orders"].to_pylist()
    lines_of: dict[str, list[dict]] = defaultdict(list)
    for line in tables["lines"].to_pylist():
        lines_of[line["order_key"]].append(line)
    known = known_skus if isinstance(known_skus, (set, frozenset)) else set(known_skus)
    rows = []
    for number, order in enumerate(orders, start=1):
        lines = lines_of[order["key"]]
        rows.append({
            ROW_ID: number, **{c: order.get(c) for c in (*REQUIRED, "email", "customer_key")},
            "currency": order["currency"].upper() if isinstance(order.get("currency"), str) else order.get("currency"),
            "line_count": len(lines),
            "lines_without_sku": _joined(li["key"] for li in lines if not li["sku"]),
            "unknown_skus": _joined(li["sku"] for li in lines if li["sku"] and li["sku"] not in known),
            "bad_quantities": _joined(f"{li['sku']}×{li['quantity']}" for li in lines
                                      if li["quantity"] is None or li["quantity"] <= 0),
            "negative_amounts": _joined(
                [name for name in ORDER_MONEY if order.get(name) is not None and order[name] < 0]
                + [f"{li['sku']}: {name}" for li in lines for name in LINE_MONEY
                   if li.get(name) is not None and li[name] < 0]),
            "line_currencies": _joined(li["currency"] for li in lines if li["currency"] != order.get("currency")),
            "totals_add_up": _totals_add_up(order, lines),
            "email_valid": _email_ok(order.get("email")),
            "customer_identifiable": _identifiable(order.get("customer_key"), order.get("email")),
        })
    columns = [ROW_ID, *REQUIRED, "email", "customer_key", "line_count", "lines_without_sku", "unknown_skus",
               "bad_quantities", "negative_amounts", "line_currencies", "totals_add_up", "email_valid",
               "customer_identifiable"]
    return pd.DataFrame(rows, columns=columns).astype(object)


def rules() -> list[Rule]:
    import great_expectations.expectations as gxe

    required = [Rule(f"{column} present", gxe.ExpectColumnValuesToNotBeNull(column=column)) for column in REQUIRED]
    return [
        *required,
        Rule("currency is an ISO-4217 code",
             gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=sorted(ISO_4217))),
        Rule("order has at least one line", gxe.ExpectColumnValuesToBeBetween(column="line_count", min_value=1)),
        Rule("every line has a SKU", gxe.ExpectColumnValuesToBeNull(column="lines_without_sku")),
        Rule("every SKU is a product in Odoo", gxe.ExpectColumnValuesToBeNull(column="unknown_skus")),
        Rule("every quantity is above 0", gxe.ExpectColumnValuesToBeNull(column="bad_quantities")),
        Rule("prices, discounts, taxes and totals are not negative",
             gxe.ExpectColumnValuesToBeNull(column="negative_amounts")),
        Rule("lines are in the order's currency", gxe.ExpectColumnValuesToBeNull(column="line_currencies")),
        Rule("lines + shipping + tax − discount = total (within a cent)",
             gxe.ExpectColumnValuesToBeInSet(column="totals_add_up", value_set=[True]), show="total"),
        Rule("email is a valid address", gxe.ExpectColumnValuesToBeInSet(column="email_valid", value_set=[True]),
             show="email"),
        Rule("customer is identifiable (an account, or an email)",
             gxe.ExpectColumnValuesToBeInSet(column="customer_identifiable", value_set=[True]), show="customer_key"),
    ]
