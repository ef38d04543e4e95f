"""What Odoo holds for a window's transactions, read in a few large calls: the sale orders named by the
charges (by `client_order_ref`, keys batched), their posted invoices (by `invoice_origin`, the order's
name, as Odoo's invoicing sets it) and the credit notes reversing those (`reversed_entry_id`), the payments whose
memo names a provider transaction, and the payments of the provider's journal that should have been
settled by now. Many2ones come as bare ids (`load=None`); the frames go straight into the vectorised match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from retail_sync.odoo.client import OdooClient

ALL_RECORDS = {"active_test": False}
VOID_PAYMENT_STATES = ["draft", "cancel", "canceled", "rejected"]
ORDER_COLUMNS = ["sale_order_id", "order_name", "client_order_ref", "origin"]
MOVE_COLUMNS = ["move_id", "move_type", "move_total", "move_currency_id", "order_id"]
PAYMENT_COLUMNS = ["payment_id", "memo", "payment_amount", "payment_currency_id", "payment_type", "payment_date"]
AWAITING_COLUMNS = [*PAYMENT_COLUMNS, "moves"]   # + the invoices / credit notes each payment is reconciled with


@dataclass
class OdooLedger:
    currencies: pd.Series          # currency id -> ISO code (archived ones included)
    active_currencies: set[str]
    journal_id: int | None
    orders: pd.DataFrame           # ORDER_COLUMNS
    moves: pd.DataFrame            # MOVE_COLUMNS: posted invoices and credit notes of those orders
    payments: pd.DataFrame         # PAYMENT_COLUMNS: the journal's payments whose memo names a transaction
    awaiting: pd.DataFrame         # AWAITING_COLUMNS: the journal's payments dated in the settlement-due range
    calls: int = 0


def memo_field(client: OdooClient) -> str:
    """17 keeps a payment's label in `ref` (the payment is its move); 18+ in `memo`."""
    return "ref" if client.version == 17 else "memo"


def read_currencies(client: OdooClient) -> tuple[pd.Series, set[str]]:
    rows = client.call("res.currency", "search_read", [], ["name", "active"], context=ALL_RECORDS)
    return (pd.Series({r["id"]: r["name"] for r in rows}, dtype="object"),
            {r["name"] for r in rows if r["active"]})


def read_ledger(client: OdooClient, journal_code: str, order_names: list[str], sources: list[str],
                due_from: date, due_until: date, batch: int) -> OdooLedger:
    before = client.counters.calls
    currencies, active = read_currencies(client)
    journals = client.call("account.journal", "search", [["code", "=", journal_code]], limit=1)
    journal_id = journals[0] if journals else None
    orders = _orders(client, order_names, batch)
    moves = _moves(client, orders, batch)
    memo = memo_field(client)
    payments, awaiting = _no_payments(), _no_payments()
    if journal_id is not None:
        live = [["journal_id", "=", journal_id], ["state", "not in", VOID_PAYMENT_STATES]]
        rows = []
        for chunk in _chunks(sources, batch):
            rows += client.call("account.payment", "search_read", [*live, [memo, "in", chunk]],
                                [memo, "amount", "currency_id", "payment_type", "date"], load=None)
        payments = _payment_frame(rows, memo)
        due = [*live, ["date", ">=", due_from.isoformat()], ["date", "<", due_until.isoformat()]]
        awaiting = _payment_frame(_read_by_id(client, "account.payment", due,
                                              [memo, "amount", "currency_id", "payment_type", "date",
                                               "reconciled_invoice_ids"], batch), memo, with_moves=True)
    return OdooLedger(currencies, active, journal_id, orders, moves, payments, awaiting,
                      client.counters.calls - before)


def _orders(client: OdooClient, names: list[str], batch: int) -> pd.DataFrame:
    rows = []
    for chunk in _chunks(names, batch):
        rows += client.call("sale.order", "search_read", [["client_order_ref", "in", chunk]],
                            ["name", "client_order_ref", "origin"], load=None)
    frame = pd.DataFrame(rows, columns=["id", "name", "client_order_ref", "origin"])
    return frame.rename(columns={"id": "sale_order_id", "name": "order_name"})[ORDER_COLUMNS]


def _moves(client: OdooClient, orders: pd.DataFrame, batch: int) -> pd.DataFrame:
    order_of = dict(zip(orders["order_name"], orders["sale_order_id"]))
    fields = ["move_type", "amount_total", "currency_id", "invoice_origin", "reversed_entry_id"]
    posted = [["state", "=", "posted"]]
    invoices = []
    for chunk in _chunks(sorted(order_of), batch):
        invoices += client.call("account.move", "search_read", [*posted, ["move_type", "=", "out_invoice"],
                                                                 ["invoice_origin", "in", chunk]], fields, load=None)
    for row in invoices:
        row["order_id"] = order_of.get(row["invoice_origin"])
    order_of_invoice = {row["id"]: row["order_id"] for row in invoices}
    notes = []
    for chunk in _chunks(sorted(order_of_invoice), batch):
        notes += client.call("account.move", "search_read", [*posted, ["move_type", "=", "out_refund"],
                                                              ["reversed_entry_id", "in", chunk]], fields, load=None)
    for row in notes:
        row["order_id"] = order_of_invoice.get(row["reversed_entry_id"])
    frame = pd.DataFrame(invoices + notes, columns=["id", "move_type", "amount_total", "currency_id", "order_id"])
    frame = frame.rename(columns={"id": "move_id", "amount_total": "move_total", "currency_id": "move_currency_id"})
    return frame[MOVE_COLUMNS]


def _payment_frame(rows: list[dict], memo: str, with_moves: bool = False) -> pd.DataFrame:
    moves = ["reconciled_invoice_ids"] if with_moves else []
    frame = pd.DataFrame(rows, columns=["id", memo, "amount", "currency_id", "payment_type", "date", *moves])
    frame = frame.rename(columns={"id": "payment_id", memo: "memo", "amount": "payment_amount",
                                  "currency_id": "payment_currency_id", "date": "payment_date",
                                  "reconciled_invoice_ids": "moves"})
    return frame[AWAITING_COLUMNS if with_moves else PAYMENT_COLUMNS]


def _no_payments() -> pd.DataFrame:
    return pd.DataFrame(columns=AWAITING_COLUMNS)


def _read_by_id(client: OdooClient, model: str, domain: list, fields: list[str], page: int) -> list[dict]:
    """Paged by id, not offset: a record created meanwhile cannot shift a page boundary."""
    found: list[dict] = []
    last = 0
    while True:
        rows = client.call(model, "search_read", [*domain, ["id", ">", last]], fields, limit=page, order="id",
                           load=None)
        found += rows
        if len(rows) < page:
            return found
        last = rows[-1]["id"]


def _chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start:start + size]
