"""Sales orders and their lines (addons/sale, with sale_stock's delivery on confirmation).

Amounts are stored, as Odoo stores them, and recomputed whenever a line or the order changes: line
subtotal / tax / total through `taxes.compute_document` (per line or globally as the company says), the
invoicing quantities and statuses from the delivered and invoiced quantities.

Version differences: 19 calls the line's taxes `tax_ids` and its unit `product_uom_id` (17/18: `tax_id`,
`product_uom`). Since 17 an order is never 'done' (odoo/odoo#115871, 16.4): `locked` says it may no longer
change, in 17 as in 18 and 19.

For the invoicing side: `qty_invoiced` is a plain stored quantity here; whoever posts or cancels invoice
lines for a sale line writes it (`env["sale.order.line"].sudo().write(ids, {"qty_invoiced": q})`), and
qty_to_invoice / invoice_status of the line and the order follow (`_recompute`).
"""

from __future__ import annotations

import sqlalchemy as sa

from ..api import records_method
from ..exceptions import UserError, ValidationError
from ..fields import (
    Boolean,
    Char,
    Datetime,
    Float,
    Html,
    Integer,
    Many2many,
    Many2one,
    Monetary,
    One2many,
    Selection,
    Text,
)
from ..model import Model, now
from ..taxes import LineInput, compute_document
from .company_taxes import rounding_settings, tax_specs
from .product import uom_digits

SALE_ORDER_STATE = [("draft", "Quotation"), ("sent", "Quotation Sent"), ("sale", "Sales Order"), ("cancel", "Cancelled")]
INVOICE_STATUS = [("upselling", "Upselling Opportunity"), ("invoiced", "Fully Invoiced"), ("to invoice", "To Invoice"),
                  ("no", "Nothing to Invoice")]
QTY_EPSILON = 1e-9


def tax_field(version: int) -> str:
    return "tax_ids" if version >= 19 else "tax_id"


def uom_field(version: int) -> str:
    return "product_uom_id" if version >= 19 else "product_uom"


def _goods(env, product_ids: set[int]) -> set[int]:
    """What sale_stock procures: 17's consu/product types, 18+'s consu (goods, stored or not)."""
    if not product_ids:
        return set()
    products, templates = env["product.product"].table, env["product.template"].table
    kinds = ("consu", "product") if env.version == 17 else ("consu",)
    return set(env.conn.scalars(sa.select(products.c.id).join(templates, templates.c.id == products.c.product_tmpl_id)
                                .where(products.c.id.in_(product_ids), templates.c.type.in_(kinds))))


class ProductTemplateInvoicePolicy(Model):
    _inherit = "product.template"

    invoice_policy = Selection([("order", "Ordered quantities"), ("delivery", "Delivered quantities")],
                               "Invoicing Policy", default="order")


