"""Warehouses, locations and quants; stock is set the Odoo way, through inventory mode."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..api import records_method
from ..exceptions import UserError, ValidationError
from ..fields import Boolean, Char, Date, Float, Integer, Many2one, Selection
from ..model import Model, has_group, now
from .product import uom_digits

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
    company_id = Many2one("res.company", "Company", default=lambda env: 1)   # Odoo: the user's company
    # Odoo computes and stores it: the warehouse whose view location is this location or its nearest ancestor
    # (none without a company), so a shelf added under WH/Stock belongs to WH without anyone setting it.
    warehouse_id = Many2one("stock.warehouse", "Warehouse", compute="_compute_warehouse_id", store=True)
    barcode = Char("Barcode")

    def _recompute(self, ids):
        # Odoo's rule: a view location is named alone, anything else after its parent ("WH/Stock").
        t = self.table
        views = dict(self.conn.execute(sa.select(self.env["stock.warehouse"].table.c.view_location_id,
                                                 self.env["stock.warehouse"].table.c.id)).all())
        for i in self.hierarchy_ids(ids, down=True):
            row = self.conn.execute(sa.select(t.c.name, t.c.location_id, t.c.usage, t.c.company_id)
                                    .where(t.c.id == i)).one()
            name = row.name
            if row.location_id and row.usage != "view":
                parent = self.conn.scalar(sa.select(t.c.complete_name).where(t.c.id == row.location_id))
                name = f"{parent}/{row.name}"
            warehouse = self._warehouse_of(i, views) if row.company_id else None
            self.conn.execute(sa.update(t).where(t.c.id == i).values(complete_name=name, warehouse_id=warehouse))

    def _warehouse_of(self, location: int, views: dict[int, int]) -> int | None:
        t, current = self.table, location
        while current is not None:
            if current in views:
                return views[current]
            current = self.conn.scalar(sa.select(t.c.location_id).where(t.c.id == current))
        return None


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
            view = locations.create({"name": row.code, "usage": "view", "location_id": physical,
                                     "company_id": row.company_id})
            stock = locations.create({"name": "Stock", "usage": "internal", "location_id": view,
                                      "company_id": row.company_id})
            self.conn.execute(sa.update(self.table).where(self.table.c.id == i).values(
                view_location_id=view, lot_stock_id=stock))
            locations._recompute([view])   # the view location now is the warehouse's: so is everything under it


class StockQuant(Model):
    """On-hand stock per product and location, set the Odoo way: counted in inventory mode, then applied.

    Inventory mode (`context={'inventory_mode': True}`) counts only for members of the stock groups;
    applying a count whose quant moved since it was counted returns the conflict wizard instead.
    Applying sets the quantity directly: the sandbox keeps no stock.move history.
    """

    _name = "stock.quant"
    _description = "Quants"
    _rec_name = "product_id"

    product_id = Many2one("product.product", "Product", required=True, ondelete="restrict", index=True)
    location_id = Many2one("stock.location", "Location", required=True, ondelete="restrict", index=True)
    company_id = Many2one("res.company", "Company", default=lambda env: 1)
    quantity = Float("Quantity", readonly=True, default=0.0, digits=uom_digits)
    reserved_quantity = Float("Reserved Quantity", readonly=True, default=0.0, digits=uom_digits)
    inventory_quantity = Float("Counted Quantity", default=0.0, digits=uom_digits)
    inventory_quantity_auto_apply = Float("Inventoried Quantity", digits=uom_digits,
                                          compute="_compute_auto_apply", inverse="_set_inventory_quantity",
                                          groups="stock.group_stock_manager")
    # Stored when the count is entered: a later change of `quantity` makes the count outdated.
    inventory_diff_quantity = Float("Difference", readonly=True, default=0.0, digits=uom_digits)
    inventory_quantity_set = Boolean("Inventory Quantity Set", default=False)
    is_outdated = Boolean("Quantity has been moved since last count", compute="_compute_is_outdated")
    inventory_date = Date("Scheduled Date")
    user_id = Many2one("res.users", "Assigned To")

    # _get_inventory_fields_create / _get_forbidden_fields_write, without lots, packages and owners.
    INVENTORY_CREATE_FIELDS = {"product_id", "location_id", "inventory_quantity", "inventory_quantity_auto_apply",
                               "inventory_diff_quantity", "inventory_date", "user_id", "inventory_quantity_set",
                               "company_id"}
    FORBIDDEN_WRITE_FIELDS = {"product_id", "location_id"}
    STOCK_USER = "stock.group_stock_user"

    def _is_inventory_mode(self) -> bool:
        return bool(self.env.context.get("inventory_mode")) and has_group(self.env, self.STOCK_USER)

    def _compute_auto_apply(self, ids):
        rows = self.conn.execute(sa.select(self.table.c.id, self.table.c.quantity).where(self.table.c.id.in_(ids)))
        return dict(rows.all())

    def _compute_is_outdated(self, ids):
        t = self.table
        rows = self.conn.execute(sa.select(t.c.id, t.c.quantity, t.c.inventory_quantity, t.c.inventory_diff_quantity,
                                           t.c.inventory_quantity_set).where(t.c.id.in_(ids)))
        return {i: bool(is_set) and abs((counted - diff) - quantity) > 1e-9
                for i, quantity, counted, diff, is_set in rows}

    def create(self, vals_list):
        single = isinstance(vals_list, dict)
        items = [vals_list] if single else vals_list
        if not isinstance(items, list) or not all(isinstance(v, dict) for v in items):
            return super().create(vals_list)
        inventory_mode = self._is_inventory_mode()
        ids = []
        for vals in items:
            if inventory_mode and ("inventory_quantity" in vals or "inventory_quantity_auto_apply" in vals):
                ids.append(self._count(dict(vals)))
            else:
                vals = dict(vals)
                if "inventory_quantity" in vals:
                    vals.setdefault("inventory_quantity_set", True)
                ids.append(super().create(vals))
        return ids[0] if single else ids

    def _count(self, vals: dict) -> int:
        """Inventory mode: find or create the quant of (product, location) and enter the count on it."""
        if set(vals) - self.INVENTORY_CREATE_FIELDS:
            raise UserError("Quant's creation is restricted, you can't do this operation.")
        # Odoo writes the auto-applied count as superuser here: a stock user may count-and-apply through
        # create, though reading or writing inventory_quantity_auto_apply itself is for stock managers.
        auto_apply = "inventory_quantity_auto_apply" in vals
        counted = vals.pop("inventory_quantity_auto_apply", False) or vals.pop("inventory_quantity", False) or 0
        vals.pop("inventory_quantity", None)
        t = self.table
        quant = self.conn.scalar(sa.select(t.c.id).where(t.c.product_id == vals.get("product_id"),
                                                        t.c.location_id == vals.get("location_id")).limit(1))
        if quant is None:
            quant = super(StockQuant, self.sudo()).create(vals)
        if auto_apply:
            self.sudo().write([quant], {"inventory_quantity_auto_apply": counted})
        else:
            self.write([quant], {"inventory_quantity": counted, "user_id": vals.get("user_id", self.env.uid),
                                 "inventory_date": dt.date.today().isoformat()})
        return quant

    def write(self, ids, vals):
        if self._is_inventory_mode() and self.FORBIDDEN_WRITE_FIELDS & set(vals):
            raise UserError("Quant's editing is restricted, you can't do this operation.")
        if "inventory_quantity" in vals:
            # inventory_quantity_set and the stored difference follow the count (their computes in Odoo).
            ids = self.ids_arg(ids)
            result = super().write(ids, {**vals, "inventory_quantity_set": vals.get("inventory_quantity_set", True)})
            t = self.table
            self.conn.execute(sa.update(t).where(t.c.id.in_(ids)).values(
                inventory_diff_quantity=t.c.inventory_quantity - t.c.quantity))
            return result
        return super().write(ids, vals)

    def _set_inventory_quantity(self, ids, values):
        """The inverse of inventory_quantity_auto_apply: count and apply at once, in inventory mode only."""
        if not self._is_inventory_mode():
            return
        counted = values["inventory_quantity_auto_apply"] or 0.0
        t = self.table
        changed = list(self.conn.scalars(sa.select(t.c.id).where(t.c.id.in_(ids), t.c.quantity != counted)))
        if changed:
            self.sudo().write(changed, {"inventory_quantity": counted})
            self._apply(changed)

    def _validate(self, ids):
        t, locations = self.table, self.env["stock.location"].table
        view = self.conn.execute(sa.select(locations.c.name).select_from(
            t.join(locations, locations.c.id == t.c.location_id)).where(
            t.c.id.in_(ids), locations.c.usage == "view")).first()
        if view:
            raise ValidationError(
                f'You cannot take products from or deliver products to a location of type "view" ({view.name}).')
        products = self.conn.scalars(sa.select(t.c.product_id).where(t.c.id.in_(ids))).all()
        if not all(_is_storable(self.env, p) for p in set(products)):
            raise ValidationError("Quants cannot be created for consumables or services.")

    @records_method("write")
    def action_apply_inventory(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        outdated = [i for i, is_outdated in self._compute_is_outdated(ids).items() if is_outdated]
        if outdated:
            context = {**self.env.context, "default_quant_ids": ids, "default_quant_to_fix_ids": sorted(outdated)}
            return {"name": "Conflict in Inventory Adjustment", "type": "ir.actions.act_window", "view_mode": "form",
                    "views": [[False, "form"]], "res_model": "stock.inventory.conflict", "target": "new",
                    "context": context}
        self._apply(ids)
        return None

    def _apply(self, ids: list[int]) -> None:
        t = self.table
        self.conn.execute(sa.update(t).where(t.c.id.in_(ids), t.c.inventory_quantity_set.is_(True)).values(
            quantity=t.c.inventory_quantity, inventory_quantity=0.0, inventory_diff_quantity=0.0,
            inventory_quantity_set=False, write_date=now(), write_uid=self.env.uid))


def _is_storable(env, product_id: int) -> bool:
    """17: `type == 'product'`; 18+: `is_storable` (check_product_id)."""
    field = "type" if env.version == 17 else "is_storable"
    value = env["product.product"].sudo().read([product_id], [field])[0][field]
    return value == "product" if env.version == 17 else bool(value)
