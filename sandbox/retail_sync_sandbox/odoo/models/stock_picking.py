"""Transfers: operation types, pickings, their moves and move lines, and the backorder wizard
(addons/stock/models/stock_picking.py, stock_move.py, stock_move_line.py,
addons/stock/wizard/stock_backorder_confirmation.py, sale_stock's link to sale order lines).

Since 17 a move's `quantity` is both what is reserved and what will be done, and `picked` says the
quantity was really picked; there is no immediate-transfer wizard any more. Reserving takes unreserved
stock from the quants under the source location; validating moves it out of (and into) the quants,
partial quantities ending in a backorder (or cancelled) as the backorder wizard decides.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..api import records_method
from ..exceptions import UserError
from ..fields import Boolean, Char, Datetime, Float, Integer, Many2many, Many2one, One2many, Selection, Text
from ..model import Model, now
from .product import uom_digits
from .stock import _is_storable

PICKING_STATES = [("draft", "Draft"), ("waiting", "Waiting Another Operation"), ("confirmed", "Waiting"),
                  ("assigned", "Ready"), ("done", "Done"), ("cancel", "Cancelled")]
MOVE_STATES = [("draft", "New"), ("waiting", "Waiting Another Move"), ("confirmed", "Waiting Availability"),
               ("partially_available", "Partially Available"), ("assigned", "Available"), ("done", "Done"),
               ("cancel", "Cancelled")]
OPEN = ("draft", "waiting", "confirmed", "partially_available", "assigned")
EPSILON = 1e-9
NO_QUANTITIES = ("You cannot validate a transfer if no quantities are reserved nor done. You can use the info button "
                 "on the top right corner of your screen to know why the stock is not available.")


class StockPickingType(Model):
    _name = "stock.picking.type"
    _description = "Picking Type"
    _order = "sequence, id"

    name = Char("Operation Type", required=True)
    code = Selection([("incoming", "Receipt"), ("outgoing", "Delivery"), ("internal", "Internal Transfer")],
                     "Type of Operation", required=True)
    sequence = Integer("Sequence", default=1)
    sequence_code = Char("Sequence Prefix", required=True)
    warehouse_id = Many2one("stock.warehouse", "Warehouse", ondelete="cascade")
    default_location_src_id = Many2one("stock.location", "Default Source Location")
    default_location_dest_id = Many2one("stock.location", "Default Destination Location")
    create_backorder = Selection([("ask", "Ask"), ("always", "Always"), ("never", "Never")], "Create Backorder",
                                 required=True, default="ask")
    company_id = Many2one("res.company", "Company", required=True, default=lambda env: 1)
    active = Boolean("Active", default=True)


class StockWarehouseDelivery(Model):
    """The warehouse's delivery operation type, made with the warehouse as Odoo makes it."""

    _inherit = "stock.warehouse"

    out_type_id = Many2one("stock.picking.type", "Out Type")

    def _after_create(self, ids, vals_list):
        super()._after_create(ids, vals_list)
        customers = self.env["ir.model.data"].resolve("stock", "stock_location_customers")
        types = self.env["stock.picking.type"].sudo()
        for row in self.conn.execute(sa.select(self.table.c.id, self.table.c.name, self.table.c.lot_stock_id,
                                               self.table.c.company_id).where(self.table.c.id.in_(ids))).all():
            out = types.create({"name": "Delivery Orders", "code": "outgoing", "sequence_code": "OUT",
                                "sequence": 5, "warehouse_id": row.id, "default_location_src_id": row.lot_stock_id,
                                "default_location_dest_id": customers, "company_id": row.company_id})
            self.conn.execute(sa.update(self.table).where(self.table.c.id == row.id).values(out_type_id=out))


