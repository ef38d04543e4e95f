"""Invoicing sale orders (addons/sale): the "Create Invoice" wizard (sale.advance.payment.inv) and the
link between order lines and invoice lines that keeps `qty_invoiced` and the invoice statuses.

A regular invoice (`advance_payment_method='delivered'`) takes each confirmed line's quantity to
invoice (ordered or delivered, as the product's invoicing policy says), one invoice per order or per
customer and currency when billing is consolidated (the default). `qty_invoiced` counts the invoice
lines of every invoice that is not cancelled, drafts included, less those of credit notes: a credit
note made by reversal keeps the sale lines, so refunding lines gives them back to invoice.
Down payments (`percentage`, `fixed`) need a deposit product and account: the sandbox refuses them.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..api import records_method
from ..exceptions import UserError
from ..fields import Boolean, Float, Integer, Many2many, Monetary, Selection
from ..model import Model
from .account_move import AccountMoveLine
from .sale import tax_field

NOTHING_TO_INVOICE = (
    "Cannot create an invoice. No items are available to invoice.\n\n"
    "To resolve this issue, please ensure that:\n"
    "   \u2022 The products have been delivered before attempting to invoice them.\n"
    "   \u2022 The invoicing policy of the product is configured correctly.\n\n"
    "If you want to invoice based on ordered quantities instead:\n"
    "   \u2022 For consumable or storable products, open the product, go to the 'General Information' tab and "
    "change the 'Invoicing Policy' from 'Delivered Quantities' to 'Ordered Quantities'.\n"
    "   \u2022 For services (and other products), change the 'Invoicing Policy' to 'Prepaid/Fixed Price'.\n"
)
INVOICE_LINKS = ("sale_order_line_invoice_rel", "invoice_line_id", "order_line_id")


class SaleOrderLineInvoiceLinks(Model):
    _inherit = "sale.order.line"

    invoice_lines = Many2many("account.move.line", INVOICE_LINKS[0], INVOICE_LINKS[2], INVOICE_LINKS[1],
                              "Invoice Lines")

    def refresh_qty_invoiced(self, ids: list[int]) -> None:
        """_compute_qty_invoiced for these lines, then their orders' statuses."""
        if not ids:
            return
        t = self.table
        rel = self.env.registry.relation_table(self.spec.fields["invoice_lines"])
        lines, moves = self.env["account.move.line"].table, self.env["account.move"].table
        signed = sa.case((moves.c.move_type == "out_refund", -lines.c.quantity), else_=lines.c.quantity)
        invoiced = dict(self.conn.execute(
            sa.select(rel.c.order_line_id, sa.func.sum(signed))
            .select_from(rel.join(lines, lines.c.id == rel.c.invoice_line_id).join(moves, moves.c.id == lines.c.move_id))
            .where(rel.c.order_line_id.in_(ids), moves.c.state != "cancel",
                   moves.c.move_type.in_(("out_invoice", "out_refund")))
            .group_by(rel.c.order_line_id)).all())
        self.conn.execute(sa.update(t).where(t.c.id == sa.bindparam("b_id")).values(qty_invoiced=sa.bindparam("qty")),
                          [{"b_id": i, "qty": invoiced.get(i) or 0.0} for i in ids])
        orders = sorted(set(self.conn.scalars(sa.select(t.c.order_id).where(t.c.id.in_(ids)))))
        self.env["sale.order"].sudo()._recompute(orders)


class AccountMoveLineSaleLinks(Model):
    _inherit = "account.move.line"

    sale_line_ids = Many2many("sale.order.line", INVOICE_LINKS[0], INVOICE_LINKS[1], INVOICE_LINKS[2],
                              "Sales Order Lines", readonly=True)
    # sale's _copy_data_extend_business_fields: reversals and copies stay linked to the order lines.
    COPIED_FIELDS = [*AccountMoveLine.COPIED_FIELDS, "sale_line_ids"]


