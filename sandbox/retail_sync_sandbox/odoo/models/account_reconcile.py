"""Reconciliation: a receivable line paid (in part) by a payment or a credit note, and what follows
from it — the lines' residuals, the invoices' `amount_residual` and `payment_state`.

payment_state follows account.move._compute_payment_state: nothing left to pay is `paid`, or
`in_payment` while a payment is not yet matched with the bank (`_get_invoice_in_payment_state`, which
the payment module — installed with any payment provider — makes `in_payment`), or `reversed` when an
invoice was settled by credit notes only; something paid but not all is `partial`.
"""

from __future__ import annotations

from collections import defaultdict

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

    def reconcile_moves(self, move_id: int, other_id: int) -> bool:
        """Match the receivable lines of two posted moves, as far as their residuals go."""
        return self._reconcile([(move_id, other_id)]) > 0

    def reconcile_pairs(self, pairs: list[tuple[int, int]]) -> None:
        """reconcile_moves for many (move, other) pairs that share no move — several invoices each paid by
        its own payment — in a few statements for them all, as Odoo's reconcile() works on a recordset: the
        same matches, residuals and payment states as pair by pair."""
        move_ids = [m for pair in pairs for m in pair]
        if len(set(move_ids)) != len(move_ids):
            raise ValueError("reconcile_pairs needs pairs that share no move")
        self._reconcile(pairs)

    def _reconcile(self, pairs: list[tuple[int, int]]) -> int:
        """The partials of each pair's receivable lines, created in one call; how many were made."""
        move_ids = [m for pair in pairs for m in pair]
        moves = self.env["account.move"].sudo()
        mt = moves.table
        rows = {r.id: r for r in self.conn.execute(sa.select(mt.c.id, mt.c.state, mt.c.currency_id).where(
            mt.c.id.in_(move_ids)))}
        if any(row.state != "posted" for row in rows.values()):
            raise UserError("You can only reconcile posted entries.")
        lines = self.env["account.move.line"].sudo().table
        receivable: dict[int, list] = defaultdict(list)
        for line in self.conn.execute(sa.select(lines.c.id, lines.c.move_id, lines.c.amount_residual).where(
                lines.c.move_id.in_(move_ids), lines.c.account_type == RECEIVABLE).order_by(lines.c.id)):
            receivable[line.move_id].append(line)
        roundings: dict[int, float] = {}
        partials, residuals = [], []
        for move_id, other_id in pairs:
            currency = rows[move_id].currency_id
            if currency not in roundings:
                roundings[currency] = moves._currency_rounding(currency)
            made, left = self._match(receivable[move_id] + receivable[other_id], roundings[currency])
            partials += made
            residuals += left
        if partials:
            self.create(partials)
        if residuals:
            self.conn.execute(sa.update(lines).where(lines.c.id == sa.bindparam("b_id")).values(
                amount_residual=sa.bindparam("b_residual"), reconciled=sa.bindparam("b_reconciled")), residuals)
        # Each pair's first move refreshed before its other one, as pair by pair; the pairs share no move,
        # so all the first moves go in one run and all the others in the next.
        self.refresh_moves([pair[0] for pair in pairs] + [pair[1] for pair in pairs])
        return len(partials)

    @staticmethod
    def _match(pool: list, rounding: float) -> tuple[list[dict], list[dict]]:
        """The partials matching a pool of receivable lines, debits against credits in line order, and
        what is left on each line (the loop of reconcile_moves)."""
        debits = [[line.id, line.amount_residual] for line in pool if line.amount_residual > 0]
        credits = [[line.id, -line.amount_residual] for line in pool if line.amount_residual < 0]
        partials = []
        for debit in debits:
            for credit in credits:
                amount = round_to(min(debit[1], credit[1]), rounding)
                if amount <= 0:
                    continue
                partials.append({"debit_move_id": debit[0], "credit_move_id": credit[0], "amount": amount,
                                 "debit_amount_currency": amount, "credit_amount_currency": amount})
                debit[1] = round_to(debit[1] - amount, rounding)
                credit[1] = round_to(credit[1] - amount, rounding)
        left = [{"b_id": line_id, "b_residual": residual, "b_reconciled": residual == 0}
                for line_id, residual in [*debits, *[(i, -r) for i, r in credits]]]
        return partials, left

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

    def counterparts(self, move_ids: list[int]) -> dict[int, set[int]]:
        """The moves each of these moves is reconciled with (through any of its lines), in three queries."""
        lines = self.env["account.move.line"].sudo().table
        t = self.table
        result: dict[int, set[int]] = {m: set() for m in move_ids}
        own = dict(self.conn.execute(sa.select(lines.c.id, lines.c.move_id).where(lines.c.move_id.in_(move_ids))).all())
        if not own:
            return result
        own_ids = sa.select(lines.c.id).where(lines.c.move_id.in_(move_ids))
        partials = self.conn.execute(sa.select(t.c.debit_move_id, t.c.credit_move_id).where(
            sa.or_(t.c.debit_move_id.in_(own_ids), t.c.credit_move_id.in_(own_ids)))).all()
        if not partials:
            return result
        others = {line for p in partials for line in p}
        move_of = dict(self.conn.execute(sa.select(lines.c.id, lines.c.move_id).where(lines.c.id.in_(others))).all())
        for debit, credit in partials:
            if debit in own:
                result[own[debit]].add(move_of[credit])
            if credit in own:
                result[own[credit]].add(move_of[debit])
        return result

    def refresh_moves(self, move_ids: list[int]) -> None:
        """amount_residual and payment_state of invoices, reconciliation flags of payments — each run of
        invoices (or of payment entries) in the list at once, the runs in the list's order (a payment's state
        follows its invoices' payment state as refreshed before it)."""
        moves = self.env["account.move"].sudo()
        mt = moves.table
        rows = {r["id"]: r for r in self.conn.execute(sa.select(mt).where(mt.c.id.in_(move_ids))).mappings()}
        run: list[int] = []
        for position, move_id in enumerate(move_ids):
            run.append(move_id)
            is_entry = rows[move_id]["move_type"] == "entry"
            following = move_ids[position + 1] if position + 1 < len(move_ids) else None
            if following is not None and (rows[following]["move_type"] == "entry") == is_entry:
                continue
            if is_entry:
                self.env["account.payment"].sudo().refresh_from_moves(run)
            else:
                self._refresh_invoices([rows[m] for m in run])
            run = []

    def _refresh_invoices(self, rows: list) -> None:
        moves = self.env["account.move"].sudo()
        lines = self.env["account.move.line"].sudo().table
        ids = [row["id"] for row in rows]
        receivable: dict[int, list[float]] = defaultdict(list)
        for move_id, residual in self.conn.execute(sa.select(lines.c.move_id, lines.c.amount_residual).where(
                lines.c.move_id.in_(ids), lines.c.account_type == RECEIVABLE).order_by(lines.c.id)):
            receivable[move_id].append(residual)
        counterparts = self.counterparts(ids)
        others = sorted({m for found in counterparts.values() for m in found})
        kinds = dict(self.conn.execute(sa.select(moves.table.c.id, moves.table.c.move_type).where(
            moves.table.c.id.in_(others))).all()) if others else {}
        unmatched = self.env["account.payment"].sudo().unmatched_moves([m for m in others if kinds[m] == "entry"])
        roundings: dict[int, float] = {}
        updates = []
        for move in rows:
            if move["currency_id"] not in roundings:
                roundings[move["currency_id"]] = moves._currency_rounding(move["currency_id"])
            residual = round_to(abs(sum(receivable[move["id"]])), roundings[move["currency_id"]])
            sign = 1 if move["move_type"] in ("out_invoice", "out_receipt", "in_refund") else -1
            state = self._payment_state(move, residual, {m: kinds[m] for m in counterparts[move["id"]]}, unmatched)
            updates.append({"b_id": move["id"], "b_residual": residual, "b_signed": sign * residual, "b_state": state})
        self.conn.execute(sa.update(moves.table).where(moves.table.c.id == sa.bindparam("b_id")).values(
            amount_residual=sa.bindparam("b_residual"), amount_residual_signed=sa.bindparam("b_signed"),
            payment_state=sa.bindparam("b_state")), updates)

    @staticmethod
    def _payment_state(move, residual: float, kinds: dict[int, str], unmatched: set[int]) -> str:
        """kinds: the move types of the moves this one is reconciled with; unmatched: payment entries not yet
        matched with the bank."""
        if move["state"] != "posted":
            return "not_paid"
        if residual:
            return "partial" if kinds else "not_paid"
        if any(kind == "entry" and m in unmatched for m, kind in kinds.items()):
            return "in_payment"
        reverse_types = set(kinds.values())
        if move["move_type"] == "out_invoice" and reverse_types and reverse_types <= {"out_refund", "entry"} \
                and "out_refund" in reverse_types:
            return "reversed"
        return "paid"
