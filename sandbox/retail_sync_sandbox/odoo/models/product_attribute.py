"""Product attributes (size, colour) and the variants they generate: one product.product per
combination of a template's attribute values, as Odoo's `_create_variant_ids` does."""

from __future__ import annotations

import itertools

import sqlalchemy as sa

from ..exceptions import UserError, ValidationError
from ..fields import Boolean, Char, Float, Integer, Many2many, Many2one, One2many, Selection
from ..model import Model

# ir.config_parameter `product.dynamic_variant_limit`, which a fresh database does not set.
VARIANT_LIMIT = 1000
TOO_MANY_VARIANTS = (
    "The number of variants to generate is above allowed limit. You should either not generate variants for each "
    "combination or generate them on demand from the sales order. To do so, open the form view of attributes and "
    "change the mode of *Create Variants*."
)


class ProductAttribute(Model):
    _name = "product.attribute"
    _description = "Product Attribute"
    _order = "sequence, id"

    name = Char("Attribute", required=True)
    sequence = Integer("Sequence", default=20)
    create_variant = Selection([("always", "Instantly"), ("dynamic", "Dynamically"), ("no_variant", "Never")],
                               "Variant Creation Mode", required=True, default="always")
    display_type = Selection([("radio", "Radio"), ("pills", "Pills"), ("select", "Select"), ("color", "Color")],
                             "Display Type", required=True, default="radio")
    value_ids = One2many("product.attribute.value", "attribute_id", "Values")


class ProductAttributeValue(Model):
    _name = "product.attribute.value"
    _description = "Attribute Value"
    _order = "attribute_id, sequence, id"
    _unique = ((("attribute_id", "name"), "You cannot create two values with the same name for the same attribute."),)

    name = Char("Value", required=True)
    attribute_id = Many2one("product.attribute", "Attribute", required=True, ondelete="cascade", index=True)
    sequence = Integer("Sequence", default=10)
    html_color = Char("Color")

    def _display_names(self, ids):
        values = self.conn.execute(sa.select(self.table.c.id, self.table.c.name, self.table.c.attribute_id)
                                   .where(self.table.c.id.in_(ids))).all()
        attributes = self.env["product.attribute"]._display_names([v.attribute_id for v in values])
        return {v.id: f"{attributes.get(v.attribute_id)}: {v.name}" for v in values}


class ProductTemplateAttributeLine(Model):
    _name = "product.template.attribute.line"
    _description = "Product Template Attribute Line"
    _rec_name = "attribute_id"

    product_tmpl_id = Many2one("product.template", "Product Template", required=True, ondelete="cascade",
                               index=True)
    attribute_id = Many2one("product.attribute", "Attribute", required=True, ondelete="restrict", index=True)
    value_ids = Many2many("product.attribute.value", "product_attribute_value_product_template_attribute_line_rel",
                          "product_template_attribute_line_id", "product_attribute_value_id", "Values")
    product_template_value_ids = One2many("product.template.attribute.value", "attribute_line_id", "Product Values")
    active = Boolean("Active", default=True)

    def _validate(self, ids):
        for line in self.read(ids, ["attribute_id", "value_ids", "product_tmpl_id"], load=None):
            if not line["value_ids"]:
                raise ValidationError("An attribute line must have at least one value.")
            values = self.env["product.attribute.value"].read(line["value_ids"], ["attribute_id"], load=None)
            if any(v["attribute_id"] != line["attribute_id"] for v in values):
                raise ValidationError("You cannot use values of another attribute on this attribute line.")

    def _after_create(self, ids, vals_list):
        self._sync_templates(ids)

    def _after_write(self, ids, vals):
        self._sync_templates(ids)

    def _sync_templates(self, ids):
        templates = self.read(ids, ["product_tmpl_id"], load=None)
        self.env["product.template"].sudo().sync_variants(sorted({t["product_tmpl_id"] for t in templates}))


class ProductTemplateAttributeValue(Model):
    _name = "product.template.attribute.value"
    _description = "Product Template Attribute Value"
    _rec_name = "product_attribute_value_id"

    product_attribute_value_id = Many2one("product.attribute.value", "Attribute Value", required=True,
                                          ondelete="cascade", index=True)
    attribute_line_id = Many2one("product.template.attribute.line", "Attribute Line", required=True,
                                 ondelete="cascade", index=True)
    product_tmpl_id = Many2one("product.template", "Product Template", required=True, ondelete="cascade", index=True)
    attribute_id = Many2one("product.attribute", "Attribute", required=True)
    price_extra = Float("Value Price Extra", default=0.0, digits="Product Price")
    ptav_active = Boolean("Active", default=True)

    def _display_names(self, ids):
        rows = self.conn.execute(sa.select(self.table.c.id, self.table.c.product_attribute_value_id)
                                 .where(self.table.c.id.in_(ids))).all()
        names = self.env["product.attribute.value"]._display_names([r.product_attribute_value_id for r in rows])
        return {r.id: names.get(r.product_attribute_value_id) for r in rows}


