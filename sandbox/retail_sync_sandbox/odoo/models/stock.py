"""Warehouses, locations and quants; stock is set the Odoo way, through inventory mode."""

from __future__ import annotations

import sqlalchemy as sa

from ..api import records_method
from ..exceptions import UserError, ValidationError
from ..fields import Boolean, Char, Datetime, Float, Integer, Many2one, Selection
from ..model import Model, now

LOCATION_USAGES = [("supplier", "Vendor"), ("view", "Virtual"), ("internal", "Internal"), ("customer", "Customer"),
                   ("inventory", "Inventory Loss"), ("production", "Production"), ("transit", "Transit")]


class StockLocation(Model):
    _name = "stock.location"
    _description = "Inventory Locations"
    _order = "complete_name, id"
    _rec_name = "complete_name"
    _parent_name = "location_id"

    name = Char("Location Name", required=True)
    complete_name = Char("Full Location Name", compute="_compute_complete_name", store=True)
    location_id = Many2one("stock.location", "Parent Location", index=True, ondelete="cascade")
    usage = Selection(LOCATION_USAGES, "Location Type", required=True, default="internal")
    active = Boolean("Active", default=True)
    company_id = Many2one("res.company", "Company")
    warehouse_id = Many2one("stock.warehouse", "Warehouse")
    barcode = Char("Barcode")

    def _recompute(self, ids):
        # Odoo's rule: a view location is named alone, anything else after its parent ("WH/Stock").
        t = self.table
        for i in self.hierarchy_ids(ids, down=True):
            row = self.conn.execute(sa.select(t.c.name, t.c.location_id, t.c.usage).where(t.c.id == i)).one()
            name = row.name
            if row.location_id and row.usage != "view":
                parent = self.conn.scalar(sa.select(t.c.complete_name).where(t.c.id == row.location_id))
                name = f"{parent}/{row.name}"
            self.conn.execute(sa.update(t).where(t.c.id == i).values(complete_name=name))


class StockWarehouse(Model):
    _name = "stock.warehouse"
    _description = "Warehouse"
    _order = "sequence, id"
    _unique = ((("code", "company_id"), "The short name of the warehouse must be unique per company!"),)

    name = Char("Warehouse", required=True)
    code = Char("Short Name", size=5, required=True)
    sequence = Integer("Sequence", default=10)
    company_id = Many2one("res.company", "Company", required=True, default=lambda env: 1)
    partner_id = Many2one("res.partner", "Address")
    view_location_id = Many2one("stock.location", "View Location")
    lot_stock_id = Many2one("stock.location", "Location Stock")
    active = Boolean("Active", default=True)

    def _after_create(self, ids, vals_list):
        locations = self.env["stock.location"].sudo()
        for i in ids:
            row = self.conn.execute(sa.select(self.table.c.code, self.table.c.company_id).where(self.table.c.id == i)).one()
            physical = self.env["ir.model.data"].resolve("stock", "stock_location_locations")
            view = locations.create({"name": row.code, "usage": "view", "warehouse_id": i, "location_id": physical,
                                     "company_id": row.company_id})
            stock = locations.create({"name": "Stock", "usage": "internal", "location_id": view, "warehouse_id": i,
                                      "company_id": row.company_id})
            self.conn.execute(sa.update(self.table).where(self.table.c.id == i).values(
                view_location_id=view, lot_stock_id=stock))


class StockQuant(Model):
    _name = "stock.quant"
    _description = "Quants"
    _rec_name = "product_id"

    product_id = Many2one("product.product", "Product", required=True, ondelete="restrict", index=True)
    location_id = Many2one("stock.location", "Location", required=True, ondelete="restrict", index=True)
    company_id = Many2one("res.company", "Company", default=lambda env: 1)
    quantity = Float("Quantity", readonly=True, default=0.0)
    reserved_quantity = Float("Reserved Quantity", readonly=True, default=0.0)
    inventory_quantity = Float("Counted Quantity", default=0.0)
    inventory_diff_quantity = Float("Difference", compute="_compute_diff")
    inventory_quantity_set = Boolean("Inventory Quantity Set", default=False)
    inventory_date = Datetime("Scheduled Date")
    user_id = Many2one("res.users", "Assigned To")

    INVENTORY_FIELDS = {"inventory_quantity", "inventory_quantity_set", "inventory_date", "user_id"}

    def _compute_diff(self, ids):
        rows = self.conn.execute(sa.select(self.table.c.id, self.table.c.quantity, self.table.c.inventory_quantity,
                                           self.table.c.inventory_quantity_set).where(self.table.c.id.in_(ids)))
        return {i: (counted - quantity) if is_set else 0.0 for i, quantity, counted, is_set in rows}

    def _prepare_create(self, vals_list):
        if not self.env.context.get("inventory_mode") and not self.env.su:
            raise UserError("Quant's creation is restricted, you can't do this operation.")
        for vals in vals_list:
            if "inventory_quantity" in vals:
                vals.setdefault("inventory_quantity_set", True)
        return super()._prepare_create(vals_list)

    def create(self, vals_list):
        """In inventory mode a quant for an existing (product, location) is updated, not duplicated."""
        single = isinstance(vals_list, dict)
        items = [vals_list] if single else vals_list
        if not isinstance(items, list) or not all(isinstance(v, dict) for v in items):
            return super().create(vals_list)
        ids, fresh, positions = [None] * len(items), [], []
        for index, vals in enumerate(items):
            existing = None
            if vals.get("product_id") and vals.get("location_id"):
                existing = self.conn.scalar(sa.select(self.table.c.id).where(
                    self.table.c.product_id == vals["product_id"], self.table.c.location_id == vals["location_id"]))
            if existing and self.env.context.get("inventory_mode"):
                update = {k: v for k, v in vals.items() if k in self.INVENTORY_FIELDS}
                if "inventory_quantity" in update:
                    update.setdefault("inventory_quantity_set", True)
                super().write([existing], update)
                ids[index] = existing
            else:
                fresh.append(vals)
                positions.append(index)
        if fresh:
            for index, new_id in zip(positions, super().create(fresh)):
                ids[index] = new_id
        return ids[0] if single else ids

    def write(self, ids, vals):
        if not self.env.su and set(vals) - self.INVENTORY_FIELDS:
            raise UserError("Quant's editing is restricted, you can't do this operation.")
        if "inventory_quantity" in vals:
            vals = {**vals, "inventory_quantity_set": vals.get("inventory_quantity_set", True)}
        return super().write(ids, vals)

    def _validate(self, ids):
        t, locations = self.table, self.env["stock.location"].table
        bad = self.conn.scalar(sa.select(sa.func.count()).select_from(t.join(locations, locations.c.id == t.c.location_id))
                               .where(t.c.id.in_(ids), locations.c.usage == "view"))
        if bad:
            raise ValidationError("You cannot take products from or deliver products to a location of type \"view\".")

    @records_method("write")
    def action_apply_inventory(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        t = self.table
        stamp = now()
        self.conn.execute(sa.update(t).where(t.c.id.in_(ids), t.c.inventory_quantity_set.is_(True)).values(
            quantity=t.c.inventory_quantity, inventory_quantity=0.0, inventory_quantity_set=False,
            write_date=stamp, write_uid=self.env.uid))
        return None