class SaleOrder(Model):
    _name = "sale.order"
    _description = "Sales Order"
    _order = "date_order desc, id desc"

    name = Char("Order Reference", required=True, index=True, default="New")
    company_id = Many2one("res.company", "Company", required=True, index=True, default=lambda env: 1)
    partner_id = Many2one("res.partner", "Customer", required=True, index=True)
    state = Selection(SALE_ORDER_STATE, "Status", readonly=True, index=True, default="draft")
    locked = Boolean("Locked", default=False, help="Locked orders cannot be modified.")
    client_order_ref = Char("Customer Reference")
    origin = Char("Source Document", help="Reference of the document that generated this sales order request")
    reference = Char("Payment Ref.")
    date_order = Datetime("Order Date", required=True, default=lambda env: now())
    commitment_date = Datetime("Delivery Date")
    note = Html("Terms and conditions")
    partner_invoice_id = Many2one("res.partner", "Invoice Address", required=True, index=True)
    partner_shipping_id = Many2one("res.partner", "Delivery Address", required=True, index=True)
    pricelist_id = Many2one("product.pricelist", "Pricelist")
    currency_id = Many2one("res.currency", "Currency", ondelete="restrict")
    user_id = Many2one("res.users", "Salesperson", index=True, default=lambda env: env.uid)
    order_line = One2many("sale.order.line", "order_id", "Order Lines")
    amount_untaxed = Monetary("Untaxed Amount", readonly=True, default=0.0)
    amount_tax = Monetary("Taxes", readonly=True, default=0.0)
    amount_total = Monetary("Total", readonly=True, default=0.0)
    invoice_status = Selection(INVOICE_STATUS, "Invoice Status", readonly=True, default="no")
    # sale_stock
    warehouse_id = Many2one("stock.warehouse", "Warehouse", default=lambda env: _default_warehouse(env))
    picking_policy = Selection([("direct", "As soon as possible"), ("one", "When all products are ready")],
                               "Shipping Policy", required=True, default="direct")
    picking_ids = One2many("stock.picking", "sale_id", "Transfers")
    delivery_count = Integer("Delivery Orders", compute="_compute_delivery_count")
    type_name = Char("Type Name", compute="_compute_type_name")

    # ------------------------------------------------------------ create / write / unlink
    def create(self, vals_list):
        single = isinstance(vals_list, dict)
        items = [vals_list] if single else vals_list
        if not isinstance(items, list) or not all(isinstance(v, dict) for v in items):
            return super().create(vals_list)
        pricelist: list[int | bool] = []     # the default pricelist, resolved once for the call
        prepared = [self._fill_partner_defaults(dict(vals), pricelist) for vals in items]
        unnamed = [vals for vals in prepared if vals.get("name", "New") in ("New", False, None)]
        for vals, name in zip(unnamed, self._next_names(len(unnamed))):
            vals["name"] = name
        # New lines ((0, 0, vals) commands) are created in one batch for all the orders, after them, and the
        # orders totalled once at the end rather than once per line.
        new_lines = [vals.pop("order_line") if _only_creates(vals.get("order_line")) else [] for vals in prepared]
        deferred = self.with_context(sale_defer_totals=True)
        ids = super(SaleOrder, deferred).create(prepared)
        line_vals = [{**command[2], "order_id": order_id} for order_id, commands in zip(ids, new_lines)
                     for command in commands]
        if line_vals:
            deferred.env["sale.order.line"].sudo().create(line_vals)
        self._recompute(ids)
        return ids[0] if single else ids

    def _fill_partner_defaults(self, vals: dict, pricelist: list[int | bool]) -> dict:
        """The computes of partner_invoice_id / partner_shipping_id / pricelist_id / currency_id (`pricelist`:
        the default pricelist once resolved, shared by the orders of one call)."""
        partner = vals.get("partner_id")
        addressed = vals.get("partner_invoice_id") and vals.get("partner_shipping_id")
        if isinstance(partner, int) and not isinstance(partner, bool) and not addressed:
            for field, address in _addresses(self.env, partner).items():
                if not vals.get(field):
                    vals[field] = address
        if not vals.get("pricelist_id"):
            if not pricelist:
                pricelist.append(self.env["ir.model.data"].sudo().resolve("product", "list0") or False)
            vals["pricelist_id"] = pricelist[0]
        return vals

    def _next_names(self, n: int) -> list[str]:
        """ir.sequence 'sale.order': S + five digits, the next n of them."""
        count = self.conn.scalar(sa.select(sa.func.count()).select_from(self.table)) if n else 0
        return [f"S{count + i:05d}" for i in range(1, n + 1)]

    def write(self, ids, vals):
        ids = self.ids_arg(ids)
        if isinstance(vals, dict) and "pricelist_id" in vals and ids:
            states = self.conn.scalars(sa.select(self.table.c.state).where(self.table.c.id.in_(ids)))
            if any(state == "sale" for state in states):
                raise UserError("You cannot change the pricelist of a confirmed order !")
        if isinstance(vals, dict) and vals.get("partner_id"):
            # The addresses are computed from the customer (stored, editable): a new customer brings his own.
            vals = {**_addresses(self.env, vals["partner_id"]), **vals}
        return super().write(ids, vals)

    def _before_unlink(self, ids):
        states = self.conn.scalars(sa.select(self.table.c.state).where(self.table.c.id.in_(ids)))
        if any(state not in ("draft", "cancel") for state in states):
            raise UserError("You can not delete a sent quotation or a confirmed sales order. You must first cancel it.")

    # ------------------------------------------------------------ computes
    def _recompute(self, ids):
        """Everything stored that depends on the order and its lines, for these orders."""
        if self.env.context.get("sale_defer_totals"):
            return  # create() totals the orders once their lines exist
        t = self.table
        lines = self.env["sale.order.line"].sudo()
        lt = lines.table
        # All the orders at once: a few statements whatever their number (a page confirms or invoices many).
        orders = self.conn.execute(sa.select(t.c.id, t.c.state, t.c.currency_id, t.c.pricelist_id, t.c.company_id)
                                   .where(t.c.id.in_(ids))).all()
        if not orders:
            return
        currencies = {}
        for order in orders:
            currency = order.currency_id or self._currency_of(order.pricelist_id, order.company_id)
            if currency != order.currency_id:
                self.conn.execute(sa.update(t).where(t.c.id == order.id).values(currency_id=currency))
            currencies[order.id] = currency
        self.conn.execute(sa.update(lt).where(lt.c.order_id == sa.bindparam("b_order")).values(
            state=sa.bindparam("b_state")), [{"b_order": o.id, "b_state": o.state} for o in orders])
        lines_of: dict[int, list[int]] = {o.id: [] for o in orders}
        for line_id, order_id in self.conn.execute(sa.select(lt.c.id, lt.c.order_id).where(
                lt.c.order_id.in_(list(lines_of))).order_by(lt.c.sequence, lt.c.id)):
            lines_of[order_id].append(line_id)
        amounts = lines.compute_amounts({o.id: (lines_of[o.id], o.company_id, currencies[o.id]) for o in orders})
        statuses = lines.compute_invoicing(lines_of)
        self.conn.execute(sa.update(t).where(t.c.id == sa.bindparam("b_id")).values(
            amount_untaxed=sa.bindparam("b_untaxed"), amount_tax=sa.bindparam("b_tax"),
            amount_total=sa.bindparam("b_total"), invoice_status=sa.bindparam("b_status")),
            [{"b_id": o.id, "b_untaxed": amounts[o.id].amount_untaxed, "b_tax": amounts[o.id].amount_tax,
              "b_total": amounts[o.id].amount_total, "b_status": _order_invoice_status(o.state, statuses[o.id])}
             for o in orders])

    def _currency_of(self, pricelist_id, company_id) -> int:
        if pricelist_id:
            pricelists = self.env["product.pricelist"].table
            currency = self.conn.scalar(sa.select(pricelists.c.currency_id).where(pricelists.c.id == pricelist_id))
            if currency:
                return currency
        companies = self.env["res.company"].table
        return self.conn.scalar(sa.select(companies.c.currency_id).where(companies.c.id == company_id))

    def _after_write(self, ids, vals):
        if "pricelist_id" in vals:
            # The currency follows the pricelist (_compute_currency_id).
            self.conn.execute(sa.update(self.table).where(self.table.c.id.in_(ids)).values(currency_id=None))

    def _compute_delivery_count(self, ids):
        pickings = self.env["stock.picking"].table
        rows = self.conn.execute(sa.select(pickings.c.sale_id, sa.func.count()).where(pickings.c.sale_id.in_(ids))
                                 .group_by(pickings.c.sale_id))
        return dict(rows.all())

    def _compute_type_name(self, ids):
        rows = self.conn.execute(sa.select(self.table.c.id, self.table.c.state).where(self.table.c.id.in_(ids)))
        return {i: "Quotation" if state in ("draft", "sent", "cancel") else "Sales Order" for i, state in rows}

    # ------------------------------------------------------------ actions
    @records_method("write")
    def action_confirm(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        lines = self.env["sale.order.line"].table
        for order in self.read(ids, ["state", "name"], load=None):
            if order["state"] not in ("draft", "sent"):
                raise UserError("Some orders are not in a state requiring confirmation.")
            missing = self.conn.scalar(sa.select(sa.func.count()).where(
                lines.c.order_id == order["id"], lines.c.display_type.is_(None), lines.c.product_id.is_(None)))
            if missing:
                raise UserError("A line on these orders missing a product, you cannot confirm it.")
        self.write(ids, {"state": "sale", "date_order": now()})
        self.env["sale.order.line"].sudo().launch_procurement(
            list(self.conn.scalars(sa.select(lines.c.id).where(lines.c.order_id.in_(ids)))))
        return True

    @records_method("write")
    def action_quotation_sent(self, ids):
        ids = self.ids_arg(ids)
        if any(o["state"] != "draft" for o in self.read(ids, ["state"], load=None)):
            raise UserError("Only draft orders can be marked as sent directly.")
        return self.write(ids, {"state": "sent"})

    @records_method("write")
    def action_draft(self, ids):
        ids = self.ids_arg(ids)
        orders = [o["id"] for o in self.read(ids, ["state"], load=None) if o["state"] in ("cancel", "sent")]
        return self.write(orders, {"state": "draft"})

    @records_method("write")
    def action_lock(self, ids):
        return self.write(self.ids_arg(ids), {"locked": True})

    @records_method("write")
    def action_unlock(self, ids):
        return self.write(self.ids_arg(ids), {"locked": False})

    @records_method("write")
    def action_cancel(self, ids):
        """sale's action_cancel: a locked order is refused; a non-draft order answers with the cancel wizard
        unless the context says `disable_cancel_warning`. sale_stock's _action_cancel then cancels every
        transfer not done yet; what was already delivered stays delivered (Odoo does not refuse)."""
        ids = self.ids_arg(ids)
        orders = self.read(ids, ["state", "locked", "type_name"], load=None)
        if any(o["locked"] for o in orders):
            raise UserError("You cannot cancel a locked order. Please unlock it first.")
        if not self.env.context.get("disable_cancel_warning") and any(o["state"] != "draft" for o in orders):
            if len(ids) != 1:
                raise ValueError(f"Expected singleton: sale.order({', '.join(map(str, ids))},)")
            context = {**self.env.context, "default_order_id": ids[0], "mark_so_as_canceled": True,
                       "default_email_layout_xmlid": "mail.mail_notification_layout_with_responsible_signature",
                       "model_description": orders[0]["type_name"]}
            return {"name": f"Cancel {orders[0]['type_name']}", "view_mode": "form", "res_model": "sale.order.cancel",
                    "type": "ir.actions.act_window", "context": context, "target": "new"}
        return self._action_cancel(ids)

    def _action_cancel(self, ids: list[int]) -> bool:
        pickings = self.env["stock.picking"].sudo()
        open_pickings = list(self.conn.scalars(sa.select(pickings.table.c.id).where(
            pickings.table.c.sale_id.in_(ids), pickings.table.c.state.not_in(("done", "cancel")))))
        if open_pickings:
            pickings.action_cancel(open_pickings)
        return self.write(ids, {"state": "cancel"})


class SaleOrderLine(Model):
    _name = "sale.order.line"
    _description = "Sales Order Line"
    _order = "order_id, sequence, id"

    order_id = Many2one("sale.order", "Order Reference", required=True, ondelete="cascade", index=True)
    sequence = Integer("Sequence", default=10)
    company_id = Many2one("res.company", "Company", index=True)
    currency_id = Many2one("res.currency", "Currency", compute="_compute_order_values")
    order_partner_id = Many2one("res.partner", "Customer", compute="_compute_order_values")
    state = Selection(SALE_ORDER_STATE, "Order Status", readonly=True)
    display_type = Selection(lambda v: [("line_section", "Section")]
                             + ([("line_subsection", "Subsection")] if v >= 19 else []) + [("line_note", "Note")],
                             "Display Type")
    is_downpayment = Boolean("Is a down payment", default=False)
    product_id = Many2one("product.product", "Product", ondelete="restrict", index=True)
    name = Text("Description", required=True)
    product_uom_qty = Float("Quantity", required=True, default=1.0, digits=uom_digits)
    product_uom = Many2one("uom.uom", "Unit of Measure", ondelete="restrict", versions=(17, 18))
    product_uom_id = Many2one("uom.uom", "Unit", ondelete="restrict", versions=(19,))
    tax_id = Many2many("account.tax", string="Taxes", versions=(17, 18))
    tax_ids = Many2many("account.tax", string="Taxes", versions=(19,))
    price_unit = Float("Unit Price", required=True, default=0.0, digits="Product Price")
    discount = Float("Discount (%)", default=0.0, digits="Discount")
    price_subtotal = Monetary("Subtotal", readonly=True, default=0.0)
    price_tax = Float("Total Tax", readonly=True, default=0.0)
    price_total = Monetary("Total", readonly=True, default=0.0)
    customer_lead = Float("Lead Time", default=0.0)
    qty_delivered = Float("Delivery Quantity", default=0.0, digits=uom_digits)
    qty_invoiced = Float("Invoiced Quantity", readonly=True, default=0.0, digits=uom_digits)
    qty_to_invoice = Float("Quantity To Invoice", readonly=True, default=0.0, digits=uom_digits)
    invoice_status = Selection(INVOICE_STATUS, "Invoice Status", readonly=True, default="no")
    move_ids = One2many("stock.move", "sale_line_id", "Stock Moves")

    # ------------------------------------------------------------ create / write / unlink
    def _prepare_create(self, vals_list):
        vals_list = [dict(vals) for vals in vals_list]
        products = {vals["product_id"] for vals in vals_list if not vals.get("display_type")
                    and isinstance(vals.get("product_id"), int) and not isinstance(vals.get("product_id"), bool)}
        info = _product_defaults(self.env, sorted(products))
        uom, taxes = uom_field(self.env.version), tax_field(self.env.version)
        for vals in vals_list:
            # The computes Odoo runs when only the product is given (name, unit, price, taxes).
            defaults = info.get(vals.get("product_id")) if not vals.get("display_type") else None
            if defaults is None:
                continue
            if not vals.get("name"):
                vals["name"] = defaults["name"]
            if not vals.get(uom):
                vals[uom] = defaults["uom_id"]
            if vals.get("price_unit") is None:
                vals["price_unit"] = defaults["list_price"]
            if taxes not in vals:
                vals[taxes] = [(6, 0, defaults["taxes"])]
        return super()._prepare_create(vals_list)

    def create(self, vals_list):
        single = isinstance(vals_list, dict)
        ids = super().create(vals_list)
        created = [ids] if single else ids
        if isinstance(created, list) and not self.env.context.get("sale_defer_totals"):
            self.launch_procurement(created)  # a line added to a confirmed order is delivered too
        return ids

    def _after_write(self, ids, vals):
        if "product_uom_qty" in vals:
            self.launch_procurement(ids)  # more ordered on a confirmed order: more to deliver

    def _validate(self, ids):
        t = self.table
        uom = t.c[uom_field(self.env.version)]
        rows = self.conn.execute(sa.select(t.c.display_type, t.c.is_downpayment, t.c.product_id, uom, t.c.price_unit,
                                           t.c.product_uom_qty, t.c.customer_lead).where(t.c.id.in_(ids))).all()
        for row in rows:
            display_type, downpayment, product, unit, price, qty, lead = row
            if display_type is None and not downpayment and (product is None or unit is None):
                raise ValidationError("Missing required fields on accountable sale order line.")
            if display_type is not None and (product is not None or price or qty or unit is not None or lead):
                raise ValidationError("Forbidden values on non-accountable sale order line")

    def _recompute(self, ids):
        if self.env.context.get("sale_defer_totals") or not ids:
            return
        orders = sorted(set(self.conn.scalars(sa.select(self.table.c.order_id).where(self.table.c.id.in_(ids)))))
        self.env["sale.order"].sudo()._recompute(orders)

    def unlink(self, ids):
        ids = self.ids_arg(ids)
        t = self.table
        rows = self.conn.execute(sa.select(t.c.order_id, t.c.state, t.c.display_type, t.c.is_downpayment)
                                 .where(t.c.id.in_(ids))).all()
        if any(r.state == "sale" and not r.display_type and not r.is_downpayment for r in rows):
            raise UserError("Once a sales order is confirmed, you can't remove one of its lines (we need to track "
                            "if something gets invoiced or delivered).\nSet the quantity to 0 instead.")
        result = super().unlink(ids)
        orders = sorted({r.order_id for r in rows})
        if orders and not self.env.context.get("sale_defer_totals"):
            self.env["sale.order"].sudo()._recompute(orders)
        return result

    # ------------------------------------------------------------ computes
    def _compute_order_values(self, ids):
        """currency_id / order_partner_id: related to the order."""
        t, orders = self.table, self.env["sale.order"].table
        rows = self.conn.execute(sa.select(t.c.id, orders.c.currency_id, orders.c.partner_id)
                                 .join(orders, orders.c.id == t.c.order_id).where(t.c.id.in_(ids))).all()
        return {"currency_id": {r.id: r.currency_id for r in rows}, "order_partner_id": {r.id: r.partner_id for r in rows}}

    def _format_rows(self, rows, fields, load):
        related = [f for f in fields if f in ("currency_id", "order_partner_id")]
        out = super()._format_rows(rows, [f for f in fields if f not in related], load)
        if related and out:
            values = self._compute_order_values([r["id"] for r in out])
            for name in related:
                comodel = self.env[self.spec.fields[name].comodel].sudo()
                names = comodel._display_names([v for v in values[name].values() if v])
                for rec in out:
                    value = values[name].get(rec["id"])
                    rec[name] = ([value, names.get(value, False)] if load == "_classic_read" else value) if value else False
        return out

    def compute_amounts(self, documents: dict[int, tuple[list[int], int, int]]) -> dict:
        """Line and order amounts (taxes.compute_document), stored on the lines; for each order (its line ids
        in order, company, currency) the order's amounts."""
        t = self.table
        all_ids = [i for ids, _, _ in documents.values() for i in ids]
        rows = self.conn.execute(sa.select(t.c.id, t.c.display_type, t.c.price_unit, t.c.product_uom_qty,
                                           t.c.discount).where(t.c.id.in_(all_ids))).all() if all_ids else []
        by_id = {r.id: r for r in rows}
        accountable = [i for i in all_ids if by_id[i].display_type is None]
        tax_links = self._x2many_ids(self.spec.fields[tax_field(self.env.version)], accountable)
        specs = {spec.id: spec for spec in tax_specs(self.env, sorted({t for ts in tax_links.values() for t in ts}))}
        # Each line's taxes in the order Odoo applies them (tax_specs sorts by sequence, then id).
        position = {tax: n for n, tax in enumerate(specs)}
        results, updates = {}, []
        for order_id, (ids, company_id, currency_id) in documents.items():
            mine = [i for i in ids if by_id[i].display_type is None]
            inputs = [LineInput(by_id[i].price_unit or 0.0, by_id[i].product_uom_qty or 0.0, by_id[i].discount or 0.0,
                                [specs[t] for t in sorted(tax_links.get(i, []), key=position.__getitem__)])
                      for i in mine]
            rounding, method = rounding_settings(self.env, company_id, currency_id)
            result = results[order_id] = compute_document(inputs, rounding, method, self.env.version)
            updates += [{"b_id": i, "price_subtotal": a.price_subtotal, "price_tax": a.price_tax,
                         "price_total": a.price_total} for i, a in zip(mine, result.lines)]
        updates += [{"b_id": i, "price_subtotal": 0.0, "price_tax": 0.0, "price_total": 0.0}
                    for i in all_ids if by_id[i].display_type is not None]
        if updates:
            self.conn.execute(sa.update(t).where(t.c.id == sa.bindparam("b_id")).values(
                price_subtotal=sa.bindparam("price_subtotal"), price_tax=sa.bindparam("price_tax"),
                price_total=sa.bindparam("price_total")), updates)
        return results

    def compute_invoicing(self, lines_of: dict[int, list[int]]) -> dict[int, list[str]]:
        """qty_to_invoice and invoice_status (sale.order.line._compute_qty_to_invoice / _compute_invoice_status);
        for each order, the statuses of the lines that count for the order's status (no sections, no down
        payments)."""
        counted: dict[int, list[str]] = {order_id: [] for order_id in lines_of}
        ids = [i for line_ids in lines_of.values() for i in line_ids]
        if not ids:
            return counted
        t, products, templates = self.table, self.env["product.product"].table, self.env["product.template"].table
        rows = self.conn.execute(
            sa.select(t.c.id, t.c.order_id, t.c.state, t.c.display_type, t.c.is_downpayment, t.c.product_uom_qty,
                      t.c.qty_delivered, t.c.qty_invoiced, templates.c.invoice_policy)
            .select_from(t.outerjoin(products, products.c.id == t.c.product_id)
                         .outerjoin(templates, templates.c.id == products.c.product_tmpl_id))
            .where(t.c.id.in_(ids))).all()
        updates = []
        for r in rows:
            ordered, delivered, invoiced = r.product_uom_qty or 0.0, r.qty_delivered or 0.0, r.qty_invoiced or 0.0
            if r.state == "sale" and not r.display_type:
                to_invoice = (ordered if r.invoice_policy != "delivery" else delivered) - invoiced
            else:
                to_invoice = 0.0
            if r.state != "sale":
                status = "no"
            elif abs(to_invoice) > QTY_EPSILON:
                status = "to invoice"
            elif r.invoice_policy != "delivery" and ordered >= 0 and delivered - ordered > QTY_EPSILON:
                status = "upselling"
            elif invoiced - ordered >= -QTY_EPSILON:
                status = "invoiced"
            else:
                status = "no"
            updates.append({"b_id": r.id, "qty_to_invoice": to_invoice, "invoice_status": status})
            if not r.display_type and not r.is_downpayment:
                counted[r.order_id].append(status)
        self.conn.execute(sa.update(t).where(t.c.id == sa.bindparam("b_id")).values(
            qty_to_invoice=sa.bindparam("qty_to_invoice"), invoice_status=sa.bindparam("invoice_status")), updates)
        return counted

    # ------------------------------------------------------------ sale_stock
    def launch_procurement(self, ids: list[int]) -> None:
        """_action_launch_stock_rule: for confirmed lines of goods, the quantity not yet in a move goes to the
        order's open delivery (created, confirmed and reserved when there is none)."""
        if not ids:
            return
        t, moves = self.table, self.env["stock.move"].table
        rows = self.conn.execute(sa.select(t.c.id, t.c.order_id, t.c.product_id, t.c.product_uom_qty, t.c.name,
                                           t.c.state, t.c.display_type, t.c[uom_field(self.env.version)].label("uom"))
                                 .where(t.c.id.in_(ids)).order_by(t.c.sequence, t.c.id)).all()
        needs: dict[int, list[tuple]] = {}
        goods = _goods(self.env, {r.product_id for r in rows if r.product_id})
        procured = [r for r in rows if r.state == "sale" and not r.display_type and r.product_id in goods]
        in_moves = dict(self.conn.execute(
            sa.select(moves.c.sale_line_id, sa.func.sum(moves.c.product_uom_qty))
            .where(moves.c.sale_line_id.in_([r.id for r in procured]), moves.c.state != "cancel")
            .group_by(moves.c.sale_line_id)).all()) if procured else {}
        for r in procured:
            moved = in_moves.get(r.id) or 0.0
            missing = (r.product_uom_qty or 0.0) - moved
            if missing > QTY_EPSILON:
                needs.setdefault(r.order_id, []).append((r, missing))
        if needs:
            self.env["stock.picking"].sudo().deliver_sale_lines(needs)


def _only_creates(commands) -> bool:
    return (isinstance(commands, (list, tuple)) and bool(commands)
            and all(isinstance(c, (list, tuple)) and len(c) == 3 and c[0] == 0 and isinstance(c[2], dict)
                    for c in commands))


def _product_defaults(env, product_ids: list[int]) -> dict[int, dict]:
    """For each product: the line description (display name and sales description), unit, sales price and
    customer taxes, in three queries whatever the number of products."""
    if not product_ids:
        return {}
    products, templates = env["product.product"].table, env["product.template"].table
    rows = env.conn.execute(sa.select(products.c.id, products.c.product_tmpl_id, templates.c.description_sale,
                                      templates.c.uom_id, templates.c.list_price)
                            .join(templates, templates.c.id == products.c.product_tmpl_id)
                            .where(products.c.id.in_(product_ids))).all()
    names = env["product.product"].sudo()._display_names([r.id for r in rows])
    taxes = env["product.template"].sudo()._x2many_ids(env["product.template"].spec.fields["taxes_id"],
                                                        sorted({r.product_tmpl_id for r in rows}))
    return {r.id: {"name": names[r.id] + (f"\n{r.description_sale}" if r.description_sale else ""),
                   "uom_id": r.uom_id, "list_price": r.list_price or 0.0, "taxes": taxes.get(r.product_tmpl_id, [])}
            for r in rows}


def _order_invoice_status(state: str, line_statuses: list[str]) -> str:
    """sale.order._compute_invoice_status (without the special delivery/discount lines)."""
    if state != "sale" or not line_statuses:
        return "no"
    if "to invoice" in line_statuses:
        return "to invoice"
    if all(s == "invoiced" for s in line_statuses):
        return "invoiced"
    if all(s in ("invoiced", "upselling") for s in line_statuses):
        return "upselling"
    return "no"


def _addresses(env, partner_id: int) -> dict[str, int]:
    return {"partner_invoice_id": _address_of(env, partner_id, "invoice"),
            "partner_shipping_id": _address_of(env, partner_id, "delivery")}


def _address_of(env, partner_id: int, kind: str) -> int:
    """res.partner.address_get([kind]): the first contact of that type under the commercial partner
    (the partner itself when it has none)."""
    partners = env["res.partner"].table
    row = env.conn.execute(sa.select(partners.c.commercial_partner_id).where(partners.c.id == partner_id)).first()
    if row is None:
        return partner_id
    own = env.conn.scalar(sa.select(partners.c.type).where(partners.c.id == partner_id))
    if own == kind:
        return partner_id
    for parent in (partner_id, row.commercial_partner_id):
        child = env.conn.scalar(sa.select(partners.c.id).where(
            partners.c.parent_id == parent, partners.c.type == kind, partners.c.active.is_(True)).order_by(partners.c.id)
            .limit(1))
        if child:
            return child
    return partner_id


def _default_warehouse(env) -> int | None:
    warehouses = env["stock.warehouse"].table
    return env.conn.scalar(sa.select(warehouses.c.id).where(warehouses.c.company_id == 1, warehouses.c.active.is_(True))
                           .order_by(warehouses.c.sequence, warehouses.c.id).limit(1))
