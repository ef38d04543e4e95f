"""The "Register Payment" wizard (account.payment.register): pay posted invoices or credit notes.

Called the way the form's button calls it: created with `context={'active_model': 'account.move',
'active_ids': [...]}` (its default_get reads the receivable lines of those moves), then
`action_create_payments()` creates and posts the payments and reconciles them with their invoices. The
lines are batched per partner (and direction, currency); a single line, or a single batch with
`group_payment`, is one payment of the wizard's amount (which may be changed: a partial payment);
otherwise each batch pays its full residual — one payment per invoice unless `group_payment`, as Odoo's
`_create_payments` does.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..api import records_method
from ..exceptions import UserError
from ..fields import Boolean, Char, Date, Many2many, Many2one, Monetary, Selection
from ..model import Model, now
from ..taxes import round_to


def _default_payment_journal(env) -> int | None:
    journals = env["account.journal"].sudo()
    found = journals.search([("type", "in", ["bank", "cash"])], limit=1)
    return found[0] if found else None


class AccountPaymentRegister(Model):
    _name = "account.payment.register"
    _description = "Pay"

    line_ids = Many2many("account.move.line", "account_payment_register_move_line_rel", "wizard_id", "line_id",
                         "Journal items")
    payment_date = Date("Payment Date", required=True, default=lambda env: dt.date.today().isoformat())
    amount = Monetary("Amount", default=0.0)
    communication = Char("Memo")
    group_payment = Boolean("Group Payments", default=False)
    currency_id = Many2one("res.currency", "Currency")
    journal_id = Many2one("account.journal", "Journal", default=_default_payment_journal)
    partner_id = Many2one("res.partner", "Customer/Vendor")
    payment_type = Selection([("outbound", "Send Money"), ("inbound", "Receive Money")], "Payment Type")
    partner_type = Selection([("customer", "Customer"), ("supplier", "Vendor")], "Partner Type")
    source_amount = Monetary("Amount to Pay (company currency)", readonly=True, default=0.0)
    payment_difference = Monetary("Payment Difference", compute="_compute_payment_difference")

    def _prepare_create(self, vals_list):
        """default_get: the receivable lines of the active moves, and the amount, partner and direction."""
        for vals in vals_list:
            if "line_ids" not in vals:
                vals["line_ids"] = [(6, 0, self._lines_from_context())]
            line_ids = _command_ids(vals["line_ids"])
            batches = self._batches(line_ids)
            first = batches[0]
            vals.setdefault("currency_id", first["currency_id"])
            vals.setdefault("source_amount", sum(b["residual"] for b in batches))
            if len(batches) == 1:
                vals.setdefault("partner_id", first["partner_id"])
                vals.setdefault("payment_type", first["payment_type"])
                vals.setdefault("partner_type", "customer")
                vals.setdefault("amount", first["residual"])
                vals.setdefault("communication", first["communication"])
        return super()._prepare_create(vals_list)

    def _lines_from_context(self) -> list[int]:
        context = self.env.context
        if context.get("active_model") == "account.move":
            moves = self.env["account.move"].sudo()
            lines = self.env["account.move.line"].sudo()
            move_ids = [i for i in context.get("active_ids") or [] if isinstance(i, int)]
            return lines.search([("move_id", "in", moves.exists(move_ids)), ("account_type", "=", "asset_receivable")])
        if context.get("active_model") == "account.move.line":
            return [i for i in context.get("active_ids") or [] if isinstance(i, int)]
        raise UserError("The register payment wizard should only be called on account.move or account.move.line "
                        "records.")

    def _batches(self, line_ids: list[int], per_line: bool = False) -> list[dict]:
        """_get_batches: the open receivable lines grouped by partner and direction (with `per_line`, one batch
        per line, in the same order: what _create_payments pays one payment each). The lines and their moves
        are read in one query for them all."""
        lines = self.env["account.move.line"].sudo()
        moves = self.env["account.move"].sudo()
        rows = lines.read(line_ids, ["move_id", "amount_residual", "account_type", "partner_id", "currency_id"],
                          load=None) if line_ids else []
        mt = moves.table
        move_of = {m["id"]: m for m in self.conn.execute(sa.select(
            mt.c.id, mt.c.state, mt.c.partner_id, mt.c.currency_id, mt.c.payment_reference, mt.c.ref, mt.c.name)
            .where(mt.c.id.in_({row["move_id"] for row in rows}))).mappings()}
        if any(move_of[row["move_id"]]["state"] != "posted" for row in rows):
            raise UserError("You can only register payment for posted journal entries.")
        open_rows = [r for r in rows if r["account_type"] == "asset_receivable" and r["amount_residual"]]
        if not open_rows:
            raise UserError("You can't register a payment because there is nothing left to pay on the selected "
                            "journal items.")
        groups: dict[tuple, list[dict]] = {}
        for row in open_rows:
            move = move_of[row["move_id"]]
            direction = "inbound" if row["amount_residual"] > 0 else "outbound"
            groups.setdefault((move["partner_id"], direction, move["currency_id"]), []).append(row)
        members = [[row] for rows_of in groups.values() for row in rows_of] if per_line else list(groups.values())
        roundings: dict[int, float] = {}
        batches = []
        for group in members:
            move = move_of[group[0]["move_id"]]
            currency = move["currency_id"]
            if currency not in roundings:
                roundings[currency] = moves._currency_rounding(currency)
            labels = (move_of[row["move_id"]]["payment_reference"] or move_of[row["move_id"]]["ref"]
                      or move_of[row["move_id"]]["name"] for row in group)
            batches.append({
                "partner_id": move["partner_id"], "currency_id": currency,
                "payment_type": "inbound" if group[0]["amount_residual"] > 0 else "outbound",
                "lines": [row["id"] for row in group], "moves": [row["move_id"] for row in group],
                "residual": round_to(sum(abs(row["amount_residual"]) for row in group), roundings[currency]),
                "communication": " ".join(dict.fromkeys(label for label in labels if label))})
        return batches

    def _compute_payment_difference(self, ids):
        t = self.table
        moves = self.env["account.move"].sudo()
        return {i: round_to(source - amount, moves._currency_rounding(currency) if currency else 0.01)
                for i, source, amount, currency in self.conn.execute(
                    sa.select(t.c.id, t.c.source_amount, t.c.amount, t.c.currency_id).where(t.c.id.in_(ids)))}

    @records_method("write")
    def action_create_payments(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        payment_ids = []
        for wizard_id in ids:
            payment_ids.extend(self._create_payments(wizard_id))
        if self.env.context.get("dont_redirect_to_payments"):
            return True
        action = {"name": "Payments", "type": "ir.actions.act_window", "res_model": "account.payment",
                  "context": {"create": False}}
        if len(payment_ids) == 1:
            action.update(view_mode="form", res_id=payment_ids[0])
        else:
            action.update(view_mode="tree,form" if self.env.version == 17 else "list,form",
                          domain=[["id", "in", payment_ids]])
        return action

    def _create_payments(self, wizard_id: int) -> list[int]:
        wizard = self.conn.execute(sa.select(self.table).where(self.table.c.id == wizard_id)).mappings().one()
        line_ids = self._x2many_ids(self.spec.fields["line_ids"], [wizard_id]).get(wizard_id, [])
        batches = self._batches(line_ids)
        if not wizard["journal_id"]:
            raise UserError("Please define a payment journal.")
        payments = self.env["account.payment"].sudo()
        reconcile = self.env["account.partial.reconcile"].sudo()
        label = "ref" if self.env.version == 17 else "memo"
        # _create_payments: one batch whose single line (or grouped payment) the wizard may edit takes the
        # wizard's amount; otherwise each batch pays its residual, split into one payment per line (per invoice)
        # unless group_payment.
        edit_mode = len(batches) == 1 and (len(batches[0]["lines"]) == 1 or wizard["group_payment"])
        if not edit_mode and not wizard["group_payment"]:
            batches = self._batches(line_ids, per_line=True)
        # One create for all the payments, one posting (their names drawn in order), one reconciliation: as
        # Odoo's _create_payments does with its recordsets; the same payments as batch by batch.
        payment_ids = payments.create([{
            "payment_type": batch["payment_type"], "partner_type": wizard["partner_type"] or "customer",
            "partner_id": batch["partner_id"], "amount": wizard["amount"] if edit_mode else batch["residual"],
            "currency_id": wizard["currency_id"] or batch["currency_id"], "journal_id": wizard["journal_id"],
            "date": wizard["payment_date"],
            # The wizard's memo is the one a person may edit (edit mode); otherwise each payment's own
            # batch, that is its invoice's payment reference (_create_payment_vals_from_batch).
            label: (wizard["communication"] if edit_mode else None) or batch["communication"] or False}
            for batch in batches])
        payments.post(payment_ids)
        payment_moves = [row["move_id"] for row in payments._rows(payment_ids)]
        invoices_of = [list(dict.fromkeys(batch["moves"])) for batch in batches]
        pairs = [(invoice_id, payment_move) for invoices, payment_move in zip(invoices_of, payment_moves)
                 for invoice_id in invoices]
        if len({m for pair in pairs for m in pair}) == 2 * len(pairs):
            # Invoices each paid by a payment of its own: reconciled all at once, invoices then payments.
            reconcile.reconcile_pairs(pairs)
        else:
            for invoice_id, payment_move in pairs:
                reconcile.reconcile_moves(invoice_id, payment_move)
        if self.env.version >= 18:
            self._link_invoices(payment_ids, invoices_of)
            payments.refresh_from_moves(payment_moves)
        return payment_ids

    def _link_invoices(self, payment_ids: list[int], invoices_of: list[list[int]]) -> None:
        """18+: write each new payment's invoice_ids ((6, 0, invoices) on a payment that has none yet): the
        links inserted in one statement, the payments stamped as written."""
        payments = self.env["account.payment"].sudo()
        relation = self.env.registry.relation_table(payments.spec.fields["invoice_ids"])
        rows = [{"payment_id": payment_id, "invoice_id": invoice_id}
                for payment_id, invoices in zip(payment_ids, invoices_of) for invoice_id in invoices]
        if rows:
            self.conn.execute(sa.insert(relation), rows)
        self.conn.execute(sa.update(payments.table).where(payments.table.c.id.in_(payment_ids)).values(
            write_date=now(), write_uid=self.env.uid))
        payments._changed()


def _command_ids(commands) -> list[int]:
    """The ids an x2many value names: [(6, 0, ids)], [(4, id)] or a plain id list."""
    ids: list[int] = []
    for command in commands or []:
        if isinstance(command, int):
            ids.append(command)
        elif isinstance(command, (list, tuple)) and command and command[0] == 6:
            ids = list(command[2] or [])
        elif isinstance(command, (list, tuple)) and command and command[0] == 4:
            ids.append(command[1])
    return ids