class AccountMoveSaleLinks(Model):
    """Every change that can move an invoiced quantity refreshes the order lines it touches (posting cannot:
    drafts count already)."""

    _inherit = "account.move"

    def _sale_lines_of(self, move_ids: list[int]) -> list[int]:
        lines = self.env["account.move.line"].table
        rel = self.env.registry.relation_table(self.env["account.move.line"].spec.fields["sale_line_ids"])
        return sorted(set(self.conn.scalars(sa.select(rel.c.order_line_id).join(
            lines, lines.c.id == rel.c.invoice_line_id).where(lines.c.move_id.in_(move_ids)))))

    def _refresh_sales(self, move_ids: list[int], extra: list[int] = ()) -> None:
        sale_lines = sorted(set(self._sale_lines_of(move_ids)) | set(extra))
        self.env["sale.order.line"].sudo().refresh_qty_invoiced(sale_lines)

    def _recompute(self, ids):
        super()._recompute(ids)
        self._refresh_sales(ids)

    def button_cancel(self, ids):
        result = super().button_cancel(ids)
        self._refresh_sales(self.ids_arg(ids))
        return result

    def unlink(self, ids):
        ids = self.ids_arg(ids)
        before = self._sale_lines_of(ids)
        result = super().unlink(ids)
        self._refresh_sales([], before)
        return result


class SaleOrderInvoices(Model):
    _inherit = "sale.order"

    invoice_ids = Many2many("account.move", "sale_order_invoice_rel", "order_id", "invoice_id", "Invoices",
                            compute="_compute_invoices")
    invoice_count = Integer("Invoice Count", compute="_compute_invoice_count")

    def _compute_invoices(self, ids):
        """The invoices and credit notes holding a line of the order (_get_invoiced)."""
        order_lines = self.env["sale.order.line"].table
        rel = self.env.registry.relation_table(self.env["sale.order.line"].spec.fields["invoice_lines"])
        lines, moves = self.env["account.move.line"].table, self.env["account.move"].table
        result: dict[int, list[int]] = {i: [] for i in ids}
        rows = self.conn.execute(
            sa.select(order_lines.c.order_id, lines.c.move_id).distinct()
            .select_from(order_lines.join(rel, rel.c.order_line_id == order_lines.c.id)
                         .join(lines, lines.c.id == rel.c.invoice_line_id).join(moves, moves.c.id == lines.c.move_id))
            .where(order_lines.c.order_id.in_(ids), moves.c.move_type.in_(("out_invoice", "out_refund")))
            .order_by(lines.c.move_id))
        for order_id, move_id in rows:
            result[order_id].append(move_id)
        return result

    def _compute_invoice_count(self, ids):
        return {i: len(moves) for i, moves in self._compute_invoices(ids).items()}

    def create_invoices(self, ids: list[int], grouped: bool) -> list[int]:
        """_create_invoices(grouped=...): the regular invoices of these orders' lines to invoice."""
        t = self.table
        lines = self.env["sale.order.line"].sudo()
        lt = lines.table
        taxes = tax_field(self.env.version)
        batches: dict[tuple, dict] = {}
        for order in self.conn.execute(sa.select(t).where(t.c.id.in_(ids)).order_by(t.c.id)).mappings():
            if order["state"] != "sale":
                continue
            rows = self.conn.execute(sa.select(lt).where(
                lt.c.order_id == order["id"], lt.c.display_type.is_(None), sa.func.abs(lt.c.qty_to_invoice) > 1e-9)
                .order_by(lt.c.sequence, lt.c.id)).mappings().all()
            if not rows:
                continue
            tax_links = lines._x2many_ids(lines.spec.fields[taxes], [r["id"] for r in rows])
            key = (order["id"],) if grouped else (order["partner_invoice_id"], order["currency_id"])
            batch = batches.setdefault(key, {"origins": [], "refs": [], "lines": [], "order": order})
            batch["origins"].append(order["name"])
            if order["client_order_ref"]:
                batch["refs"].append(order["client_order_ref"])
            batch["lines"] += [(0, 0, {"display_type": "product", "product_id": r["product_id"], "name": r["name"],
                                       "quantity": r["qty_to_invoice"], "price_unit": r["price_unit"],
                                       "discount": r["discount"], "tax_ids": [(6, 0, tax_links.get(r["id"], []))],
                                       "sale_line_ids": [(4, r["id"])]}) for r in rows]
        if not batches:
            raise UserError(NOTHING_TO_INVOICE)
        moves = self.env["account.move"].sudo()
        # One create for all the invoices, as Odoo's _create_invoices does (their orders are refreshed once).
        created = moves.create([{
            "move_type": "out_invoice", "partner_id": batch["order"]["partner_invoice_id"],
            "currency_id": batch["order"]["currency_id"], "invoice_origin": ", ".join(batch["origins"]),
            "ref": ", ".join(batch["refs"]) or False, "payment_reference": batch["order"]["reference"] or False,
            "invoice_line_ids": batch["lines"]} for batch in batches.values()])
        # An invoice whose total is negative is a credit note (action_switch_move_type).
        negative = set(self.conn.scalars(sa.select(moves.table.c.id).where(
            moves.table.c.id.in_(created), moves.table.c.amount_total < 0)))
        for move_id in created:
            if move_id in negative:
                moves.switch_to_refund(move_id)
        return created


