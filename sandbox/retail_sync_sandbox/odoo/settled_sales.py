"""The Odoo side of sales the order flow has loaded, written straight into a sandbox database's tables: per
paid order a confirmed sale order (`client_order_ref` = the channel's order name, `origin` = the channel),
its posted invoice, the payment in the Stripe journal whose memo is the charge id, and per refund a posted
credit note with its outbound payment (memo = the refund id).

Settlement tests and the benchmark need thousands to a million of these; the ORM path (order, confirm,
invoice wizard, post, register payment) costs seconds per hundred, so this writes the rows Odoo would hold
in a few bulk inserts. What a flow reads of them is what Odoo stores.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from .database import Database


@dataclass
class Refund:
    refund_id: str                   # re_…: the memo of the outbound payment
    amount: Decimal
    paid: bool = True


@dataclass
class Sale:
    channel: str
    name: str                        # client_order_ref
    currency: str
    invoice_total: Decimal
    charge_id: str | None            # ch_…: the memo of the payment (None: invoiced, not paid yet)
    paid: Decimal
    date: str                        # YYYY-MM-DD
    payment_currency: str | None = None
    refunds: list[Refund] = field(default_factory=list)


def sales_from_world(world, skip_orders: set[str] = frozenset()) -> list[Sale]:
    """The world's orders the order flow loads (not quarantined) and paid through Stripe."""
    bad = set(world.truth["bad_orders"]) | set(skip_orders)
    sales = []
    for order in world.orders:
        if f"{order['store']}:order:{order['id']}" in bad:
            continue
        charges = [t for t in order["transactions"]
                   if t["status"] == "success" and t["kind"] in ("sale", "capture") and t.get("charge")]
        if not charges:
            continue
        refunds = [Refund(t["charge"], Decimal(t["amount"])) for t in order["transactions"]
                   if t["status"] == "success" and t["kind"] == "refund" and t.get("charge")]
        sales.append(Sale(order["store"], order["name"], order["currency"], Decimal(order["total"]),
                          charges[0]["charge"], Decimal(charges[0]["amount"]), charges[0]["processed_at"][:10],
                          refunds=refunds))
    return sales


def seed_sales(database: Database, sales: list[Sale], journal_code: str = "STRP") -> dict[str, dict[str, int]]:
    """Insert the sales; returns, per charge and refund id, the ids of the records made for it."""
    registry, version = database.registry, database.version
    orders_t, moves_t = registry.specs["sale.order"].table, registry.specs["account.move"].table
    payments_t = registry.specs["account.payment"].table
    memo = "ref" if version == 17 else "memo"
    posted_payment = "posted" if version == 17 else "in_process"
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with database.engine.begin() as conn:
        currency = dict(conn.execute(sa.text("SELECT name, id FROM res_currency")).all())
        journal = conn.execute(sa.text("SELECT id FROM account_journal WHERE code = :c"), {"c": journal_code}).scalar()
        sale_journal = conn.execute(sa.text("SELECT id FROM account_journal WHERE type = 'sale' LIMIT 1")).scalar()
        first = {t.name: (conn.execute(sa.select(sa.func.max(t.c.id))).scalar() or 0) + 1
                 for t in (orders_t, moves_t, payments_t)}
        order_rows, move_rows, payment_rows, made = [], [], [], {}
        next_order, next_move, next_payment = first[orders_t.name], first[moves_t.name], first[payments_t.name]
        stamp = {"create_date": now, "write_date": now, "create_uid": 1, "write_uid": 1, "company_id": 1}
        for sale in sales:
            order_id, invoice_id = next_order, next_move
            next_order += 1
            next_move += 1
            order_rows.append({**stamp, "id": order_id, "name": f"S{order_id:07d}", "partner_id": 1,
                               "partner_invoice_id": 1, "partner_shipping_id": 1, "state": "sale",
                               "locked": False, "client_order_ref": sale.name, "origin": sale.channel,
                               "date_order": dt.datetime.fromisoformat(sale.date), "currency_id": currency[sale.currency],
                               "user_id": 1, "amount_total": float(sale.invoice_total), "invoice_status": "invoiced",
                               "picking_policy": "direct"})
            move_rows.append(_move(stamp, invoice_id, "out_invoice", f"INV/{invoice_id:07d}", sale, sale_journal,
                                   currency[sale.currency], float(sale.invoice_total), None, f"S{order_id:07d}"))
            ids = {"sale_order_id": order_id, "invoice_id": invoice_id}
            if sale.charge_id:
                payment_rows.append({**stamp, "id": next_payment, "name": f"PSTRP/{next_payment:07d}",
                                     "payment_type": "inbound", "partner_type": "customer", "partner_id": 1,
                                     "amount": float(sale.paid),
                                     "currency_id": currency[sale.payment_currency or sale.currency],
                                     "journal_id": journal, "date": dt.date.fromisoformat(sale.date), memo: sale.charge_id,
                                     "state": posted_payment})
                ids["payment_id"] = next_payment
                next_payment += 1
                made[sale.charge_id] = ids
            for refund in sale.refunds:
                note_id = next_move
                next_move += 1
                move_rows.append(_move(stamp, note_id, "out_refund", f"RINV/{note_id:07d}", sale, sale_journal,
                                       currency[sale.currency], float(refund.amount), invoice_id, None))
                refund_ids = {"sale_order_id": order_id, "credit_note_id": note_id}
                if refund.paid:
                    payment_rows.append({**stamp, "id": next_payment, "name": f"PSTRP/{next_payment:07d}",
                                         "payment_type": "outbound", "partner_type": "customer", "partner_id": 1,
                                         "amount": float(refund.amount), "currency_id": currency[sale.currency],
                                         "journal_id": journal, "date": dt.date.fromisoformat(sale.date),
                                         memo: refund.refund_id, "state": posted_payment})
                    refund_ids["payment_id"] = next_payment
                    next_payment += 1
                made[refund.refund_id] = refund_ids
        for table, rows in ((orders_t, order_rows), (moves_t, move_rows), (payments_t, payment_rows)):
            for start in range(0, len(rows), 50_000):
                conn.execute(table.insert(), rows[start:start + 50_000])
    return made


def _move(stamp: dict, move_id: int, move_type: str, name: str, sale: Sale, journal: int, currency: int,
          total: float, reversed_entry: int | None, origin: str | None) -> dict:
    """An invoice names its order in invoice_origin; a credit note (copy=False there) only its invoice."""
    day = dt.date.fromisoformat(sale.date)
    return {**stamp, "id": move_id, "name": name, "ref": sale.name, "date": day, "state": "posted",
            "move_type": move_type, "journal_id": journal, "currency_id": currency, "partner_id": 1,
            "invoice_date": day, "invoice_origin": origin, "amount_total": total, "amount_residual": 0.0,
            "amount_total_signed": total if move_type == "out_invoice" else -total, "amount_residual_signed": 0.0,
            "payment_state": "in_payment", "reversed_entry_id": reversed_entry, "posted_before": True,
            "auto_post": "no"}
