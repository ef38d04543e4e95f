"""The "Credit Note" wizard (account.move.reversal) on posted invoices.

17, 18 and 19 share its shape: created with `context={'active_model': 'account.move', 'active_ids':
[...]}`, then `refund_moves()` (a draft credit note to adjust and post) or `modify_moves()` (the invoice
fully reversed — the credit note posted and reconciled with it, so the invoice reads `reversed` — and a
new draft copy of it to correct). Both are `reverse_moves(is_modify=...)`. The `refund_method`
selection (refund/cancel/modify) is the wizard of 16 and earlier.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..api import records_method
from ..exceptions import UserError
from ..fields import Char, Date, Many2many, Many2one, Monetary, Selection
from ..model import Model


class AccountMoveReversal(Model):
    _name = "account.move.reversal"
    _description = "Account Move Reversal"

    move_ids = Many2many("account.move", "account_move_reversal_move", "reversal_id", "move_id", "Moves")
    new_move_ids = Many2many("account.move", "account_move_reversal_new_move", "reversal_id", "new_move_id",
                             "New Moves")
    date_mode = Selection([("custom", "Specific"), ("entry", "Journal Entry Date")], "Date Mode", required=True,
                          default="custom")
    date = Date("Reversal date", default=lambda env: dt.date.today().isoformat())
    reason = Char("Reason displayed on Credit Note")
    journal_id = Many2one("account.journal", "Journal")
    company_id = Many2one("res.company", "Company", required=True, default=lambda env: 1)
    residual = Monetary("Residual", compute="_compute_from_moves")
    currency_id = Many2one("res.currency", "Currency", compute="_compute_from_moves")
    move_type = Char("Move Type", compute="_compute_from_moves")

    def _prepare_create(self, vals_list):
        for vals in vals_list:
            if "move_ids" not in vals and self.env.context.get("active_model") == "account.move":
                vals["move_ids"] = [(6, 0, list(self.env.context.get("active_ids") or []))]
        return super()._prepare_create(vals_list)

    def _validate(self, ids):
        moves = self.env["account.move"].sudo().table
        rel = self.env.registry.relation_table(self.spec.fields["move_ids"])
        if self.conn.scalar(sa.select(sa.func.count()).select_from(rel.join(moves, moves.c.id == rel.c.move_id))
                            .where(rel.c.reversal_id.in_(ids), moves.c.state != "posted")):
            raise UserError("You can only reverse posted moves.")

    def _moves(self, wizard_id: int) -> list[int]:
        return self._x2many_ids(self.spec.fields["move_ids"], [wizard_id]).get(wizard_id, [])

    def _compute_from_moves(self, ids):
        # residual, currency_id and move_type come from one summary: _format_rows reads it per field.
        moves = self.env["account.move"].sudo()
        return {i: _summary([moves._row(m) for m in self._moves(i)]) for i in ids}

    def _format_rows(self, rows, fields, load):
        computed = [f for f in fields if f in ("residual", "currency_id", "move_type")]
        out = super()._format_rows(rows, [f for f in fields if f not in computed], load)
        if computed:
            currencies = self.env["res.currency"].sudo()
            summaries = self._compute_from_moves([rec["id"] for rec in out])
            for rec in out:
                for name in computed:
                    value = summaries[rec["id"]][name]
                    if name == "currency_id" and value and load == "_classic_read":
                        value = [value, currencies._display_names([value])[value]]
                    rec[name] = value
        return out

    def _prepare_default_reversal(self, wizard, move) -> dict:
        reverse_date = wizard["date"] if wizard["date_mode"] == "custom" else move["date"]
        reason = wizard["reason"]
        today = dt.date.today().isoformat()
        return {
            "ref": f"Reversal of: {move['name']}, {reason}" if reason else f"Reversal of: {move['name']}",
            "date": reverse_date,
            "invoice_date": (wizard["date"] or move["date"]) if move["move_type"] != "entry" else False,
            "journal_id": wizard["journal_id"] or move["journal_id"],
            "auto_post": "at_date" if str(reverse_date) > today else "no",
        }

    @records_method("write")
    def reverse_moves(self, ids, is_modify=False):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        if len(ids) != 1:
            raise ValueError(f"Expected singleton: {self.spec.name}{tuple(ids)}")
        wizard = self.conn.execute(sa.select(self.table).where(self.table.c.id == ids[0])).mappings().one()
        moves = self.env["account.move"].sudo()
        to_cancel, others = ([], []), ([], [])
        for move_id in self._moves(ids[0]):
            move = moves._row(move_id)
            default = self._prepare_default_reversal(wizard, move)
            cancel = default["auto_post"] == "no" and (is_modify or move["move_type"] == "entry")
            batch = to_cancel if cancel else others
            batch[0].append(move_id)
            batch[1].append(default)
        redirect = []
        for (move_ids, defaults), cancel in ((to_cancel, True), (others, False)):
            if not move_ids:
                continue
            new_moves = moves.reverse(move_ids, defaults, cancel=cancel)
            if is_modify:
                new_moves = [moves.copy_as_draft(move_id, wizard["date"] if wizard["date_mode"] == "custom" else None)
                             for move_id in move_ids]
            redirect.extend(new_moves)
        self.write(ids, {"new_move_ids": [(6, 0, redirect)]})
        action = {"name": "Reverse Moves", "type": "ir.actions.act_window", "res_model": "account.move"}
        types = {moves._row(m)["move_type"] for m in redirect}
        if len(redirect) == 1:
            action.update(view_mode="form", res_id=redirect[0], context={"default_move_type": types.pop()})
        else:
            action.update(view_mode="tree,form" if self.env.version == 17 else "list,form",
                          domain=[["id", "in", redirect]])
            if len(types) == 1:
                action["context"] = {"default_move_type": types.pop()}
        return action

    @records_method("write")
    def refund_moves(self, ids):
        return self.reverse_moves(ids, is_modify=False)

    @records_method("write")
    def modify_moves(self, ids):
        return self.reverse_moves(ids, is_modify=True)


def _summary(rows: list) -> dict:
    """_compute_from_moves: the residual and currency of a single move, the type of the selection."""
    currencies = {r["currency_id"] for r in rows}
    if len(rows) == 1:
        move_type = rows[0]["move_type"]
    else:
        move_type = "some_invoice" if any(r["move_type"] in ("in_invoice", "out_invoice") for r in rows) else False
    return {"residual": rows[0]["amount_residual"] if len(rows) == 1 else 0.0,
            "currency_id": currencies.pop() if len(currencies) == 1 else False, "move_type": move_type}