class SaleAdvancePaymentInv(Model):
    _name = "sale.advance.payment.inv"
    _description = "Sales Advance Payment Invoice"

    advance_payment_method = Selection([("delivered", "Regular invoice"), ("percentage", "Down payment (percentage)"),
                                        ("fixed", "Down payment (fixed amount)")], "Create Invoice", required=True,
                                       default="delivered")
    sale_order_ids = Many2many("sale.order", "sale_order_sale_advance_payment_inv_rel", "sale_advance_payment_inv_id",
                               "sale_order_id", "Sales Orders")
    count = Integer("Order Count", compute="_compute_count")
    consolidated_billing = Boolean("Consolidated Billing", default=True)
    deduct_down_payments = Boolean("Deduct down payments", default=True)
    amount = Float("Down Payment")
    fixed_amount = Monetary("Down Payment Amount (Fixed)")

    def _prepare_create(self, vals_list):
        # sale_order_ids defaults to the context's active_ids (the orders the button was pressed on).
        for vals in vals_list:
            if "sale_order_ids" not in vals and self.env.context.get("active_ids"):
                vals["sale_order_ids"] = [(6, 0, list(self.env.context["active_ids"]))]
        return super()._prepare_create(vals_list)

    def _orders(self, wizard_id: int) -> list[int]:
        return self._x2many_ids(self.spec.fields["sale_order_ids"], [wizard_id]).get(wizard_id, [])

    def _compute_count(self, ids):
        return {i: len(self._orders(i)) for i in ids}

    @records_method("write")
    def create_invoices(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        invoices: list[int] = []
        for wizard in self.read(ids, ["advance_payment_method", "consolidated_billing"], load=None):
            if wizard["advance_payment_method"] != "delivered":
                raise UserError("The sandbox does not model down payment invoices (deposit product and account).")
            orders = self._orders(wizard["id"])
            invoices += self.env["sale.order"].sudo().create_invoices(orders, grouped=not wizard["consolidated_billing"])
        return _view_invoices(invoices)


def _view_invoices(invoices: list[int]) -> dict:
    """sale.order.action_view_invoice(invoices=...): the invoice's form, or the list of them."""
    action = {"name": "Invoices", "type": "ir.actions.act_window", "res_model": "account.move",
              "context": {"default_move_type": "out_invoice"}}
    if len(invoices) == 1:
        action.update(view_mode="form", views=[[False, "form"]], res_id=invoices[0])
    else:
        action.update(view_mode="tree,kanban,form", domain=[["id", "in", invoices]])
    return action