class StockPicking(Model):
    _name = "stock.picking"
    _description = "Transfer"
    _order = "priority desc, scheduled_date asc, id desc"

    name = Char("Reference", default="/", index=True)
    origin = Char("Source Document", index=True)
    note = Text("Notes")
    priority = Selection([("0", "Normal"), ("1", "Urgent")], "Priority", default="0")
    state = Selection(PICKING_STATES, "Status", readonly=True, index=True, default="draft")
    move_type = Selection([("direct", "As soon as possible"), ("one", "When all products are ready")],
                          "Shipping Policy", required=True, default="direct")
    picking_type_id = Many2one("stock.picking.type", "Operation Type", required=True, index=True)
    picking_type_code = Selection([("incoming", "Receipt"), ("outgoing", "Delivery"), ("internal", "Internal Transfer")],
                                  "Type of Operation", compute="_compute_picking_type_code")
    location_id = Many2one("stock.location", "Source Location", required=True, index=True)
    location_dest_id = Many2one("stock.location", "Destination Location", required=True, index=True)
    partner_id = Many2one("res.partner", "Contact")
    company_id = Many2one("res.company", "Company", index=True, default=lambda env: 1)
    user_id = Many2one("res.users", "Responsible", default=lambda env: env.uid)
    scheduled_date = Datetime("Scheduled Date", default=lambda env: now())
    date_done = Datetime("Date of Transfer", readonly=True)
    move_ids = One2many("stock.move", "picking_id", "Stock Moves")
    move_line_ids = One2many("stock.move.line", "picking_id", "Operations")
    backorder_id = Many2one("stock.picking", "Back Order of", index=True)
    backorder_ids = One2many("stock.picking", "backorder_id", "Back Orders")
    sale_id = Many2one("sale.order", "Sales Order", index=True)        # sale_stock
    carrier_tracking_ref = Char("Tracking Reference")                 # stock_delivery (delivery in 17)

    # ------------------------------------------------------------ create
    def _prepare_create(self, vals_list):
        vals_list = super()._prepare_create(vals_list)
        types = self.env["stock.picking.type"].sudo()
        type_rows: dict[int, dict] = {}
        sequences: dict[int, tuple[str, int]] = {}   # the pickings of one call numbered one after the other
        for vals in vals_list:
            kind = vals.get("picking_type_id")
            if not kind or isinstance(kind, bool):
                continue
            if kind not in type_rows:
                type_rows[kind] = types.read([kind], ["default_location_src_id", "default_location_dest_id"],
                                             load=None)[0]
            row = type_rows[kind]
            # location_id / location_dest_id are computed from the operation type when not given.
            vals.setdefault("location_id", row["default_location_src_id"] or False)
            vals.setdefault("location_dest_id", row["default_location_dest_id"] or False)
            if vals.get("name", "/") in ("/", False, None):
                prefix, last = sequences.get(kind) or self._last_number(kind)
                sequences[kind] = (prefix, last + 1)
                vals["name"] = f"{prefix}{last + 1:05d}"
        return vals_list

    def _last_number(self, picking_type: int) -> tuple[str, int]:
        """The operation type's sequence: <warehouse code>/<prefix>/<five digits>; its prefix and last number."""
        types, warehouses = self.env["stock.picking.type"].table, self.env["stock.warehouse"].table
        row = self.conn.execute(sa.select(types.c.sequence_code, warehouses.c.code).select_from(
            types.outerjoin(warehouses, warehouses.c.id == types.c.warehouse_id)).where(types.c.id == picking_type)).one()
        count = self.conn.scalar(sa.select(sa.func.count()).where(self.table.c.picking_type_id == picking_type))
        prefix = f"{row.code}/{row.sequence_code}/" if row.code else f"{row.sequence_code}/"
        return prefix, count

    def _compute_picking_type_code(self, ids):
        types = self.env["stock.picking.type"].table
        rows = self.conn.execute(sa.select(self.table.c.id, types.c.code).join(
            types, types.c.id == self.table.c.picking_type_id).where(self.table.c.id.in_(ids)))
        return dict(rows.all())

    # ------------------------------------------------------------ state
    def update_state(self, ids: list[int]) -> None:
        """_compute_state: from the moves' states and the shipping policy."""
        moves = self.env["stock.move"].table
        for picking in self.conn.execute(sa.select(self.table.c.id, self.table.c.move_type, self.table.c.state)
                                         .where(self.table.c.id.in_(ids))).all():
            states = list(self.conn.scalars(sa.select(moves.c.state).where(moves.c.picking_id == picking.id)))
            if not states:
                state = "draft" if picking.state != "cancel" else "cancel"
            elif all(s == "cancel" for s in states):
                state = "cancel"
            elif all(s in ("done", "cancel") for s in states):
                state = "done"
            elif any(s == "draft" for s in states):
                state = "draft"
            else:
                open_states = [s for s in states if s not in ("done", "cancel")]
                ready = [s in ("assigned", "partially_available") for s in open_states]
                if picking.move_type == "one":
                    state = "assigned" if all(s == "assigned" for s in open_states) else "confirmed"
                else:
                    state = "assigned" if any(ready) else "confirmed"
            if state != picking.state:
                values = {"state": state}
                if state == "done":
                    values["date_done"] = now()
                self.conn.execute(sa.update(self.table).where(self.table.c.id == picking.id).values(**values))

    def _move_ids(self, ids: list[int], states=OPEN) -> list[int]:
        moves = self.env["stock.move"].table
        return list(self.conn.scalars(sa.select(moves.c.id).where(moves.c.picking_id.in_(ids), moves.c.state.in_(states))
                                      .order_by(moves.c.id)))

    # ------------------------------------------------------------ actions
    @records_method("write")
    def action_confirm(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        moves = self.env["stock.move"].sudo()
        moves.confirm(self._move_ids(ids, ("draft",)))
        # Delivery types reserve at confirmation (reservation_method 'at_confirm').
        moves.reserve(self._move_ids(ids, ("confirmed", "partially_available")))
        self.update_state(ids)
        return True

    @records_method("write")
    def action_assign(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        moves = self.env["stock.move"].sudo()
        moves.confirm(self._move_ids(ids, ("draft",)))
        moves.reserve(self._move_ids(ids, ("confirmed", "partially_available")))
        self.update_state(ids)
        return True

    @records_method("write")
    def do_unreserve(self, ids):
        ids = self.ids_arg(ids)
        self.env["stock.move"].sudo().unreserve(self._move_ids(ids, ("partially_available", "assigned")))
        self.update_state(ids)
        return True

    @records_method("write")
    def action_cancel(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        # Every move not cancelled yet: a done one refuses (a return is the way back).
        self.env["stock.move"].sudo().cancel(self._move_ids(ids, (*OPEN, "done")))
        self.update_state(ids)
        self.conn.execute(sa.update(self.table).where(self.table.c.id.in_(ids), self.table.c.state != "done")
                          .values(state="cancel"))
        return True

    @records_method("write")
    def button_validate(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        t = self.table
        ids = list(self.conn.scalars(sa.select(t.c.id).where(t.c.id.in_(ids), t.c.state != "done").order_by(t.c.id)))
        if not ids:
            return True
        moves = self.env["stock.move"].sudo()
        mt = moves.table
        drafts = list(self.conn.scalars(sa.select(t.c.id).where(t.c.id.in_(ids), t.c.state == "draft")))
        if drafts:
            self.action_confirm(drafts)
            # A draft transfer validated at once ships what it asks for.
            self.conn.execute(sa.update(mt).where(mt.c.picking_id.in_(drafts), mt.c.quantity == 0,
                                                  mt.c.state.in_(OPEN)).values(quantity=mt.c.product_uom_qty))
        self._sanity_check(ids)
        context = self.env.context
        for picking in ids:
            # _pre_action_done_hook: quantities set but nothing marked picked means everything is picked.
            rows = self.conn.execute(sa.select(mt.c.quantity, mt.c.picked).where(
                mt.c.picking_id == picking, mt.c.state.in_(OPEN))).all()
            if any(r.quantity for r in rows) and not any(r.picked for r in rows):
                self.conn.execute(sa.update(mt).where(mt.c.picking_id == picking, mt.c.state.in_(OPEN))
                                  .values(picked=True))
        if not context.get("skip_backorder"):
            to_backorder = self._check_backorder(ids)
            if to_backorder:
                wizard_context = {**context, "button_validate_picking_ids": context.get("button_validate_picking_ids")
                                  or ids, "default_show_transfers": False,
                                  "default_pick_ids": [[4, p] for p in to_backorder]}
                return {"name": "Create Backorder?", "type": "ir.actions.act_window", "view_mode": "form",
                        "res_model": "stock.backorder.confirmation", "views": [[False, "form"]], "target": "new",
                        "context": wizard_context}
        types = self.env["stock.picking.type"].table
        never = set(self.conn.scalars(sa.select(t.c.id).join(types, types.c.id == t.c.picking_type_id).where(
            t.c.id.in_(ids), types.c.create_backorder == "never")))
        always = set(self.conn.scalars(sa.select(t.c.id).join(types, types.c.id == t.c.picking_type_id).where(
            t.c.id.in_(ids), types.c.create_backorder == "always")))
        never |= {p for p in context.get("picking_ids_not_to_backorder") or [] if p not in always}
        for picking in ids:
            self._action_done(picking, backorder=picking not in never)
        return True

    def _sanity_check(self, ids: list[int]) -> None:
        mt = self.env["stock.move"].table
        for picking in ids:
            rows = self.conn.execute(sa.select(mt.c.quantity, mt.c.picked, mt.c.state).where(
                mt.c.picking_id == picking)).all()
            if not rows:
                raise UserError("Please add some items to move." if self.env.version == 17 else
                                "You can’t validate an empty transfer. Please add some products to move before "
                                "proceeding.")
            open_rows = [r for r in rows if r.state not in ("done", "cancel")]
            has_pick = any(r.picked for r in open_rows)
            if all(abs(r.quantity or 0.0) < EPSILON for r in open_rows if not has_pick or r.picked):
                raise UserError(NO_QUANTITIES)

    def _check_backorder(self, ids: list[int]) -> list[int]:
        """Pickings (whose type asks) with a move not picked, or picked short of its demand."""
        mt, types = self.env["stock.move"].table, self.env["stock.picking.type"].table
        result = []
        for picking in ids:
            asks = self.conn.scalar(sa.select(types.c.create_backorder).join(
                self.table, self.table.c.picking_type_id == types.c.id).where(self.table.c.id == picking)) == "ask"
            rows = self.conn.execute(sa.select(mt.c.product_uom_qty, mt.c.quantity, mt.c.picked).where(
                mt.c.picking_id == picking, mt.c.state != "cancel")).all()
            if asks and any((r.product_uom_qty and not r.picked) or
                            (r.quantity if r.picked else 0.0) < r.product_uom_qty - EPSILON for r in rows):
                result.append(picking)
        return result

    def _action_done(self, picking: int, backorder: bool) -> None:
        moves = self.env["stock.move"].sudo()
        mt = moves.table
        remainders = []
        for move in self.conn.execute(sa.select(mt.c.id, mt.c.product_uom_qty, mt.c.quantity, mt.c.picked)
                                      .where(mt.c.picking_id == picking, mt.c.state.in_(OPEN))
                                      .order_by(mt.c.id)).all():
            done = (move.quantity or 0.0) if move.picked else 0.0
            if done <= EPSILON:
                moves.unreserve([move.id])
                remainders.append((move.id, None))
            elif done < move.product_uom_qty - EPSILON:
                remainders.append((move.id, move.product_uom_qty - done))
        done_moves = [m for m in self._move_ids([picking]) if m not in {r for r, rest in remainders if rest is None}]
        backorder_moves = []
        for move_id, rest in remainders:
            if rest is None:
                backorder_moves.append(move_id)
            else:
                backorder_moves.append(moves.split(move_id, rest))
        moves.finish(done_moves)
        if backorder_moves:
            if backorder:
                self._create_backorder(picking, backorder_moves)
            else:
                moves.cancel(backorder_moves)
        self.update_state([picking])

    def _create_backorder(self, picking: int, move_ids: list[int]) -> int:
        row = self.read([picking], ["picking_type_id", "location_id", "location_dest_id", "partner_id", "origin",
                                    "sale_id", "move_type", "company_id", "scheduled_date"], load=None)[0]
        vals = {k: v for k, v in row.items() if k != "id"}
        new = self.sudo().create({**vals, "backorder_id": picking})
        mt = self.env["stock.move"].table
        self.conn.execute(sa.update(mt).where(mt.c.id.in_(move_ids)).values(picking_id=new))
        lines = self.env["stock.move.line"].table
        self.conn.execute(sa.update(lines).where(lines.c.move_id.in_(move_ids)).values(picking_id=new))
        self.update_state([picking, new])
        self.action_assign([new])
        return new

    # ------------------------------------------------------------ sale_stock
    def deliver_sale_lines(self, needs: dict[int, list[tuple]]) -> None:
        """The procurement of confirmed sale lines, per order: moves added to the order's open delivery, or to a
        new one from the order's warehouse to the customers' location; confirmed and reserved. All the orders
        of a call at once, as _action_launch_stock_rule runs on a recordset (one create of the new deliveries,
        one of the moves), the deliveries reserved in the orders' order."""
        orders, warehouses, t = self.env["sale.order"].table, self.env["stock.warehouse"].table, self.table
        order_rows = {r.id: r for r in self.conn.execute(sa.select(
            orders.c.id, orders.c.name, orders.c.partner_shipping_id, orders.c.warehouse_id, orders.c.picking_policy,
            orders.c.company_id).where(orders.c.id.in_(list(needs))))}
        out_types = dict(self.conn.execute(sa.select(warehouses.c.id, warehouses.c.out_type_id).where(
            warehouses.c.id.in_({r.warehouse_id for r in order_rows.values()}))).all())
        picking_type = {order_id: out_types.get(order_rows[order_id].warehouse_id) for order_id in needs}
        if not all(picking_type.values()):
            raise UserError("No rule has been found to replenish the products in the order's warehouse.")
        picking_of: dict[int, int] = {}
        for picking, order_id, kind in self.conn.execute(sa.select(t.c.id, t.c.sale_id, t.c.picking_type_id).where(
                t.c.sale_id.in_(list(needs)), t.c.state.in_(("draft", "waiting", "confirmed", "assigned")))
                .order_by(t.c.id)):
            if kind == picking_type[order_id]:
                picking_of.setdefault(order_id, picking)
        new = [order_id for order_id in needs if order_id not in picking_of]
        if new:
            created = self.create([{
                "picking_type_id": picking_type[o], "partner_id": order_rows[o].partner_shipping_id,
                "origin": order_rows[o].name, "sale_id": o, "company_id": order_rows[o].company_id,
                "move_type": order_rows[o].picking_policy} for o in new])
            picking_of.update(zip(new, created))
        pickings = [picking_of[order_id] for order_id in needs]
        places = {r["id"]: r for r in self.read(pickings, ["location_id", "location_dest_id"], load=None)}
        self.env["stock.move"].sudo().create([
            {"name": line.name or "/", "product_id": line.product_id, "product_uom_qty": quantity,
             "product_uom": line.uom, "picking_id": picking_of[order_id],
             "location_id": places[picking_of[order_id]]["location_id"],
             "location_dest_id": places[picking_of[order_id]]["location_dest_id"], "sale_line_id": line.id,
             "origin": order_rows[order_id].name, "partner_id": order_rows[order_id].partner_shipping_id,
             "company_id": order_rows[order_id].company_id}
            for order_id, lines in needs.items() for line, quantity in lines])
        # action_confirm of each delivery, in the orders' order: its moves confirmed, then reserved.
        moves = self.env["stock.move"].sudo()
        moves.confirm(self._move_ids(pickings, ("draft",)))
        open_moves = self.conn.execute(sa.select(moves.table.c.id, moves.table.c.picking_id).where(
            moves.table.c.picking_id.in_(pickings), moves.table.c.state.in_(("confirmed", "partially_available")))
            .order_by(moves.table.c.id)).all()
        position = {picking: n for n, picking in enumerate(pickings)}
        moves.reserve([m.id for m in sorted(open_moves, key=lambda m: position[m.picking_id])])
        self.update_state(pickings)


class StockMove(Model):
    _name = "stock.move"
    _description = "Stock Move"
    _order = "sequence, id"

    name = Char("Description", required=True, default="/")
    sequence = Integer("Sequence", default=10)
    origin = Char("Source Document")
    reference = Char("Reference", compute="_compute_reference")
    product_id = Many2one("product.product", "Product", required=True, index=True)
    product_uom_qty = Float("Demand", required=True, default=0.0, digits=uom_digits)
    product_uom = Many2one("uom.uom", "Unit", required=True)
    quantity = Float("Quantity", default=0.0, digits=uom_digits)
    picked = Boolean("Picked", default=False)
    state = Selection(MOVE_STATES, "Status", readonly=True, index=True, default="draft")
    location_id = Many2one("stock.location", "Source Location", required=True, index=True)
    location_dest_id = Many2one("stock.location", "Destination Location", required=True, index=True)
    picking_id = Many2one("stock.picking", "Transfer", index=True)
    picking_type_id = Many2one("stock.picking.type", "Operation Type")
    partner_id = Many2one("res.partner", "Destination Address")
    company_id = Many2one("res.company", "Company", default=lambda env: 1)
    date = Datetime("Date Scheduled", default=lambda env: now())
    move_line_ids = One2many("stock.move.line", "move_id", "Move Lines")
    sale_line_id = Many2one("sale.order.line", "Sale Line", index=True)   # sale_stock

    def _prepare_create(self, vals_list):
        vals_list = super()._prepare_create(vals_list)
        pickings = self.env["stock.picking"].sudo()
        read: dict[int, dict] = {}     # the moves of one picking are usually created together
        for vals in vals_list:
            picking = vals.get("picking_id")
            if picking and not isinstance(picking, bool):
                if picking not in read:
                    read[picking] = pickings.read([picking], ["location_id", "location_dest_id", "picking_type_id"],
                                                  load=None)[0]
                row = read[picking]
                vals.setdefault("location_id", row["location_id"])
                vals.setdefault("location_dest_id", row["location_dest_id"])
                vals.setdefault("picking_type_id", row["picking_type_id"])
            product = vals.get("product_id")
            if product and not isinstance(product, bool) and not vals.get("product_uom"):
                vals["product_uom"] = self.env["product.product"].sudo().read([product], ["uom_id"], load=None)[0]["uom_id"]
        return vals_list

    def _recompute(self, ids):
        pickings = sorted(set(p for p in self.conn.scalars(sa.select(self.table.c.picking_id).where(
            self.table.c.id.in_(ids))) if p))
        if pickings:
            self.env["stock.picking"].sudo().update_state(pickings)

    def _compute_reference(self, ids):
        pickings = self.env["stock.picking"].table
        rows = self.conn.execute(sa.select(self.table.c.id, pickings.c.name, self.table.c.name).select_from(
            self.table.outerjoin(pickings, pickings.c.id == self.table.c.picking_id)).where(self.table.c.id.in_(ids)))
        return {i: picking or name for i, picking, name in rows}

    def _rows(self, ids: list[int]) -> list:
        return self.conn.execute(sa.select(self.table).where(self.table.c.id.in_(ids)).order_by(self.table.c.id)).all()

    def _set(self, ids: list[int], **values) -> None:
        if ids:
            self.conn.execute(sa.update(self.table).where(self.table.c.id.in_(ids)).values(**values))

    # ------------------------------------------------------------ the move's life
    def confirm(self, ids: list[int]) -> None:
        self._set(ids, state="confirmed")

    def reserve(self, ids: list[int]) -> None:
        """_action_assign: storable products from the unreserved quants under the source location; other
        goods are always available. The moves are served in the order given (first come, first served); their
        move lines are created in one call and their quantities and states written in one statement."""
        quants = self.env["stock.quant"].table
        locations = self.env["stock.location"].sudo()
        by_id = {row.id: row for row in self._rows(ids)}
        moves = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
        storable = {product: _is_storable(self.env, product) for product in dict.fromkeys(m.product_id for m in moves)}
        under = {location: locations.hierarchy_ids([location], down=True)
                 for location in dict.fromkeys(m.location_id for m in moves)}
        # The quants the storable moves may take from, read once: (id, location, quantity, reserved), in id order
        # per product; what a move reserves is counted here for the moves after it.
        wanted = [m for m in moves if storable[m.product_id] and m.product_uom_qty - (m.quantity or 0.0) > EPSILON]
        stock: dict[int, list[list]] = {}
        if wanted:
            searched = sorted({loc for m in wanted for loc in under[m.location_id]})
            for quant in self.conn.execute(sa.select(quants.c.id, quants.c.product_id, quants.c.location_id,
                                                     quants.c.quantity, quants.c.reserved_quantity).where(
                    quants.c.product_id.in_({m.product_id for m in wanted}), quants.c.location_id.in_(searched))
                    .order_by(quants.c.id)):
                stock.setdefault(quant.product_id, []).append(
                    [quant.id, quant.location_id, quant.quantity, quant.reserved_quantity])
        new_lines, states, taken_from = [], [], []
        for move in moves:
            missing = move.product_uom_qty - (move.quantity or 0.0)
            if missing <= EPSILON:
                states.append({"b_id": move.id, "b_quantity": move.quantity, "b_state": "assigned"})
                continue
            if not storable[move.product_id]:
                new_lines.append({**self._line_vals(move, move.location_id), "quantity": missing})
                states.append({"b_id": move.id, "b_quantity": move.product_uom_qty, "b_state": "assigned"})
                continue
            places = set(under[move.location_id])
            taken = 0.0
            for quant in stock.get(move.product_id, []):
                # (SQL's `quantity - reserved_quantity > EPSILON` is not true for a NULL either)
                if quant[1] not in places or quant[2] is None or quant[3] is None or not quant[2] - quant[3] > EPSILON:
                    continue
                take = min(missing - taken, quant[2] - quant[3])
                quant[3] = quant[3] + take
                taken_from.append({"b_id": quant[0], "b_take": take})
                new_lines.append({**self._line_vals(move, quant[1]), "quantity": take})
                taken += take
                if taken >= missing - EPSILON:
                    break
            quantity = (move.quantity or 0.0) + taken
            state = ("assigned" if quantity >= move.product_uom_qty - EPSILON
                     else "partially_available" if quantity > EPSILON else "confirmed")
            states.append({"b_id": move.id, "b_quantity": quantity, "b_state": state})
        if taken_from:
            # Each reservation added in turn, as one statement per quant would (same sums, same order).
            self.conn.execute(sa.update(quants).where(quants.c.id == sa.bindparam("b_id")).values(
                reserved_quantity=quants.c.reserved_quantity + sa.bindparam("b_take")), taken_from)
        if new_lines:
            self.env["stock.move.line"].sudo().create(new_lines)
        if states:
            self.conn.execute(sa.update(self.table).where(self.table.c.id == sa.bindparam("b_id")).values(
                quantity=sa.bindparam("b_quantity"), state=sa.bindparam("b_state")), states)

    def _line_vals(self, move, location: int) -> dict:
        return {"move_id": move.id, "picking_id": move.picking_id, "product_id": move.product_id,
                "product_uom_id": move.product_uom, "location_id": location,
                "location_dest_id": move.location_dest_id, "company_id": move.company_id}

    def unreserve(self, ids: list[int]) -> None:
        """_do_unreserve: reservations given back to the quants, move lines dropped."""
        if not ids:
            return
        lines = self.env["stock.move.line"].sudo()
        lt = lines.table
        for line in self.conn.execute(sa.select(lt.c.id, lt.c.product_id, lt.c.location_id, lt.c.quantity)
                                      .where(lt.c.move_id.in_(ids))).all():
            self._release(line.product_id, line.location_id, line.quantity or 0.0)
        self.conn.execute(sa.delete(lt).where(lt.c.move_id.in_(ids)))
        self._set(ids, quantity=0.0, state="confirmed")

    def _release(self, product: int, location: int, quantity: float) -> None:
        quants = self.env["stock.quant"].table
        remaining = quantity
        for quant in self.conn.execute(sa.select(quants.c.id, quants.c.reserved_quantity).where(
                quants.c.product_id == product, quants.c.location_id == location,
                quants.c.reserved_quantity > EPSILON).order_by(quants.c.id)).all():
            give = min(remaining, quant.reserved_quantity)
            self.conn.execute(sa.update(quants).where(quants.c.id == quant.id).values(
                reserved_quantity=quants.c.reserved_quantity - give))
            remaining -= give
            if remaining <= EPSILON:
                break

    def cancel(self, ids: list[int]) -> None:
        if not ids:
            return
        if any(r.state == "done" for r in self._rows(ids)):
            raise UserError("You cannot cancel a stock move that has been set to 'Done'. Create a return in order "
                            "to reverse the moves which took place.")
        self.unreserve(ids)
        self._set(ids, state="cancel", quantity=0.0, picked=False)

    def split(self, move_id: int, rest: float) -> int:
        """_split: the demand not done goes to a new move (unreserved); this one keeps what is done."""
        move = self._rows([move_id])[0]
        new = self.create({"name": move.name, "product_id": move.product_id, "product_uom_qty": rest,
                           "product_uom": move.product_uom, "location_id": move.location_id,
                           "location_dest_id": move.location_dest_id, "picking_id": move.picking_id,
                           "picking_type_id": move.picking_type_id, "partner_id": move.partner_id,
                           "sale_line_id": move.sale_line_id, "origin": move.origin, "company_id": move.company_id})
        self._set([move_id], product_uom_qty=move.quantity)
        self._set([new], state="confirmed")
        return new

    def finish(self, ids: list[int]) -> None:
        """_action_done: the picked quantity leaves the quants it was reserved on (then any unreserved stock,
        then a negative quant at the source) and enters the destination if it is internal."""
        lines = self.env["stock.move.line"].sudo()
        lt = lines.table
        stamp = now()
        for move in self._rows(ids):
            done = move.quantity or 0.0
            storable = _is_storable(self.env, move.product_id)
            reserved = self.conn.execute(sa.select(lt.c.id, lt.c.location_id, lt.c.quantity).where(
                lt.c.move_id == move.id).order_by(lt.c.id)).all()
            left = done
            kept = []
            for line in reserved:
                used = min(left, line.quantity or 0.0)
                if storable:
                    self._release(move.product_id, line.location_id, line.quantity or 0.0)
                    self._take(move.product_id, line.location_id, used)
                if used > EPSILON:
                    kept.append((line.id, used))
                left -= used
            if left > EPSILON:
                if storable:
                    self._take(move.product_id, move.location_id, left, anywhere_under=True)
                extra = lines.create({**self._line_vals(move, move.location_id), "quantity": left})
                kept.append((extra, left))
            keep_ids = [line_id for line_id, _ in kept]
            self.conn.execute(sa.delete(lt).where(lt.c.move_id == move.id, lt.c.id.not_in(keep_ids)))
            for line_id, used in kept:
                self.conn.execute(sa.update(lt).where(lt.c.id == line_id).values(quantity=used, picked=True, date=stamp))
            if storable and self._is_internal(move.location_dest_id):
                self._put(move.product_id, move.location_dest_id, done)
            self._set([move.id], state="done", picked=True, date=stamp)
        self._update_delivered([r.sale_line_id for r in self._rows(ids) if r.sale_line_id])

    def _is_internal(self, location: int) -> bool:
        locations = self.env["stock.location"].table
        return self.conn.scalar(sa.select(locations.c.usage).where(locations.c.id == location)) == "internal"

    def _take(self, product: int, location: int, quantity: float, anywhere_under: bool = False) -> None:
        if quantity <= EPSILON:
            return
        quants = self.env["stock.quant"].table
        places = (self.env["stock.location"].sudo().hierarchy_ids([location], down=True) if anywhere_under
                  else [location])
        left = quantity
        for quant in self.conn.execute(sa.select(quants.c.id, quants.c.quantity, quants.c.reserved_quantity).where(
                quants.c.product_id == product, quants.c.location_id.in_(places),
                quants.c.quantity - quants.c.reserved_quantity > EPSILON).order_by(quants.c.id)).all():
            take = min(left, quant.quantity - quant.reserved_quantity)
            self.conn.execute(sa.update(quants).where(quants.c.id == quant.id).values(quantity=quants.c.quantity - take))
            left -= take
            if left <= EPSILON:
                return
        self._put(product, location, -left)  # Odoo lets stock go negative rather than refuse the transfer

    def _put(self, product: int, location: int, quantity: float) -> None:
        quants = self.env["stock.quant"].table
        quant = self.conn.scalar(sa.select(quants.c.id).where(quants.c.product_id == product,
                                                              quants.c.location_id == location).order_by(quants.c.id)
                                 .limit(1))
        if quant is None:
            quant = self.env["stock.quant"].sudo().create({"product_id": product, "location_id": location})
        self.conn.execute(sa.update(quants).where(quants.c.id == quant).values(
            quantity=quants.c.quantity + quantity, write_date=now()))

    def _update_delivered(self, sale_line_ids: list[int]) -> None:
        """sale_stock's _compute_qty_delivered: done moves into a customer location count (returns out of it
        would count back)."""
        if not sale_line_ids:
            return
        locations = self.env["stock.location"].table
        t = self.table
        sale_lines = self.env["sale.order.line"].sudo()
        for line_id in sorted(set(sale_line_ids)):
            delivered = self.conn.scalar(sa.select(sa.func.coalesce(sa.func.sum(t.c.quantity), 0.0))
                                         .join(locations, locations.c.id == t.c.location_dest_id)
                                         .where(t.c.sale_line_id == line_id, t.c.state == "done",
                                                locations.c.usage == "customer"))
            sale_lines.write([line_id], {"qty_delivered": delivered or 0.0})


class StockMoveLine(Model):
    _name = "stock.move.line"
    _description = "Product Moves (Stock Move Line)"
    _rec_name = "reference"

    move_id = Many2one("stock.move", "Stock Operation", index=True, ondelete="cascade")
    picking_id = Many2one("stock.picking", "Transfer", index=True)
    product_id = Many2one("product.product", "Product", required=True, ondelete="cascade")
    product_uom_id = Many2one("uom.uom", "Unit", required=True)
    quantity = Float("Quantity", default=0.0, digits=uom_digits)
    picked = Boolean("Picked", default=False)
    location_id = Many2one("stock.location", "From", required=True, index=True)
    location_dest_id = Many2one("stock.location", "To", required=True, index=True)
    company_id = Many2one("res.company", "Company", default=lambda env: 1)
    date = Datetime("Date", default=lambda env: now())
    reference = Char("Reference", compute="_compute_reference")
    state = Selection(MOVE_STATES, "Status", compute="_compute_state")

    def _compute_reference(self, ids):
        pickings = self.env["stock.picking"].table
        rows = self.conn.execute(sa.select(self.table.c.id, pickings.c.name).select_from(
            self.table.outerjoin(pickings, pickings.c.id == self.table.c.picking_id)).where(self.table.c.id.in_(ids)))
        return {i: name or False for i, name in rows}

    def _compute_state(self, ids):
        moves = self.env["stock.move"].table
        rows = self.conn.execute(sa.select(self.table.c.id, moves.c.state).join(
            moves, moves.c.id == self.table.c.move_id).where(self.table.c.id.in_(ids)))
        return dict(rows.all())


class StockBackorderConfirmation(Model):
    """The "Create Backorder?" wizard button_validate answers with for a partial transfer. Create it with the
    action's context (default_pick_ids, button_validate_picking_ids), then `process` (backorder the rest) or
    `process_cancel_backorder` (no backorder: the rest is cancelled)."""

    _name = "stock.backorder.confirmation"
    _description = "Backorder Confirmation"

    pick_ids = Many2many("stock.picking", "stock_picking_backorder_rel", string="Pick")
    show_transfers = Boolean("Show Transfers", default=False)
    backorder_confirmation_line_ids = One2many("stock.backorder.confirmation.line", "backorder_confirmation_id",
                                               "Backorder Confirmation Lines")

    def create(self, vals_list):
        single = isinstance(vals_list, dict)
        items = [vals_list] if single else vals_list
        if not isinstance(items, list) or not all(isinstance(v, dict) for v in items):
            return super().create(vals_list)
        context = self.env.context
        prepared = []
        for vals in items:
            vals = dict(vals)
            # The defaults the form would get from the action's context (default_get).
            if "pick_ids" not in vals and context.get("default_pick_ids"):
                vals["pick_ids"] = context["default_pick_ids"]
            if "show_transfers" not in vals and "default_show_transfers" in context:
                vals["show_transfers"] = context["default_show_transfers"]
            if "backorder_confirmation_line_ids" not in vals:
                picks = [c[1] for c in vals.get("pick_ids") or [] if isinstance(c, (list, tuple)) and c and c[0] == 4]
                picks += [i for c in vals.get("pick_ids") or [] if isinstance(c, (list, tuple)) and c and c[0] == 6
                          for i in c[2]]
                vals["backorder_confirmation_line_ids"] = [(0, 0, {"picking_id": p, "to_backorder": True})
                                                           for p in picks]
            prepared.append(vals)
        ids = super().create(prepared)
        return ids[0] if single else ids

    @records_method("write")
    def process(self, ids):
        ids = self.ids_arg(ids)
        lines = self.env["stock.backorder.confirmation.line"].table
        not_to_do = list(self.conn.scalars(sa.select(lines.c.picking_id).where(
            lines.c.backorder_confirmation_id.in_(ids), lines.c.to_backorder.is_(False))))
        to_validate = self.env.context.get("button_validate_picking_ids")
        if not to_validate:
            return True
        pickings = self.env["stock.picking"].with_context(skip_backorder=True,
                                                          picking_ids_not_to_backorder=not_to_do or None)
        return pickings.button_validate(list(to_validate))

    @records_method("write")
    def process_cancel_backorder(self, ids):
        ids = self.ids_arg(ids)
        to_validate = self.env.context.get("button_validate_picking_ids")
        if not to_validate:
            return True
        picks = self._x2many_ids(self.spec.fields["pick_ids"], ids)
        pickings = self.env["stock.picking"].with_context(
            skip_backorder=True, picking_ids_not_to_backorder=[p for ps in picks.values() for p in ps])
        return pickings.button_validate(list(to_validate))


class StockBackorderConfirmationLine(Model):
    _name = "stock.backorder.confirmation.line"
    _description = "Backorder Confirmation Line"

    backorder_confirmation_id = Many2one("stock.backorder.confirmation", "Immediate Transfer", ondelete="cascade")
    picking_id = Many2one("stock.picking", "Transfer")
    to_backorder = Boolean("To Backorder", default=False)
