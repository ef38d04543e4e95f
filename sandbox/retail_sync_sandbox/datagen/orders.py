"""Orders of one store over time: lines, discounts, taxes, shipping, and the story of each order
(pending payment … fulfilled) told as dated transactions, refunds and fulfillments.

Amounts are decimal strings in the store's currency. The order's state at any moment is derived from
its dated events (`state_at`), so an order's earlier versions can be replayed as webhooks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
STORIES = {  # story: weight
    "pending_payment": 4, "authorized": 6, "partially_paid": 3, "paid": 30, "partially_refunded": 6,
    "refunded": 4, "cancelled": 5, "partially_fulfilled": 8, "fulfilled": 34,
}
CARRIERS = ["DHL", "UPS", "bpost", "PostNL", "Royal Mail", "USPS"]


@dataclass(frozen=True)
class Store:
    channel: str
    platform: str          # shopify | woocommerce
    currency: str
    tax_rate: Decimal
    fx_from_eur: Decimal   # catalog prices are EUR
    countries: tuple[str, ...]
    share: float           # of all orders
    id_base: int           # first order id (Shopify ids are large, WooCommerce's small)
    first_number: int
    location_id: int


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_order(rng: random.Random, store: Store, seq: int, created: datetime, products: list[dict],
               customer: dict, ids) -> dict:
    """One order, its lines and its story. `ids` hands out globally unique sub-ids."""
    lines = []
    for product in rng.sample(products, rng.choice([1, 1, 2, 2, 3, 4])):
        quantity = rng.choice([1, 1, 1, 2, 3])
        unit = (Decimal(product["list_price"]) * store.fx_from_eur).quantize(CENT)
        discount = (unit * quantity * Decimal("0.10")).quantize(CENT) if rng.random() < 0.15 else Decimal("0")
        tax = ((unit * quantity - discount) * store.tax_rate).quantize(CENT, rounding=ROUND_HALF_UP)
        lines.append({"id": next(ids), "sku": product["sku"], "name": product["name"], "quantity": quantity,
                      "unit_price": money(unit), "discount": money(discount), "tax": money(tax),
                      "tax_rate": float(store.tax_rate)})
    shipping = Decimal("0") if rng.random() < 0.3 else (Decimal("4.95") * store.fx_from_eur).quantize(CENT)
    order = {
        "store": store.channel, "id": store.id_base + seq, "number": store.first_number + seq,
        "name": f"#{store.first_number + seq}", "created_at": stamp(created), "currency": store.currency,
        "customer_id": customer.get("id"), "email": customer["email"], "phone": customer["phone"],
        "first_name": customer["first_name"], "last_name": customer["last_name"], "street": customer["street"],
        "city": customer["city"], "zip": customer["zip"], "country": customer["country"],
        "lines": lines, "shipping": money(shipping), "note": None, "tags": [],
        "story": rng.choices(list(STORIES), weights=list(STORIES.values()))[0],
        "transactions": [], "refunds": [], "fulfillments": [], "cancelled_at": None, "cancel_reason": None,
    }
    recompute_totals(order)
    tell_story(rng, order, created, ids)
    return order


def recompute_totals(order: dict) -> None:
    lines = order["lines"]
    subtotal = sum((Decimal(li["unit_price"]) * li["quantity"] - Decimal(li["discount"]) for li in lines), Decimal(0))
    tax = sum((Decimal(li["tax"]) for li in lines), Decimal(0))
    order["subtotal"] = money(subtotal)
    order["discount_total"] = money(sum((Decimal(li["discount"]) for li in lines), Decimal(0)))
    order["tax_total"] = money(tax)
    order["total"] = money(subtotal + tax + Decimal(order["shipping"]))


def tell_story(rng: random.Random, order: dict, created: datetime, ids) -> None:
    story, total = order["story"], Decimal(order["total"])
    at = created

    def later(hours_max: float) -> datetime:
        nonlocal at
        at = at + timedelta(minutes=rng.randrange(5, int(hours_max * 60)))
        return at

    def txn(kind: str, amount: Decimal, status: str = "success", parent: int | None = None) -> dict:
        row = {"id": next(ids), "kind": kind, "status": status, "amount": money(amount), "gateway": "stripe",
               "parent_id": parent, "processed_at": stamp(later(6)), "charge": None}
        order["transactions"].append(row)
        return row

    if story == "pending_payment":
        txn("sale", total, status="pending")
    elif story == "authorized":
        txn("authorization", total)
    elif story == "cancelled":
        auth = txn("authorization", total)
        txn("void", total, parent=auth["id"])
        order["cancelled_at"] = stamp(later(24))
        order["cancel_reason"] = rng.choice(["customer", "inventory", "fraud", "declined"])
    elif story == "partially_paid":
        auth = txn("authorization", total)
        txn("capture", (total / 2).quantize(CENT), parent=auth["id"])
    else:
        sale = txn("sale", total)
        if story in ("partially_fulfilled", "fulfilled", "partially_refunded", "refunded"):
            ship_lines = order["lines"] if story != "partially_fulfilled" or len(order["lines"]) == 1 \
                else order["lines"][: len(order["lines"]) - 1]
            quantities = [(li, li["quantity"] if story != "partially_fulfilled" or len(order["lines"]) > 1
                           else max(1, li["quantity"] - 1)) for li in ship_lines]
            if story == "partially_fulfilled" and len(order["lines"]) == 1 and order["lines"][0]["quantity"] == 1:
                line = order["lines"][0]                    # a single item cannot ship in part: two of it
                line["quantity"] = 2
                line["tax"] = money(((Decimal(line["unit_price"]) * 2 - Decimal(line["discount"]))
                                     * Decimal(str(line["tax_rate"]))).quantize(CENT, rounding=ROUND_HALF_UP))
                recompute_totals(order)
                sale["amount"] = order["total"]
            if story in ("fulfilled", "partially_fulfilled") or rng.random() < 0.5:
                order["fulfillments"].append({
                    "id": next(ids), "created_at": stamp(later(48)), "status": "success",
                    "carrier": rng.choice(CARRIERS), "tracking": f"TRK{rng.randrange(10**9, 10**10)}",
                    "lines": [{"line_id": li["id"], "quantity": q} for li, q in quantities]})
        if story in ("partially_refunded", "refunded"):
            refund_lines = order["lines"] if story == "refunded" else order["lines"][:1]
            amount = total if story == "refunded" else line_gross(refund_lines[0])
            created_at = later(72)
            refund_txn = txn("refund", amount, parent=sale["id"])
            order["refunds"].append({
                "id": next(ids), "created_at": stamp(created_at), "note": rng.choice([None, "Damaged", "Changed mind"]),
                "amount": money(amount), "restock": not order["fulfillments"], "transaction_id": refund_txn["id"],
                "lines": [{"line_id": li["id"], "quantity": li["quantity"], "amount": money(line_gross(li))}
                          for li in refund_lines]})
    order["updated_at"] = stamp(at)


def line_gross(line: dict) -> Decimal:
    return Decimal(line["unit_price"]) * line["quantity"] - Decimal(line["discount"]) + Decimal(line["tax"])


def financial_status(order: dict, until: str | None = None) -> str:
    txns = [t for t in order["transactions"] if not until or t["processed_at"] <= until]
    kinds = {t["kind"] for t in txns if t["status"] == "success"}
    paid = sum((Decimal(t["amount"]) for t in txns if t["status"] == "success" and t["kind"] in ("sale", "capture")),
               Decimal(0))
    refunded = sum((Decimal(t["amount"]) for t in txns if t["status"] == "success" and t["kind"] == "refund"),
                   Decimal(0))
    if "void" in kinds:
        return "voided"
    if refunded and refunded >= paid:
        return "refunded"
    if refunded:
        return "partially_refunded"
    if paid and paid >= Decimal(order["total"]):
        return "paid"
    if paid:
        return "partially_paid"
    if "authorization" in kinds:
        return "authorized"
    return "pending"


def fulfillment_status(order: dict, until: str | None = None) -> str:
    shipped = {}
    for f in order["fulfillments"]:
        if until and f["created_at"] > until:
            continue
        for li in f["lines"]:
            shipped[li["line_id"]] = shipped.get(li["line_id"], 0) + li["quantity"]
    if not shipped:
        return "unfulfilled"
    full = all(shipped.get(li["id"], 0) >= li["quantity"] for li in order["lines"])
    return "fulfilled" if full else "partial"


def state_at(order: dict, moment: str) -> dict:
    """The order as it looked at `moment`: only what had happened by then."""
    state = dict(order)
    state["transactions"] = [t for t in order["transactions"] if t["processed_at"] <= moment]
    state["refunds"] = [r for r in order["refunds"] if r["created_at"] <= moment]
    state["fulfillments"] = [f for f in order["fulfillments"] if f["created_at"] <= moment]
    if order["cancelled_at"] and order["cancelled_at"] > moment:
        state["cancelled_at"] = state["cancel_reason"] = None
    dates = [order["created_at"]] + [t["processed_at"] for t in state["transactions"]] + \
        [r["created_at"] for r in state["refunds"]] + [f["created_at"] for f in state["fulfillments"]] + \
        ([state["cancelled_at"]] if state["cancelled_at"] else [])
    state["updated_at"] = max(dates)
    return state
