"""Invoices, credit notes and journal entries (account.move) with their journal items.

As in Odoo 16+, a move keeps every journal item in `line_ids`: the product lines a caller writes
(`invoice_line_ids`), and the tax lines and the receivable (`payment_term`) line the move derives from
them while it is a draft. Posting gives the move its name from the journal's sequence; what is left to
pay (`amount_residual`, `payment_state`) follows the receivable line's reconciliations
(account.partial.reconcile) with payments and credit notes.

The sandbox has no chart of accounts and no currency rates: a line's balance is its amount in the
move's currency, and the receivable line stands for the partner's receivable account.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from .. import security
from ..api import records_method
from ..exceptions import UserError
from ..fields import Boolean, Char, Date, Float, Integer, Many2many, Many2one, Monetary, One2many, Selection
from ..model import Model
from ..taxes import LineInput, compute_document, round_to
from .account_account import ACCOUNT_TYPES
from .company_taxes import rounding_settings, tax_specs

MOVE_TYPES = [("entry", "Journal Entry"), ("out_invoice", "Customer Invoice"), ("out_refund", "Customer Credit Note"),
              ("in_invoice", "Vendor Bill"), ("in_refund", "Vendor Credit Note"), ("out_receipt", "Sales Receipt"),
              ("in_receipt", "Purchase Receipt")]
SALE_TYPES = ("out_invoice", "out_refund", "out_receipt")
# sequence.mixin's _sequence_fixed_regex with only the number captured: a name is its prefix, up to nine
# digits, and a suffix without digits (`INV/2026/00042` is `INV/2026/` and 42).
SEQUENCE_SPLIT = re.compile(r"^(?:.*?)(\d{0,9})(?:\D*?)$", re.S)


def split_sequence(name) -> tuple[str, int]:
    """sequence.mixin._compute_split_sequence: (sequence_prefix, sequence_number) of a name."""
    name = name or ""
    match = SEQUENCE_SPLIT.match(name)
    return name[:match.start(1)], int(match.group(1) or 0)


def payment_states(version: int) -> list[tuple[str, str]]:
    """PAYMENT_STATE_SELECTION; 18 added `blocked`."""
    states = [("not_paid", "Not Paid"), ("in_payment", "In Payment"), ("paid", "Paid"), ("partial", "Partially Paid"),
              ("reversed", "Reversed")]
    if version >= 18:
        states.append(("blocked", "Blocked"))
    return [*states, ("invoicing_legacy", "Invoicing App Legacy")]


def _sale_journal(env) -> int | None:
    journals = env["account.journal"].sudo()
    found = journals.search([("type", "=", "sale")], limit=1)
    return found[0] if found else None


def _default_journal(env) -> int | None:
    """_search_default_journal: a sale journal for customer documents, a miscellaneous one otherwise."""
    move_type = env.context.get("default_move_type", "entry")
    journals = env["account.journal"].sudo()
    found = journals.search([("type", "=", "sale" if move_type in SALE_TYPES else "general")], limit=1)
    return found[0] if found else _sale_journal(env)


def _company_currency(env) -> int:
    return env["res.company"].sudo().read([1], ["currency_id"], load=None)[0]["currency_id"]


class AccountMove(Model):
    _name = "account.move"
    _description = "Journal Entry"
    _order = "date desc, name desc, invoice_date desc, id desc"
    # sequence.mixin's index: the last number of a journal's prefix is one index lookup, however many
    # entries the journal holds (_get_last_sequence's ORDER BY sequence_number DESC LIMIT 1).
    _indexes = (("journal_id", "sequence_prefix", "sequence_number"),)

    name = Char("Number", default="/", index=True)
    # Stored splits of `name` (sequence.mixin), kept by the sandbox whenever a name is set.
    sequence_prefix = Char("Sequence Prefix", readonly=True)
    sequence_number = Integer("Sequence Number", readonly=True)
    ref = Char("Reference")
    date = Date("Date", required=True, default=lambda env: dt.date.today().isoformat())
    state = Selection([("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")], "Status",
                      required=True, readonly=True, default="draft")
    move_type = Selection(MOVE_TYPES, "Type", required=True, readonly=True,
                          default=lambda env: env.context.get("default_move_type", "entry"))
    journal_id = Many2one("account.journal", "Journal", required=True, default=_default_journal)
    company_id = Many2one("res.company", "Company", required=True, default=lambda env: 1)
    currency_id = Many2one("res.currency", "Currency", required=True, default=_company_currency)
    partner_id = Many2one("res.partner", "Partner", ondelete="restrict")
    commercial_partner_id = Many2one("res.partner", "Commercial Entity", compute="_compute_commercial_partner")
    line_ids = One2many("account.move.line", "move_id", "Journal Items")
    # The product, section and note lines of line_ids: what an invoice's form shows and callers write.
    invoice_line_ids = One2many("account.move.line", "move_id", "Invoice lines", compute="_compute_invoice_lines")
    invoice_date = Date("Invoice/Bill Date", index=True)
    invoice_date_due = Date("Due Date")
    invoice_origin = Char("Origin")
    payment_reference = Char("Payment Reference")
    narration = Char("Terms and Conditions")
    amount_untaxed = Monetary("Untaxed Amount", readonly=True, default=0.0)
    amount_tax = Monetary("Tax", readonly=True, default=0.0)
    amount_total = Monetary("Total", readonly=True, default=0.0)
    amount_residual = Monetary("Amount Due", readonly=True, default=0.0)
    amount_total_signed = Monetary("Total Signed", readonly=True, default=0.0)
    amount_residual_signed = Monetary("Amount Due Signed", readonly=True, default=0.0)
    payment_state = Selection(payment_states, "Payment Status", readonly=True, default="not_paid")
    reversed_entry_id = Many2one("account.move", "Reversal of", index=True)
    reversal_move_ids = One2many("account.move", "reversed_entry_id", "Reversal Move")
    posted_before = Boolean("Posted Before", readonly=True, default=False)
    auto_post = Selection([("no", "No"), ("at_date", "At Date"), ("monthly", "Monthly"), ("quarterly", "Quarterly"),
                           ("yearly", "Yearly")], "Auto-post", default="no")
    # The payment whose journal entry this is: 17 names it payment_id (the payment _inherits the move).
    payment_id = Many2one("account.payment", "Payment", index=True, versions=(17,))
    origin_payment_id = Many2one("account.payment", "Payment", index=True, versions=(18, 19))
    # 18 keeps the payments registered on an invoice (in process or not) on the invoice itself.
    statement_line_id = Many2one("account.bank.statement.line", "Statement Line", index=True)
    matched_payment_ids = Many2many("account.payment", "account_move__account_payment", "invoice_id", "payment_id",
                                    "Matched Payments", versions=(18, 19))

    # ------------------------------------------------------------ reads
    def _compute_commercial_partner(self, ids):
        t, partners = self.table, self.env["res.partner"].sudo().table
        rows = self.conn.execute(sa.select(t.c.id, partners.c.commercial_partner_id).select_from(
            t.outerjoin(partners, partners.c.id == t.c.partner_id)).where(t.c.id.in_(ids)))
        return dict(rows.all())

    def _compute_invoice_lines(self, ids):
        lines = self.env["account.move.line"].sudo().table
        rows = self.conn.execute(sa.select(lines.c.id, lines.c.move_id).where(
            lines.c.move_id.in_(ids), lines.c.display_type.in_(("product", "line_section", "line_note")))
            .order_by(lines.c.sequence, lines.c.id))
        result: dict[int, list[int]] = {i: [] for i in ids}
        for line_id, move_id in rows:
            result[move_id].append(line_id)
        return result

    def _row(self, move_id: int):
        return self.conn.execute(sa.select(self.table).where(self.table.c.id == move_id)).mappings().one()

    # ------------------------------------------------------------ create / write
    def _prepare_create(self, vals_list):
        # The journal follows the type being created (_search_default_journal), not only the context's;
        # searched once per type for all the moves of the call.
        journals: dict[str, int | None] = {}
        for vals in vals_list:
            if "journal_id" not in vals:
                move_type = vals.get("move_type") or self.env.context.get("default_move_type", "entry")
                if move_type not in journals:
                    journals[move_type] = _default_journal(self.env.with_context(default_move_type=move_type))
                journal = journals[move_type]
                if journal:
                    vals["journal_id"] = journal
        prepared = super()._prepare_create(vals_list)
        for vals in prepared:
            vals["sequence_prefix"], vals["sequence_number"] = split_sequence(vals.get("name"))
        return prepared

    def create(self, vals_list):
        """As Odoo's create of many moves: the new lines of all of them ((0, 0, values) commands in line_ids /
        invoice_line_ids) created in one call after the moves, then the moves synced once."""
        single = isinstance(vals_list, dict)
        items = [vals_list] if single else vals_list
        x2many = ("line_ids", "invoice_line_ids")
        if (self.env.context.get("skip_sync_dynamic_lines") or not isinstance(items, list)
                or not all(isinstance(v, dict) for v in items)
                or not all(_only_creates(v[name]) for v in items for name in x2many if name in v)):
            return super().create(vals_list)
        items = [dict(v) for v in items]
        new_lines = [[command[2] for name in list(v) if name in x2many for command in v.pop(name)] for v in items]
        deferred = self.with_context(skip_sync_dynamic_lines=True)
        ids = super(AccountMove, deferred).create(items)
        line_vals = [{**vals, "move_id": move_id} for move_id, found in zip(ids, new_lines) for vals in found]
        if line_vals:
            if not self.env.su:
                security.check_model_access(self.env, "account.move.line", "create")
            deferred.env["account.move.line"].sudo().create(line_vals)
        self._recompute(ids)
        return ids[0] if single else ids

    def _write_x2many(self, record_id, fld, commands):
        # Lines written through the move are synced once, by the move, after all the commands ran.
        Model._write_x2many(self.with_context(skip_sync_dynamic_lines=True), record_id, fld, commands)

    # ------------------------------------------------------------ derived lines and amounts
    def _recompute(self, ids):
        if not self.env.context.get("skip_sync_dynamic_lines"):
            self.sync_dynamic_lines(ids)

    def _after_write(self, ids, vals):
        if "name" in vals:
            prefix, number = split_sequence(vals["name"])
            self.conn.execute(sa.update(self.table).where(self.table.c.id.in_(ids)).values(
                sequence_prefix=prefix, sequence_number=number))
        if "state" not in vals and self.conn.scalar(sa.select(sa.func.count()).where(
                self.table.c.id.in_(ids), self.table.c.state == "posted")) and set(vals) & PROTECTED_ON_POSTED:
            raise UserError("You cannot modify a posted entry of this journal.")

    def sync_dynamic_lines(self, ids: list[int]) -> None:
        """Rebuild the tax and receivable lines of draft invoices from their product lines, and the totals — for
        all the moves at once (a recordset's recompute): their product lines and taxes read in one query each,
        each line's amounts written by one UPDATE statement for them all, the derived lines created in one call."""
        lines = self.env["account.move.line"].sudo().with_context(skip_sync_dynamic_lines=True)
        lt, t = lines.table, self.table
        rows = {row["id"]: row for row in self.conn.execute(sa.select(t).where(t.c.id.in_(set(ids)))).mappings()}
        moves = [rows[move_id] for move_id in dict.fromkeys(ids)]
        self._check_balanced_all([move for move in moves if move["move_type"] == "entry"])
        drafts = [move for move in moves if move["move_type"] != "entry" and move["state"] == "draft"]
        if not drafts:
            return
        product_rows: dict[int, list] = {move["id"]: [] for move in drafts}
        for row in self.conn.execute(sa.select(lt).where(
                lt.c.move_id.in_(list(product_rows)), lt.c.display_type == "product")
                .order_by(lt.c.sequence, lt.c.id)).mappings():
            product_rows[row["move_id"]].append(row)
        tax_links = lines._x2many_ids(lines.spec.fields["tax_ids"], [r["id"] for found in product_rows.values()
                                                                     for r in found])
        specs: dict[tuple, list] = {}
        line_updates, adjustments, new_lines, totals = [], [], [], []
        for move in drafts:
            move_id = move["id"]
            found = product_rows[move_id]
            sign = -1 if move["move_type"] in ("out_invoice", "out_receipt", "in_refund") else 1
            rounding, method = rounding_settings(self.env, move["company_id"], move["currency_id"])
            inputs = []
            for row in found:
                taxes = tuple(tax_links.get(row["id"], []))
                if taxes not in specs:
                    specs[taxes] = tax_specs(self.env, list(taxes))
                inputs.append(LineInput(row["price_unit"], row["quantity"], row["discount"], specs[taxes]))
            document = compute_document(inputs, rounding, method, self.env.version)
            for row, amounts in zip(found, document.lines):
                line_updates.append({
                    "b_id": row["id"], "price_subtotal": amounts.price_subtotal, "price_total": amounts.price_total,
                    "balance": sign * amounts.price_subtotal, "amount_currency": sign * amounts.price_subtotal,
                    "debit": max(sign * amounts.price_subtotal, 0.0), "credit": max(-sign * amounts.price_subtotal, 0.0),
                    "currency_id": move["currency_id"], "account_type": "income", "partner_id": move["partner_id"]})
            delta = round_to(document.amount_untaxed - sum(a.price_subtotal for a in document.lines), rounding)
            if delta and found:
                # 18+ rounding globally: the document's untaxed amount is not the sum of the rounded lines;
                # the difference goes to a line's balance so the entry stays balanced.
                balance = sign * (document.lines[-1].price_subtotal + delta)
                adjustments.append({"b_id": found[-1]["id"], "balance": balance, "amount_currency": balance,
                                    "debit": max(balance, 0.0), "credit": max(-balance, 0.0)})
            total = document.amount_total
            new_lines.append((move, sign, document.tax_totals, total if found else None))
            totals.append({"b_id": move_id, "amount_untaxed": document.amount_untaxed,
                           "amount_tax": document.amount_tax, "amount_total": total, "amount_residual": total,
                           "amount_total_signed": -sign * total, "amount_residual_signed": -sign * total})
        for updates in (line_updates, adjustments):
            if updates:
                columns = [name for name in updates[0] if name != "b_id"]
                self.conn.execute(sa.update(lt).where(lt.c.id == sa.bindparam("b_id")).values(
                    {name: sa.bindparam(name) for name in columns}), updates)
        self.conn.execute(sa.delete(lt).where(lt.c.move_id.in_([move["id"] for move in drafts]),
                                              lt.c.display_type.in_(("tax", "payment_term"))))
        lines.create(self._derived_lines(new_lines))
        self.conn.execute(sa.update(t).where(t.c.id == sa.bindparam("b_id")).values(
            {name: sa.bindparam(name) for name in totals[0] if name != "b_id"}), totals)

    def _derived_lines(self, documents: list[tuple]) -> list[dict]:
        """The tax lines and the receivable (payment_term) line of each (move, sign, tax totals, total or None
        without product lines)."""
        tax_ids = sorted({tax_id for _, _, per_tax, _ in documents for tax_id in per_tax})
        tax_names = {r["id"]: r["name"] for r in self.env["account.tax"].sudo().read(tax_ids, ["name"])} \
            if tax_ids else {}
        result = []
        for move, sign, per_tax, total in documents:
            new_lines = [{"move_id": move["id"], "display_type": "tax", "name": tax_names[tax_id],
                          "tax_line_id": tax_id, "balance": sign * amount, "quantity": 1.0,
                          "account_type": "liability_current"}
                         for tax_id, amount in per_tax.items() if amount]
            if total is not None:
                label = move["payment_reference"] or (move["name"] if move["name"] != "/" else "")
                new_lines.append({"move_id": move["id"], "display_type": "payment_term", "name": label,
                                  "balance": -sign * total, "amount_residual": -sign * total, "quantity": 1.0,
                                  "account_type": "asset_receivable"})
            for vals in new_lines:
                vals.update(partner_id=move["partner_id"], currency_id=move["currency_id"],
                            amount_currency=vals["balance"], debit=max(vals["balance"], 0.0),
                            credit=max(-vals["balance"], 0.0), sequence=10000)
                vals["name"] = vals["name"] or False
            result += new_lines
        return result

    def _check_balanced_all(self, entries: list) -> None:
        """_check_balanced for many entries: their debits and credits summed in one query."""
        if not entries:
            return
        lt = self.env["account.move.line"].sudo().table
        sums = {row.move_id: row for row in self.conn.execute(sa.select(
            lt.c.move_id, sa.func.coalesce(sa.func.sum(lt.c.debit), 0.0).label("debit"),
            sa.func.coalesce(sa.func.sum(lt.c.credit), 0.0).label("credit")).where(
            lt.c.move_id.in_([move["id"] for move in entries])).group_by(lt.c.move_id))}
        if not sums:
            return
        rounding = self._currency_rounding(_company_currency(self.env))
        for move in entries:
            found = sums.get(move["id"])
            if found is not None and round_to(found.debit - found.credit, rounding) != 0:
                self._check_balanced(move)

    def _check_balanced(self, move) -> None:
        """_check_balanced: a journal entry's debits equal its credits, checked on every create and write
        (Odoo refuses to save an unbalanced entry, draft or not)."""
        lt = self.env["account.move.line"].sudo().table
        debit, credit, count = self.conn.execute(sa.select(
            sa.func.coalesce(sa.func.sum(lt.c.debit), 0.0), sa.func.coalesce(sa.func.sum(lt.c.credit), 0.0),
            sa.func.count()).where(lt.c.move_id == move["id"])).one()
        rounding = self._currency_rounding(_company_currency(self.env))
        if not count or round_to(debit - credit, rounding) == 0:
            return
        currencies = self.env["res.currency"].sudo().table
        symbol, position = self.conn.execute(sa.select(currencies.c.symbol, currencies.c.position).where(
            currencies.c.id == _company_currency(self.env))).one()

        def format_amount(value: float) -> str:  # tools.format_amount: the symbol where the currency puts it
            return f"{symbol}\N{NO-BREAK SPACE}{value:,.2f}" if position == "before" \
                else f"{value:,.2f}\N{NO-BREAK SPACE}{symbol}"

        journal = self.env["account.journal"].sudo()._display_names([move["journal_id"]])[move["journal_id"]]
        name = move["name"] if move["name"] not in (None, "/") else f"Draft Entry (* {move['id']})"
        raise UserError(
            "An error has occurred.\n\n"
            f"The move ({name}) is not balanced.\n"
            f"The total of debits equals {format_amount(debit)} and the total of credits equals "
            f"{format_amount(credit)}.\n"
            f'You might want to specify a default account on journal "{journal}" to automatically balance each move.')

    def _currency_rounding(self, currency_id: int) -> float:
        currencies = self.env["res.currency"].sudo().table
        return self.conn.scalar(sa.select(currencies.c.rounding).where(currencies.c.id == currency_id)) or 0.01

    # ------------------------------------------------------------ posting
    @records_method("write")
    def action_post(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        self.post(ids)
        return False

    def post(self, ids: list[int]) -> None:
        """_post(soft=False): the checks, the invoice date, the name from the journal's sequence — for all the
        moves at once, as Odoo's recordset does: one read of the moves and of their line counts, the names
        drawn in order from each sequence, one UPDATE statement for the moves and one for their labels."""
        today = dt.date.today().isoformat()
        lt = self.env["account.move.line"].sudo().table
        t = self.table
        rows = {row["id"]: row for row in self.conn.execute(sa.select(t).where(t.c.id.in_(set(ids)))).mappings()}
        counted = dict(self.conn.execute(sa.select(lt.c.move_id, sa.func.count()).where(
            lt.c.move_id.in_(set(ids)), lt.c.display_type.not_in(("line_section", "line_note")))
            .group_by(lt.c.move_id)).all())
        sequences = _Sequences(self)
        updates: list[dict] = []
        posted_now: dict[int, str] = {}
        for move_id in ids:
            move = rows[move_id]
            if move["state"] == "posted" or move_id in posted_now:
                name = posted_now.get(move_id, move["name"])
                raise UserError(f"The entry {name} (id {move_id}) is already posted.")
            if not counted.get(move_id):
                raise UserError("You need to add a line before posting.")
            is_invoice = move["move_type"] != "entry"
            if is_invoice and not move["partner_id"]:
                if move["move_type"] in SALE_TYPES:
                    raise UserError("The field 'Customer' is required, please complete it to validate the "
                                    "Customer Invoice.")
                raise UserError("The field 'Vendor' is required, please complete it to validate the Vendor Bill.")
            if is_invoice and move["amount_total"] < 0:
                raise UserError("You cannot validate an invoice with a negative total amount. You should create a "
                                "credit note instead. Use the action menu to transform it into a credit note or "
                                "refund.")
            values = {"b_id": move_id, "state": "posted", "posted_before": True, "invoice_date": move["invoice_date"],
                      "date": move["date"], "invoice_date_due": move["invoice_date_due"], "name": move["name"],
                      "sequence_prefix": move["sequence_prefix"], "sequence_number": move["sequence_number"]}
            if is_invoice and not move["invoice_date"]:
                values["invoice_date"] = today
            if is_invoice:
                values["date"] = values["invoice_date"]
                values["invoice_date_due"] = move["invoice_date_due"] or values["invoice_date"]
            if move["name"] in (None, "/"):
                values["name"] = sequences.next_name(move, values["date"])
                values["sequence_prefix"], values["sequence_number"] = split_sequence(values["name"])
            posted_now[move_id] = values["name"]
            updates.append(values)
        columns = [name for name in updates[0] if name != "b_id"] if updates else []
        if updates:
            self.conn.execute(sa.update(t).where(t.c.id == sa.bindparam("b_id")).values(
                {name: sa.bindparam(name) for name in columns}), updates)
            self.conn.execute(sa.update(lt).where(
                lt.c.move_id == sa.bindparam("b_id"), lt.c.display_type == "payment_term", lt.c.name.is_(None))
                .values(name=sa.bindparam("b_name")), [{"b_id": u["b_id"], "b_name": u["name"]} for u in updates])

    @records_method("write")
    def button_draft(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        t = self.table
        if self.conn.scalar(sa.select(sa.func.count()).where(t.c.id.in_(ids), t.c.state.not_in(("posted", "cancel")))):
            raise UserError("Only posted/cancelled journal entries can be reset to draft.")
        # Resetting to draft undoes the reconciliations (remove_move_reconcile).
        self.env["account.partial.reconcile"].sudo().unreconcile_moves(ids)
        self.conn.execute(sa.update(t).where(t.c.id.in_(ids)).values(state="draft"))
        self.sync_dynamic_lines(ids)
        return None

    @records_method("write")
    def button_cancel(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        t = self.table
        posted = list(self.conn.scalars(sa.select(t.c.id).where(t.c.id.in_(ids), t.c.state == "posted")))
        if posted:
            self.button_draft(posted)
        if self.conn.scalar(sa.select(sa.func.count()).where(t.c.id.in_(ids), t.c.state != "draft")):
            raise UserError("Only draft journal entries can be cancelled.")
        self.conn.execute(sa.update(t).where(t.c.id.in_(ids)).values(state="cancel", auto_post="no"))
        return None

    def unlink(self, ids):
        ids = self.ids_arg(ids)
        t = self.table
        if self.conn.scalar(sa.select(sa.func.count()).where(t.c.id.in_(ids), t.c.posted_before.is_(True))):
            raise UserError("You cannot delete an entry which has been posted once.")
        return super().unlink(ids)

    # ------------------------------------------------------------ reversal
    def reverse(self, ids: list[int], defaults: list[dict], cancel: bool) -> list[int]:
        """_reverse_moves: a copy of each move with the opposite type, linked by reversed_entry_id; with
        `cancel` the reversal is posted and reconciled with the move it reverses."""
        lines = self.env["account.move.line"].sudo()
        created = []
        opposite = {"out_invoice": "out_refund", "out_refund": "out_invoice", "in_invoice": "in_refund",
                    "in_refund": "in_invoice", "entry": "entry"}
        for move_id, default in zip(ids, defaults):
            move = self._row(move_id)
            vals = {"move_type": opposite[move["move_type"]], "partner_id": move["partner_id"],
                    "currency_id": move["currency_id"], "journal_id": move["journal_id"],
                    "invoice_origin": move["invoice_origin"], "reversed_entry_id": move_id,
                    "invoice_line_ids": lines.copy_commands(move_id), **default}
            created.append(self.sudo().create(vals))
        if cancel:
            self.post(created)
            reconcile = self.env["account.partial.reconcile"].sudo()
            for move_id, reversal in zip(ids, created):
                reconcile.reconcile_moves(move_id, reversal)
        return created

    def copy_as_draft(self, move_id: int, date: str | None) -> int:
        """copy(): a new draft of the move with the same lines (the "modify" of a credit note)."""
        move = self._row(move_id)
        lines = self.env["account.move.line"].sudo()
        return self.sudo().create({
            "move_type": move["move_type"], "partner_id": move["partner_id"], "currency_id": move["currency_id"],
            "journal_id": move["journal_id"], "invoice_origin": move["invoice_origin"], "ref": move["ref"],
            "date": date or move["date"],
            "invoice_line_ids": lines.copy_commands(move_id)})

    def switch_to_refund(self, move_id: int) -> None:
        """action_switch_move_type on an invoice with a negative total: a credit note of the opposite quantities."""
        lines = self.env["account.move.line"].sudo().table
        self.conn.execute(sa.update(lines).where(lines.c.move_id == move_id, lines.c.display_type == "product")
                          .values(quantity=-lines.c.quantity))
        self.conn.execute(sa.update(self.table).where(self.table.c.id == move_id).values(move_type="out_refund"))
        self.sync_dynamic_lines([move_id])

    @records_method("write")
    def js_assign_outstanding_line(self, ids, line_id):
        """Reconcile an outstanding credit (a payment or a credit note's receivable line) with this invoice."""
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        lines = self.env["account.move.line"].sudo()
        [line] = lines.read([line_id], ["move_id"], load=None)
        return self.env["account.partial.reconcile"].sudo().reconcile_moves(ids[0], line["move_id"])


class _Sequences:
    """The journals' sequences during one posting: `INV/2026/00001`; credit notes get the refund sequence
    (`RINV/...`), payments the payment sequence (`PBNK1/...`). The last number of a prefix is read once, by
    the (journal, sequence_prefix, sequence_number) index — as sequence.mixin's _get_last_sequence reads it,
    not by scanning the journal's names — and the moves posted together take the next ones in order."""

    def __init__(self, moves: AccountMove):
        self.moves = moves
        self.codes: dict[int, str] = {}
        self.last: dict[tuple[int, str], int] = {}

    def next_name(self, move, date) -> str:
        journal_id = move["journal_id"]
        if journal_id not in self.codes:
            journals = self.moves.env["account.journal"].table
            self.codes[journal_id] = self.moves.conn.scalar(
                sa.select(journals.c.code).where(journals.c.id == journal_id))
        code = self.codes[journal_id]
        prefix_code = code
        if move["move_type"] in ("out_refund", "in_refund"):
            prefix_code = f"R{code}"
        elif self.moves.env.context.get("is_payment_move"):
            prefix_code = f"P{code}"
        prefix = f"{prefix_code}/{str(date)[:4]}/"
        key = (journal_id, prefix)
        if key not in self.last:
            t = self.moves.table
            self.last[key] = self.moves.conn.scalar(sa.select(sa.func.max(t.c.sequence_number)).where(
                t.c.journal_id == journal_id, t.c.sequence_prefix == prefix)) or 0
        self.last[key] += 1
        return f"{prefix}{self.last[key]:05d}"


def _only_creates(commands) -> bool:
    """Only (0, 0, values) commands: new lines, which a batch of moves can create all together."""
    return (isinstance(commands, (list, tuple))
            and all(isinstance(c, (list, tuple)) and len(c) == 3 and c[0] == 0 and isinstance(c[2], dict)
                    for c in commands))


PROTECTED_ON_POSTED = {"invoice_line_ids", "line_ids", "partner_id", "currency_id", "journal_id", "move_type",
                       "invoice_date", "date"}


class AccountMoveLine(Model):
    _name = "account.move.line"
    _description = "Journal Item"
    _order = "date desc, move_name desc, id"

    move_id = Many2one("account.move", "Journal Entry", required=True, ondelete="cascade", index=True)
    move_name = Char("Number", compute="_compute_from_move")
    date = Date("Date", compute="_compute_from_move")
    parent_state = Selection([("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")], "Status",
                             compute="_compute_from_move")
    journal_id = Many2one("account.journal", "Journal", compute="_compute_from_move")
    sequence = Integer("Sequence", default=10)
    name = Char("Label")
    display_type = Selection([("product", "Product"), ("cogs", "Cost of Goods Sold"), ("tax", "Tax"),
                              ("discount", "Discount"), ("rounding", "Rounding"), ("payment_term", "Payment Term"),
                              ("line_section", "Section"), ("line_note", "Note"), ("epd", "Early Payment Discount")],
                             "Display Type", required=True, default="product")
    product_id = Many2one("product.product", "Product", ondelete="restrict")
    quantity = Float("Quantity", default=1.0, digits="Product Unit of Measure")
    price_unit = Float("Unit Price", default=0.0, digits="Product Price")
    discount = Float("Discount (%)", default=0.0, digits="Discount")
    tax_ids = Many2many("account.tax", "account_move_line_account_tax_rel", "account_move_line_id", "account_tax_id",
                        "Taxes")
    tax_line_id = Many2one("account.tax", "Originator Tax", ondelete="restrict")
    price_subtotal = Monetary("Subtotal", readonly=True, default=0.0)
    price_total = Monetary("Total", readonly=True, default=0.0)
    partner_id = Many2one("res.partner", "Partner", ondelete="restrict")
    currency_id = Many2one("res.currency", "Currency")
    balance = Monetary("Balance", default=0.0)
    amount_currency = Monetary("Amount in Currency", default=0.0)
    debit = Monetary("Debit", default=0.0)
    credit = Monetary("Credit", default=0.0)
    amount_residual = Monetary("Residual Amount", readonly=True, default=0.0)
    reconciled = Boolean("Reconciled", readonly=True, default=False)
    # Related to account_id.account_type in Odoo; the sandbox has no chart of accounts, so the line keeps
    # the type of the account it would be booked on (the receivable line is what payments reconcile).
    account_type = Selection(ACCOUNT_TYPES, "Type", readonly=True)
    # Set on the items callers book themselves (miscellaneous entries, statement lines); the type follows it.
    account_id = Many2one("account.account", "Account", index=True, ondelete="restrict")

    def _compute_from_move(self, ids):
        t, moves = self.table, self.env["account.move"].sudo().table
        rows = self.conn.execute(sa.select(t.c.id, moves.c.name, moves.c.date, moves.c.state, moves.c.journal_id)
                                 .select_from(t.join(moves, moves.c.id == t.c.move_id)).where(t.c.id.in_(ids)))
        return {r.id: r for r in rows}

    def _format_rows(self, rows, fields, load):
        from_move = [f for f in fields if f in ("move_name", "date", "parent_state", "journal_id")]
        out = super()._format_rows(rows, [f for f in fields if f not in from_move], load)
        if from_move:
            moves = self._compute_from_move([r["id"] for r in out])
            journals = self.env["account.journal"].sudo()._display_names(
                list({m.journal_id for m in moves.values()})) if "journal_id" in from_move else {}
            for rec in out:
                move = moves[rec["id"]]
                values = {"move_name": move.name or False, "date": move.date or False, "parent_state": move.state,
                          "journal_id": ([move.journal_id, journals.get(move.journal_id, False)]
                                         if load == "_classic_read" else move.journal_id)}
                rec.update({f: values[f] for f in from_move})
        return out

    # What a reversal or a copy of an invoice line keeps (copy_data with the business fields).
    COPIED_FIELDS = ["display_type", "name", "product_id", "quantity", "price_unit", "discount", "tax_ids", "sequence"]

    def copy_commands(self, move_id: int) -> list:
        """(0, 0, values) commands recreating a move's product, section and note lines elsewhere."""
        rows = self.read(self.search([("move_id", "=", move_id),
                                      ("display_type", "in", ["product", "line_section", "line_note"])]),
                         self.COPIED_FIELDS, load=None)
        return [(0, 0, {name: [(6, 0, value)] if isinstance(value, list) else value
                        for name, value in row.items() if name != "id"}) for row in rows]

    def tax_ids_of(self, line_id: int) -> list[int]:
        return self._x2many_ids(self.spec.fields["tax_ids"], [line_id]).get(line_id, [])

    def _check_posted(self, move_ids) -> None:
        moves = self.env["account.move"].sudo().table
        if self.conn.scalar(sa.select(sa.func.count()).where(moves.c.id.in_(move_ids), moves.c.state == "posted")):
            raise UserError("You cannot modify a posted entry of this journal.")

    def _moves_of(self, ids) -> list[int]:
        return sorted(set(self.conn.scalars(sa.select(self.table.c.move_id).where(self.table.c.id.in_(ids)))))

    def _prepare_create(self, vals_list):
        # Items booked by hand give debit/credit (or a balance): the other side follows, as does the type of
        # the account they name and, without a currency of their own, the move's currency.
        accounts = self.env["account.account"].sudo()
        moves = self.env["account.move"].sudo()
        currencies: dict[int, int | None] = {}   # per move: the lines of a move are usually created together
        for vals in vals_list:
            if "balance" not in vals and ("debit" in vals or "credit" in vals):
                vals["balance"] = (vals.get("debit") or 0.0) - (vals.get("credit") or 0.0)
            if "balance" in vals and "debit" not in vals and "credit" not in vals:
                vals["debit"], vals["credit"] = max(vals["balance"] or 0.0, 0.0), max(-(vals["balance"] or 0.0), 0.0)
            if "balance" in vals and "amount_currency" not in vals:
                vals["amount_currency"] = vals["balance"]
            if vals.get("account_id") and "account_type" not in vals:
                found = accounts.read(accounts.exists([vals["account_id"]]), ["account_type"], load=None)
                if found:
                    vals["account_type"] = found[0]["account_type"]
            if vals.get("move_id") and not vals.get("currency_id") and isinstance(vals["move_id"], int):
                if vals["move_id"] not in currencies:
                    found = moves.exists([vals["move_id"]])
                    currencies[vals["move_id"]] = moves._row(found[0])["currency_id"] if found else None
                if currencies[vals["move_id"]] is not None:
                    vals["currency_id"] = currencies[vals["move_id"]]
        return super()._prepare_create(vals_list)

    def _after_create(self, ids, vals_list):
        if not self.env.context.get("skip_sync_dynamic_lines"):
            self._check_posted(self._moves_of(ids))

    def write(self, ids, vals):
        ids = self.ids_arg(ids)
        if not self.env.context.get("skip_sync_dynamic_lines"):
            self._check_posted(self._moves_of(ids))
        return super().write(ids, vals)

    def _before_unlink(self, ids):
        if not self.env.context.get("skip_sync_dynamic_lines"):
            self._check_posted(self._moves_of(ids))

    def _recompute(self, ids):
        if not self.env.context.get("skip_sync_dynamic_lines"):
            self.env["account.move"].sudo().sync_dynamic_lines(self._moves_of(ids))
