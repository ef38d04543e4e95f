"""Payments (account.payment): money received from or sent to a customer, booked in a bank or cash
journal — one journal per payment method (Stripe, Shopify Payments, PayPal, the bank, the till).

17: a payment is its journal entry (`_inherits` account.move), so its `state` is the entry's
draft/posted/cancel and its label is `ref`. 18+: the payment has its own state — `in_process` once
confirmed, `paid` when matched — and its label is `memo`.

A payment's entry has a liquidity line and a receivable counterpart (the line an invoice is reconciled
with). A bank journal books the liquidity line on Outstanding Receipts until the bank statement comes,
so the payment is not yet matched (17: is_matched False; 18+: stays in_process, the invoice is
in_payment); a cash journal books straight on its cash account, matched at once.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..api import records_method
from ..exceptions import UserError, ValidationError
from ..fields import Boolean, Char, Date, Many2many, Many2one, Monetary, Selection
from ..model import Model
from .account_move import _company_currency


def payment_states(version: int) -> list[tuple[str, str]]:
    if version == 17:
        return [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")]
    return [("draft", "Draft"), ("in_process", "In Process"), ("paid", "Paid"), ("canceled", "Canceled"),
            ("rejected", "Rejected")]


class AccountPayment(Model):
    _name = "account.payment"
    _description = "Payments"
    _order = "date desc, name desc"

    name = Char("Number", default="/", readonly=True)
    move_id = Many2one("account.move", "Journal Entry", readonly=True, ondelete="cascade", index=True)
    payment_type = Selection([("outbound", "Send"), ("inbound", "Receive")], "Payment Type", required=True,
                             default="inbound")
    partner_type = Selection([("customer", "Customer"), ("supplier", "Vendor")], "Partner Type", default="customer")
    partner_id = Many2one("res.partner", "Customer/Vendor", ondelete="restrict")
    amount = Monetary("Amount", default=0.0)
    currency_id = Many2one("res.currency", "Currency", default=_company_currency)
    journal_id = Many2one("account.journal", "Journal", required=True)
    company_id = Many2one("res.company", "Company", default=lambda env: 1)
    date = Date("Date", required=True, default=lambda env: dt.date.today().isoformat())
    ref = Char("Memo", versions=(17,))
    memo = Char("Memo", versions=(18, 19))
    state = Selection(payment_states, "Status", required=True, readonly=True, default="draft")
    is_reconciled = Boolean("Is Reconciled", compute="_compute_reconciliation")
    is_matched = Boolean("Is Matched With a Bank Statement", compute="_compute_is_matched")
    reconciled_invoice_ids = Many2many("account.move", "account_payment_reconciled_rel", "payment_id", "move_id",
                                       "Reconciled Invoices", compute="_compute_reconciled_invoices")
    invoice_ids = Many2many("account.move", "account_move__account_payment", "payment_id", "invoice_id",
                            "Invoices", versions=(18, 19))

    def _validate(self, ids):
        if self.conn.scalar(sa.select(sa.func.count()).where(self.table.c.id.in_(ids), self.table.c.amount < 0)):
            raise ValidationError("The payment amount cannot be negative.")
        journals = self.env["account.journal"].sudo().table
        wrong = self.conn.scalar(sa.select(journals.c.name).select_from(
            self.table.join(journals, journals.c.id == self.table.c.journal_id)).where(
            self.table.c.id.in_(ids), journals.c.type.not_in(("bank", "cash", "credit"))).limit(1))
        if wrong:
            raise ValidationError(f"A payment must always belongs to a bank or cash journal. ({wrong})")

    def _row(self, payment_id: int):
        return self.conn.execute(sa.select(self.table).where(self.table.c.id == payment_id)).mappings().one()

    def _rows(self, ids: list[int]) -> list:
        """The payments' rows, in the order of ids."""
        by_id = {r["id"]: r for r in self.conn.execute(sa.select(self.table).where(self.table.c.id.in_(ids))).mappings()}
        return [by_id[i] for i in ids]

    def _journal_types(self, journal_ids) -> dict[int, str]:
        journals = self.env["account.journal"].sudo().table
        return dict(self.conn.execute(sa.select(journals.c.id, journals.c.type).where(
            journals.c.id.in_(set(journal_ids)))).all())

    def _after_create(self, ids, vals_list):
        """Each payment's journal entry: the entries created in one call for all the payments, then their lines."""
        moves = self.env["account.move"].sudo()
        label = "ref" if self.env.version == 17 else "memo"
        rows = self._rows(ids)
        move_ids = moves.create([{"move_type": "entry", "journal_id": row["journal_id"], "date": row["date"],
                                  "partner_id": row["partner_id"], "currency_id": row["currency_id"],
                                  "ref": row[label]} for row in rows])
        self.conn.execute(sa.update(self.table).where(self.table.c.id == sa.bindparam("b_id")).values(
            move_id=sa.bindparam("b_move")), [{"b_id": i, "b_move": m} for i, m in zip(ids, move_ids)])
        link = "payment_id" if self.env.version == 17 else "origin_payment_id"
        self.conn.execute(sa.update(moves.table).where(moves.table.c.id == sa.bindparam("b_id")).values(
            {link: sa.bindparam("b_payment")}), [{"b_id": m, "b_payment": i} for i, m in zip(ids, move_ids)])
        self._write_move_lines(ids)

    def _after_write(self, ids, vals):
        if {"amount", "payment_type", "journal_id", "partner_id", "currency_id", "date"} & set(vals):
            if any(row["state"] != "draft" for row in self._rows(ids)):
                raise UserError("You can only modify a draft payment.")
            self._write_move_lines(ids)

    def _write_move_lines(self, ids: list[int]) -> None:
        """The liquidity line and the receivable counterpart, rebuilt while the payment is a draft."""
        rows = self._rows(ids)
        lines = self.env["account.move.line"].sudo().with_context(skip_sync_dynamic_lines=True)
        self.conn.execute(sa.delete(lines.table).where(lines.table.c.move_id.in_([r["move_id"] for r in rows])))
        moves = self.env["account.move"].sudo().table
        self.conn.execute(sa.update(moves).where(moves.c.id == sa.bindparam("b_id")).values(
            journal_id=sa.bindparam("b_journal"), date=sa.bindparam("b_date"), partner_id=sa.bindparam("b_partner"),
            currency_id=sa.bindparam("b_currency")),
            [{"b_id": r["move_id"], "b_journal": r["journal_id"], "b_date": r["date"], "b_partner": r["partner_id"],
              "b_currency": r["currency_id"]} for r in rows])
        types = self._journal_types(r["journal_id"] for r in rows)
        new_lines = []
        for row in rows:
            amount = row["amount"] if row["payment_type"] == "inbound" else -row["amount"]
            liquidity = "asset_cash" if types.get(row["journal_id"]) == "cash" else "asset_current"
            label = row["ref" if self.env.version == 17 else "memo"] or False
            common = {"move_id": row["move_id"], "partner_id": row["partner_id"], "currency_id": row["currency_id"],
                      "name": label, "quantity": 1.0, "display_type": "product"}
            new_lines += [
                {**common, "balance": amount, "amount_currency": amount, "debit": max(amount, 0.0),
                 "credit": max(-amount, 0.0), "account_type": liquidity},
                {**common, "balance": -amount, "amount_currency": -amount, "debit": max(-amount, 0.0),
                 "credit": max(amount, 0.0), "account_type": "asset_receivable", "amount_residual": -amount},
            ]
        lines.create(new_lines)

    def unlink(self, ids):
        """A payment goes with its journal entry; one posted once stays (the entry refuses to go)."""
        ids = self.ids_arg(ids)
        if self.env.context.get("unlinking_payment_moves"):
            return super().unlink(ids)  # the entries' deletion cascading back here
        self.ensure_exist(ids)
        moves = list(self.conn.scalars(sa.select(self.table.c.move_id).where(
            self.table.c.id.in_(ids), self.table.c.move_id.is_not(None))))
        if moves:
            self.env["account.move"].sudo().with_context(unlinking_payment_moves=True).unlink(moves)
        left = self._existing(ids)
        return super().unlink([i for i in ids if i in left])

    # ------------------------------------------------------------ state
    @records_method("write")
    def action_post(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        self.post(ids)
        return None

    def post(self, ids: list[int]) -> None:
        """Post the payments' entries in one posting (their names drawn in order), then name and state them."""
        moves = self.env["account.move"].sudo().with_context(is_payment_move=True)
        rows = [row for row in self._rows(ids)
                if self.env.version == 17 or row["state"] in ("draft", "in_process")]
        if not rows:
            return
        moves.post([row["move_id"] for row in rows])  # 17: posting twice fails as the entry's posting does
        names = dict(self.conn.execute(sa.select(moves.table.c.id, moves.table.c.name).where(
            moves.table.c.id.in_([row["move_id"] for row in rows]))).all())
        matched = self._matched(rows)
        self.conn.execute(sa.update(self.table).where(self.table.c.id == sa.bindparam("b_id")).values(
            name=sa.bindparam("b_name"), state=sa.bindparam("b_state")),
            [{"b_id": row["id"], "b_name": names[row["move_id"]],
              "b_state": "posted" if self.env.version == 17 else "paid" if matched[row["id"]] else "in_process"}
             for row in rows])

    @records_method("write")
    def action_draft(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        moves = self.env["account.move"].sudo()
        for payment_id in ids:
            moves.button_draft([self._row(payment_id)["move_id"]])
        self.conn.execute(sa.update(self.table).where(self.table.c.id.in_(ids)).values(state="draft"))
        return None

    @records_method("write")
    def action_cancel(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        moves = self.env["account.move"].sudo()
        for payment_id in ids:
            moves.button_cancel([self._row(payment_id)["move_id"]])
        cancelled = "cancel" if self.env.version == 17 else "canceled"
        self.conn.execute(sa.update(self.table).where(self.table.c.id.in_(ids)).values(state=cancelled))
        return None

    # ------------------------------------------------------------ reconciliation
    def _matched(self, rows) -> dict[int, bool]:
        """Matched with the bank: a cash journal's payment at once, or one of nothing."""
        types = self._journal_types(row["journal_id"] for row in rows)
        return {row["id"]: types.get(row["journal_id"]) == "cash" or not row["amount"] for row in rows}

    def unmatched_moves(self, move_ids: list[int]) -> set[int]:
        """The entries among these that are payments not yet matched with the bank."""
        if not move_ids:
            return set()
        rows = self.conn.execute(sa.select(self.table).where(self.table.c.move_id.in_(move_ids))).mappings().all()
        matched = self._matched(rows)
        return {row["move_id"] for row in rows if not matched[row["id"]]}

    def refresh_from_move(self, move_id: int) -> None:
        self.refresh_from_moves([move_id])

    def refresh_from_moves(self, move_ids: list[int]) -> None:
        """18+ _compute_state: an in-process payment whose invoices are all paid is paid."""
        if self.env.version == 17 or not move_ids:
            return
        in_process = dict(self.conn.execute(sa.select(self.table.c.id, self.table.c.move_id).where(
            self.table.c.move_id.in_(move_ids), self.table.c.state == "in_process")).all())
        if not in_process:
            return
        invoices = self._compute_reconciled_invoices(list(in_process))
        moves = self.env["account.move"].sudo().table
        wanted = sorted({m for found in invoices.values() for m in found})
        states = dict(self.conn.execute(sa.select(moves.c.id, moves.c.payment_state).where(
            moves.c.id.in_(wanted))).all()) if wanted else {}
        paid = [i for i, found in invoices.items() if found and {states[m] for m in found} == {"paid"}]
        if paid:
            self.conn.execute(sa.update(self.table).where(self.table.c.id.in_(paid)).values(state="paid"))

    def _compute_reconciled_invoices(self, ids):
        moves = self.env["account.move"].sudo().table
        own = dict(self.conn.execute(sa.select(self.table.c.id, self.table.c.move_id).where(
            self.table.c.id.in_(ids))).all())
        counterparts = self.env["account.partial.reconcile"].sudo().counterparts([m for m in own.values() if m])
        others = sorted({m for found in counterparts.values() for m in found})
        invoices = set(self.conn.scalars(sa.select(moves.c.id).where(
            moves.c.id.in_(others), moves.c.move_type != "entry"))) if others else set()
        return {payment_id: sorted(m for m in counterparts.get(move_id, ()) if m in invoices)
                for payment_id, move_id in own.items()}

    def _compute_reconciliation(self, ids):
        # _compute_reconciliation_status: reconciled when the receivable counterpart is fully matched.
        lines = self.env["account.move.line"].sudo().table
        result = {}
        for payment_id, move_id in self.conn.execute(sa.select(self.table.c.id, self.table.c.move_id).where(
                self.table.c.id.in_(ids))):
            residual = self.conn.scalar(sa.select(sa.func.coalesce(sa.func.sum(lines.c.amount_residual), 0.0)).where(
                lines.c.move_id == move_id, lines.c.account_type == "asset_receivable"))
            result[payment_id] = residual == 0
        return result

    def _compute_is_matched(self, ids):
        return self._matched(self.conn.execute(sa.select(self.table).where(self.table.c.id.in_(ids))).mappings().all())