class ProductTemplateWithAttributes(Model):
    _inherit = "product.template"

    attribute_line_ids = One2many("product.template.attribute.line", "product_tmpl_id", "Product Attributes")

    def sync_variants(self, ids):
        """`_create_variant_ids`: one variant per combination of the lines' active values, for attributes
        that create variants instantly. Existing combinations keep their variant (reactivated if archived);
        a new combination gets a new variant, never a recycled one (so the attribute-less first variant
        is not reused); variants of combinations that no longer exist are deleted, or archived when
        something still refers to them. More than VARIANT_LIMIT new variants for one template is refused."""
        env = self.env.sudo()
        lines_model, ptavs, products = (env["product.template.attribute.line"],
                                        env["product.template.attribute.value"], env["product.product"])
        for template in ids:
            lines = lines_model.search_read([["product_tmpl_id", "=", template]], ["attribute_id", "value_ids"],
                                            load=None)
            per_line, dynamic = [], False
            for line in lines:
                mode = env["product.attribute"].read([line["attribute_id"]], ["create_variant"])[0]["create_variant"]
                existing = {p["product_attribute_value_id"]: p for p in ptavs.with_context(active_test=False).search_read(
                    [["attribute_line_id", "=", line["id"]]], ["product_attribute_value_id", "ptav_active"],
                    load=None)}
                for value in line["value_ids"]:
                    if value not in existing:
                        new = ptavs.create({"product_attribute_value_id": value, "attribute_line_id": line["id"],
                                            "product_tmpl_id": template, "attribute_id": line["attribute_id"]})
                        existing[value] = {"id": new, "ptav_active": True}
                    elif not existing[value]["ptav_active"]:
                        ptavs.write([existing[value]["id"]], {"ptav_active": True})
                gone = [p["id"] for v, p in existing.items() if v not in line["value_ids"] and p["ptav_active"]]
                if gone:
                    ptavs.write(gone, {"ptav_active": False})
                dynamic = dynamic or mode == "dynamic"
                if mode != "no_variant":
                    per_line.append([existing[v]["id"] for v in line["value_ids"]])
            variants = products.with_context(active_test=False).search_read(
                [["product_tmpl_id", "=", template]], ["combination_indices", "active"], load=None)
            # Odoo keys existing variants by combination, an active one winning over an archived one.
            by_combo = {}
            for variant in sorted(variants, key=lambda v: (v["active"], -v["id"])):
                by_combo[variant["combination_indices"] or ""] = variant
            keep, create = set(), []
            if not dynamic:
                for combo in itertools.product(*per_line):
                    key = ",".join(str(i) for i in sorted(combo))
                    if key in by_combo:
                        keep.add(by_combo[key]["id"])
                        continue
                    create.append({"product_tmpl_id": template, "combination_indices": key or False,
                                   "product_template_attribute_value_ids": [(6, 0, sorted(combo))]})
                    if len(create) > VARIANT_LIMIT:
                        raise UserError(TOO_MANY_VARIANTS)
            else:
                keep = {v["id"] for v in variants}  # dynamic attributes: variants are made on demand, kept
            revive = [v["id"] for v in variants if v["id"] in keep and not v["active"]]
            if revive:
                products.write(revive, {"active": True})
            if create:
                products.create(create)
            unlink_or_archive(products, [v["id"] for v in variants if v["id"] not in keep])


def unlink_or_archive(products: Model, ids: list[int]) -> None:
    """product.product._unlink_or_archive: delete in as few calls as possible, halving the batch when a
    deletion is refused (a quant or another restricting reference), and archive what cannot go."""
    if not ids:
        return
    savepoint = products.conn.begin_nested()
    try:
        products.unlink(ids)
    except (UserError, sa.exc.IntegrityError):
        savepoint.rollback()
        if len(ids) > 1:
            middle = len(ids) // 2
            unlink_or_archive(products, ids[:middle])
            unlink_or_archive(products, ids[middle:])
        else:
            products.write(ids, {"active": False})
    else:
        savepoint.commit()


class ProductProductWithAttributes(Model):
    _inherit = "product.product"

    product_template_attribute_value_ids = Many2many(
        "product.template.attribute.value", "product_variant_combination", "product_product_id",
        "product_template_attribute_value_id", "Attribute Values")
    combination_indices = Char("Combination Indices", index=True)

    def _display_names(self, ids):
        names = super()._display_names(ids)
        combos = self._x2many_ids(self.spec.fields["product_template_attribute_value_ids"], ids)
        values = self.env["product.template.attribute.value"]._display_names(
            sorted({v for vs in combos.values() for v in vs}))
        for product, ptavs in combos.items():
            if ptavs:
                names[product] += " (" + ", ".join(values[v].split(": ", 1)[-1] for v in ptavs) + ")"
        return names
