"""Bank statements and their lines (account.bank.statement, account.bank.statement.line).

As in Odoo 17, 18 and 19, a statement line *is* a journal entry: it `_inherits` account.move, so
creating one creates an entry of type `entry` in its bank/cash journal, with two journal items — the
liquidity line on the journal's default account and the counterpart on the journal's suspense account —
and posts it at once. The line stays unreconciled (`is_reconciled` False, `amount_residual` the amount
still on suspense) until its suspense item is replaced by what explains the money.

A foreign currency (`foreign_currency_id`, `amount_currency`) is what the transaction was in when it
differs from the journal's; the sandbox has no rates, so amounts in company currency are the journal's.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..exceptions import UserError, ValidationError
from ..fields import Boolean, Char, Date, Float, Integer, Many2one, Monetary, One2many
from ..model import Model
from .account_move import _company_currency


class AccountBankStatement(Model):
    _name = "account.bank.statement"
    _description = "Bank Statement"
    _order = "first_line_index desc, id desc"

    name = Char("Reference")
    reference = Char("External Reference")
    date = Date("Date")
    journal_id = Many2one("account.journal", "Journal")
    company_id = Many2one("res.company", "Company", default=lambda env: 1)
    balance_start = Monetary("Starting Balance", default=0.0)
    balance_end_real = Monetary("Ending Balance", default=0.0)
    first_line_index = Char("First Line Index", readonly=True)
    line_ids = One2many("account.bank.statement.line", "statement_id", "Statement lines")


class AccountBankStatementLine(Model):
    _name = "account.bank.statement.line"
    _description = "Bank Statement Line"
    _inherits = {"account.move": "move_id"}
    _order = "id desc"

    move_id = Many2one("account.move", "Journal Entry", required=True, readonly=True, ondelete="cascade", index=True)
    statement_id = Many2one("account.bank.statement", "Statement", index=True)
    sequence = Integer("Sequence", default=1)
    partner_id = Many2one("res.partner", "Partner", ondelete="restrict")
    account_number = Char("Bank Account Number")
    partner_name = Char("Partner Name")
    transaction_type = Char("Transaction Type")
    payment_ref = Char("Label")
    currency_id = Many2one("res.currency", "Journal Currency", readonly=True)
    amount = Monetary("Amount", default=0.0)
    foreign_currency_id = Many2one("res.currency", "Foreign Currency")
    amount_currency = Monetary("Amount in Currency", default=0.0, currency_field="foreign_currency_id")
    amount_residual = Float("Residual Amount", readonly=True, default=0.0)
    is_reconciled = Boolean("Is Reconciled", readonly=True, default=False)

    # ------------------------------------------------------------ create
    def _prepare_create(self, vals_list):
        journals = self.env["account.journal"].sudo()
        statements = self.env["account.bank.statement"].sudo()
        for vals in vals_list:
            if vals.get("statement_id") and not vals.get("journal_id"):
                # A line added to a statement without a journal takes the statement's.
                found = statements.read(statements.exists([vals["statement_id"]]), ["journal_id"], load=None)
                if found and found[0]["journal_id"]:
                    vals["journal_id"] = found[0]["journal_id"]
            if not vals.get("journal_id"):
                found = journals.search([("type", "=", "bank")], limit=1)
                if found:
                    vals["journal_id"] = found[0]
            # A "foreign" currency that is the journal's own is dropped, with its amount.
            if vals.get("journal_id") and vals.get("foreign_currency_id") \
                    and vals["foreign_currency_id"] == self._journal_currency(vals["journal_id"]):
                vals["foreign_currency_id"] = False
                vals["amount_currency"] = 0.0
            vals["move_type"] = "entry"  # whatever default_move_type the context carries
            vals.setdefault("amount", 0.0)
        return super()._prepare_create(vals_list)

    def _journal(self, journal_id: int):
        journals = self.env["account.journal"].sudo().table
        return self.conn.execute(sa.select(journals).where(journals.c.id == journal_id)).mappings().one()

    def _journal_currency(self, journal_id: int) -> int:
        return self._journal(journal_id)["currency_id"] or _company_currency(self.env)

    def _row(self, line_id: int):
        return self.conn.execute(sa.select(self.table).where(self.table.c.id == line_id)).mappings().one()

    def _after_create(self, ids, vals_list):
        moves = self.env["account.move"].sudo()
        lines = self.env["account.move.line"].sudo().with_context(skip_sync_dynamic_lines=True)
        for line_id in ids:
            row = self._row(line_id)
            move = moves._row(row["move_id"])
            journal = self._journal(move["journal_id"])
            if journal["type"] not in ("bank", "cash", "credit"):
                raise UserError("A statement line must belong to a bank, cash or credit card journal "
                                f"(journal {journal['name']} is of type {journal['type']}).")
            journal_currency = journal["currency_id"] or _company_currency(self.env)
            self._check_amounts_currencies(row, journal_currency)
            if not journal["suspense_account_id"]:
                raise UserError(f"You can't create a new statement line without a suspense account set on the "
                                f"{journal['name']} journal.")
            self.conn.execute(sa.update(self.table).where(self.table.c.id == line_id).values(
                currency_id=journal_currency))
            self.conn.execute(sa.update(moves.table).where(moves.table.c.id == move["id"]).values(
                statement_line_id=line_id, partner_id=row["partner_id"],
                currency_id=row["foreign_currency_id"] or journal_currency))
            lines.create(self._default_line_values(self._row(line_id), journal, journal_currency))
            moves.post([move["id"]])  # no draft for statement lines: they are posted as they come
        self._refresh_reconciliation(ids)

    def _check_amounts_currencies(self, row, journal_currency: int) -> None:
        """_check_amounts_currencies."""
        if row["foreign_currency_id"] and row["foreign_currency_id"] == journal_currency:
            name = self.env["res.currency"].sudo()._display_names([journal_currency])[journal_currency]
            raise ValidationError(f"The foreign currency must be different than the journal one: {name}")
        if not row["foreign_currency_id"] and row["amount_currency"]:
            raise ValidationError("You can't provide an amount in foreign currency without specifying a foreign "
                                  "currency.")
        if row["foreign_currency_id"] and not row["amount_currency"]:
            raise ValidationError("You can't provide a foreign currency without specifying an amount in 'Amount in "
                                  "Currency' field.")

    def _default_line_values(self, row, journal, journal_currency: int) -> list[dict]:
        """_prepare_move_line_default_vals: the liquidity item and its suspense counterpart."""
        company_amount = row["amount"]  # no rates: the journal's amount stands for the company's
        transaction_amount = row["amount_currency"] if row["foreign_currency_id"] else row["amount"]
        common = {"move_id": row["move_id"], "partner_id": row["partner_id"], "name": row["payment_ref"] or False,
                  "display_type": "product", "quantity": 1.0}
        return [
            {**common, "account_id": journal["default_account_id"], "currency_id": journal_currency,
             "amount_currency": row["amount"], "balance": company_amount,
             "debit": max(company_amount, 0.0), "credit": max(-company_amount, 0.0),
             "account_type": "asset_cash"},
            {**common, "account_id": journal["suspense_account_id"],
             "currency_id": row["foreign_currency_id"] or journal_currency,
             "amount_currency": -transaction_amount, "balance": -company_amount,
             "debit": max(-company_amount, 0.0), "credit": max(company_amount, 0.0),
             "amount_residual": -company_amount},
        ]

    # ------------------------------------------------------------ reconciliation state
    def _refresh_reconciliation(self, ids) -> None:
        """_compute_is_reconciled: what is left on the suspense item (its residual when the suspense account
        is reconcilable, its amount otherwise); reconciled when nothing is left, or no suspense item is."""
        lines = self.env["account.move.line"].sudo().table
        accounts = self.env["account.account"].sudo().table
        for line_id in ids:
            row = self._row(line_id)
            journal = self._journal(self.env["account.move"].sudo()._row(row["move_id"])["journal_id"])
            suspense = self.conn.execute(
                sa.select(lines.c.amount_currency, lines.c.amount_residual, accounts.c.reconcile)
                .select_from(lines.join(accounts, accounts.c.id == lines.c.account_id))
                .where(lines.c.move_id == row["move_id"], lines.c.account_id == journal["suspense_account_id"])).all()
            residual = sum((s.amount_residual if s.reconcile else s.amount_currency) for s in suspense)
            self.conn.execute(sa.update(self.table).where(self.table.c.id == line_id).values(
                amount_residual=residual, is_reconciled=not suspense or round(residual, 6) == 0))

    def unlink(self, ids):
        """A statement line goes with its journal entry (which Odoo deletes with force_delete)."""
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        moves = list(self.conn.scalars(sa.select(self.table.c.move_id).where(self.table.c.id.in_(ids))))
        result = super().unlink(ids)
        move_model = self.env["account.move"].sudo()
        self.conn.execute(sa.delete(self.env["account.move.line"].sudo().table).where(
            self.env["account.move.line"].sudo().table.c.move_id.in_(moves)))
        self.conn.execute(sa.delete(move_model.table).where(move_model.table.c.id.in_(moves)))
        return result
