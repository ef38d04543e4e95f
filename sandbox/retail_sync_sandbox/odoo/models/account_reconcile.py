"""Reconciliation: a receivable line paid (in part) by a payment or a credit note, and what follows
from it — the lines' residuals, the invoices' `amount_residual` and `payment_state`.

payment_state follows account.move._compute_payment_state: nothing left to pay is `paid`, or
`in_payment` while a payment is not yet matched with the bank (`_get_invoice_in_payment_state`, which
the payment module — installed with any payment provider — makes `in_payment`), or `reversed` when an
invoice was settled by credit notes only; something paid but not all is `partial`.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..exceptions import UserError
from ..fields import Many2one, Monetary
from ..model import Model
from ..taxes import round_to

RECEIVABLE = "asset_receivable"


class AccountPartialReconcile(Model):
    _name = "account.partial.reconcile"
    _description = "Partial Reconcile"

    debit_move_id = Many2one("account.move.line", "Debit line", required=True, index=True, ondelete="cascade")
    credit_move_id = Many2one("account.move.line", "Credit line", required=True, index=True, ondelete="cascade")
    amount = Monetary("Amount", default=0.0)
    debit_amount_currency = Monetary("Debit amount in currency", default=0.0)
    credit_amount_currency = Monetary("Credit amount in currency", default=0.0)
    company_id = Many2one("res.company", "Company", default=lambda env: 1)

    def _receivable_lines(self, move_id: int) -> list:
        lines = self.env["account.move.line"].sudo().table
        return list(self.conn.execute(sa.select(lines.c.id, lines.c.amount_residual).where(
            lines.c.move_id == move_id, lines.c.account_type == RECEIVABLE).order_by(lines.c.id)))

    def reconcile_moves(self, move_id: int, other_id: int) -> bool:
        """Match the receivable lines of two posted moves, as far as their residuals go."""
        moves = self.env["account.move"].sudo()
        states = dict(self.conn.execute(sa.select(moves.table.c.id, moves.table.c.state).where(
            moves.table.c.id.in_((move_id, other_id)))).all())
        if any(state != "posted" for state in states.values()):
            raise UserError("You can only reconcile posted entries.")
        rounding = moves._currency_rounding(moves._row(move_id)["currency_id"])
        pool = self._receivable_lines(move_id) + self._receivable_lines(other_id)
        debits = [[line.id, line.amount_residual] for line in pool if line.amount_residual > 0]
        credits = [[line.id, -line.amount_residual] for line in pool if line.amount_residual < 0]
        matched = False
        for debit in debits:
            for credit in credits:
                amount = round_to(min(debit[1], credit[1]), rounding)
                if amount <= 0:
                    continue
                self.create({"debit_move_id": debit[0], "credit_move_id": credit[0], "amount": amount,
                             "debit_amount_currency": amount, "credit_amount_currency": amount})
                debit[1] = round_to(debit[1] - amount, rounding)
                credit[1] = round_to(credit[1] - amount, rounding)
                matched = True
        for line_id, left in debits:
            self._set_residual(line_id, left)
        for line_id, left in credits:
            self._set_residual(line_id, -left)
        self.refresh_moves([move_id, other_id])
        return matched

    def _set_residual(self, line_id: int, residual: float) -> None:
        lines = self.env["account.move.line"].sudo().table
        self.conn.execute(sa.update(lines).where(lines.c.id == line_id).values(
            amount_residual=residual, reconciled=residual == 0))

    def unreconcile_moves(self, move_ids: list[int]) -> None:
        """remove_move_reconcile: drop the matches of these moves' lines and give back the residuals."""
        lines = self.env["account.move.line"].sudo().table
        t = self.table
        line_ids = sa.select(lines.c.id).where(lines.c.move_id.in_(move_ids))
        partials = self.conn.execute(sa.select(t.c.id, t.c.debit_move_id, t.c.credit_move_id).where(
            sa.or_(t.c.debit_move_id.in_(line_ids), t.c.credit_move_id.in_(line_ids)))).all()
        if not partials:
            return
        touched = {p.debit_move_id for p in partials} | {p.credit_move_id for p in partials}
        self.conn.execute(sa.delete(t).where(t.c.id.in_([p.id for p in partials])))
        for line in self.conn.execute(sa.select(lines.c.id, lines.c.balance).where(lines.c.id.in_(touched))):
            paid = self.conn.scalar(sa.select(sa.func.coalesce(sa.func.sum(t.c.amount), 0.0)).where(
                sa.or_(t.c.debit_move_id == line.id, t.c.credit_move_id == line.id)))
            self._set_residual(line.id, line.balance - paid if line.balance > 0 else line.balance + paid)
        other_moves = set(self.conn.scalars(sa.select(lines.c.move_id).where(lines.c.id.in_(touched))))
        self.refresh_moves(sorted(other_moves))

    def counterpart_moves(self, move_id: int) -> set[int]:
        lines = self.env["account.move.line"].sudo().table
        t = self.table
        own = sa.select(lines.c.id).where(lines.c.move_id == move_id)
        other_lines = set(self.conn.scalars(sa.select(t.c.credit_move_id).where(t.c.debit_move_id.in_(own)))) | set(
            self.conn.scalars(sa.select(t.c.debit_move_id).where(t.c.credit_move_id.in_(own))))
        if not other_lines:
            return set()
        return set(self.conn.scalars(sa.select(lines.c.move_id).where(lines.c.id.in_(other_lines))))

    def refresh_moves(self, move_ids: list[int]) -> None:
        """amount_residual and payment_state of invoices, reconciliation flags of payments."""
        moves = self.env["account.move"].sudo()
        payments = self.env["account.payment"].sudo()
        for move_id in move_ids:
            move = moves._row(move_id)
            if move["move_type"] == "entry":
                payments.refresh_from_move(move_id)
                continue
            rounding = moves._currency_rounding(move["currency_id"])
            residual = round_to(abs(sum(line.amount_residual for line in self._receivable_lines(move_id))),
                                      rounding)
            sign = 1 if move["move_type"] in ("out_invoice", "out_receipt", "in_refund") else -1
            values = {"amount_residual": residual, "amount_residual_signed": sign * residual,
                      "payment_state": self._payment_state(move, residual)}
            self.conn.execute(sa.update(moves.table).where(moves.table.c.id == move_id).values(**values))

    def _payment_state(self, move, residual: float) -> str:
        if move["state"] != "posted":
            return "not_paid"
        counterparts = self.counterpart_moves(move["id"])
        if residual:
            return "partial" if counterparts else "not_paid"
        moves = self.env["account.move"].sudo().table
        kinds = dict(self.conn.execute(sa.select(moves.c.id, moves.c.move_type).where(
            moves.c.id.in_(counterparts))).all())
        payments = self.env["account.payment"].sudo()
        unmatched = [m for m, kind in kinds.items() if kind == "entry" and not payments.matched_by_move(m)]
        if unmatched:
            return "in_payment"
        reverse_types = set(kinds.values())
        if move["move_type"] == "out_invoice" and reverse_types and reverse_types <= {"out_refund", "entry"} \
                and "out_refund" in reverse_types:
            return "reversed"
        return "paid"
