"""Units, product categories, templates and their variants, pricelists and pricelist rules.

Version differences live in the field declarations: 17 has `detailed_type` with the storable
`product` type; 18+ has `type` consu/service/combo plus `is_storable`.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..exceptions import ValidationError
from ..fields import Boolean, Char, Datetime, Float, Integer, Many2many, Many2one, One2many, Selection, Text
from ..model import Model


def uom_digits(version: int) -> str:
    """The decimal.precision of quantities: renamed "Product Unit" by 19's uom rewrite."""
    return "Product Unit" if version >= 19 else "Product Unit of Measure"


def _xmlid_default(module: str, name: str):
    return lambda env: env["ir.model.data"].sudo().resolve(module, name) or None


class UomCategory(Model):
    _name = "uom.category"
    _description = "Product UoM Categories"
    _versions = frozenset({17, 18})

    name = Char("Unit of Measure Category", required=True)


class UomUom(Model):
    _name = "uom.uom"
    _description = "Product Unit of Measure"
    _order = "name"

    name = Char("Unit of Measure", required=True)
    category_id = Many2one("uom.category", "Category", required=True, ondelete="restrict", versions=(17, 18))
    factor = Float("Ratio", default=1.0)
    uom_type = Selection([("bigger", "Bigger than the reference Unit of Measure"),
                          ("reference", "Reference Unit of Measure for this category"),
                          ("smaller", "Smaller than the reference Unit of Measure")], "Type",
                         default="reference", versions=(17, 18))
    relative_factor = Float("Contains", default=1.0, versions=(19,))
    relative_uom_id = Many2one("uom.uom", "Reference Unit", versions=(19,))
    rounding = Float("Rounding Precision", default=0.01)
    active = Boolean("Active", default=True)


class ProductCategory(Model):
    _name = "product.category"
    _description = "Product Category"
    _order = "complete_name"
    _rec_name = "complete_name"

    name = Char("Name", required=True, index=True)
    complete_name = Char("Complete Name", compute="_compute_complete_name", store=True)
    parent_id = Many2one("product.category", "Parent Category", index=True, ondelete="cascade")
    parent_path = Char("Parent Path", index=True)
    child_id = One2many("product.category", "parent_id", "Child Categories")

    def _validate(self, ids):
        for i in ids:
            if self._is_own_ancestor(i):
                raise ValidationError("You cannot create recursive categories.")

    def _is_own_ancestor(self, record_id: int) -> bool:
        seen, node = set(), record_id
        while True:
            node = self.conn.scalar(sa.select(self.table.c.parent_id).where(self.table.c.id == node))
            if node is None:
                return False
            if node == record_id or node in seen:
                return True
            seen.add(node)

    def _recompute(self, ids):
        t = self.table
        for i in self.hierarchy_ids(ids, down=True):
            if self._is_own_ancestor(i):
                continue  # _validate refuses the cycle; don't loop on it here
            names, path, node = [], [], i
            while node is not None:
                row = self.conn.execute(sa.select(t.c.name, t.c.parent_id).where(t.c.id == node)).one()
                names.insert(0, row.name)
                path.insert(0, str(node))
                node = row.parent_id
            self.conn.execute(sa.update(t).where(t.c.id == i).values(
                complete_name=" / ".join(names), parent_path="/".join(path) + "/"))


PRODUCT_TYPES_17 = [("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product")]
PRODUCT_TYPES_18 = [("consu", "Goods"), ("service", "Service"), ("combo", "Combo")]
# Fields kept on the variant; the template shows them when it has exactly one variant.
VARIANT_FIELDS = ("default_code", "barcode", "standard_price", "weight", "volume")


class ProductTemplate(Model):
    _name = "product.template"
    _description = "Product"
    _order = "priority desc, name"

    name = Char("Name", required=True, index=True)
    sequence = Integer("Sequence", default=1)
    priority = Selection([("0", "Normal"), ("1", "Favorite")], "Favorite", default="0")
    description = Text("Description")
    description_sale = Text("Sales Description")
    detailed_type = Selection(PRODUCT_TYPES_17, "Product Type", required=True, default="consu", versions=(17,))
    type = Selection(lambda v: PRODUCT_TYPES_17 if v == 17 else PRODUCT_TYPES_18, "Product Type",
                     required=True, default="consu")
    is_storable = Boolean("Track Inventory", default=False, versions=(18, 19))
    categ_id = Many2one("product.category", "Product Category", required=True,
                        default=_xmlid_default("product", "product_category_all"))
    list_price = Float("Sales Price", default=1.0, digits="Product Price")
    uom_id = Many2one("uom.uom", "Unit of Measure", required=True, default=_xmlid_default("uom", "product_uom_unit"))
    uom_po_id = Many2one("uom.uom", "Purchase Unit", required=True, versions=(17, 18),
                         default=_xmlid_default("uom", "product_uom_unit"))
    sale_ok = Boolean("Can be Sold", default=True)
    purchase_ok = Boolean("Can be Purchased", default=True)
    active = Boolean("Active", default=True)
    company_id = Many2one("res.company", "Company", index=True)
    taxes_id = Many2many("account.tax", "product_taxes_rel", "prod_id", "tax_id", "Customer Taxes")
    supplier_taxes_id = Many2many("account.tax", "product_supplier_taxes_rel", "prod_id", "tax_id", "Vendor Taxes")
    product_variant_ids = One2many("product.product", "product_tmpl_id", "Products")
    product_variant_id = Many2one("product.product", "Product", compute="_compute_variant")
    product_variant_count = Integer("# Product Variants", compute="_compute_variant_count")
    default_code = Char("Internal Reference", compute="_format_rows", inverse="_inverse_variant_field",
                         search="_search_variant_field")
    barcode = Char("Barcode", compute="_format_rows", inverse="_inverse_variant_field",
                         search="_search_variant_field")
    standard_price = Float("Cost", compute="_format_rows", inverse="_inverse_variant_field",
                           search="_search_variant_field", digits="Product Price")
    weight = Float("Weight", compute="_format_rows", inverse="_inverse_variant_field",
                   search="_search_variant_field", digits="Stock Weight")
    volume = Float("Volume", compute="_format_rows", inverse="_inverse_variant_field",
                   search="_search_variant_field", digits="Volume")
    qty_available = Float("Quantity On Hand", compute="_compute_qty_available")

    def _variants(self, ids) -> dict[int, list[int]]:
        return self._x2many_ids(self.spec.fields["product_variant_ids"], ids)

    def _compute_variant(self, ids):
        return {i: (v[0] if v else None) for i, v in self._variants(ids).items()}

    def _compute_variant_count(self, ids):
        variants = self._variants(ids)
        return {i: len(variants.get(i, [])) for i in ids}

    def _format_rows(self, rows, fields, load):
        # The VARIANT_FIELDS are computed here, in one read of the single variants, not one by one.
        mirrored = [f for f in fields if f in VARIANT_FIELDS]
        out = super()._format_rows(rows, [f for f in fields if f not in VARIANT_FIELDS], load)
        if mirrored:
            variants = self._variants([r["id"] for r in out])
            single = {tmpl: v[0] for tmpl, v in variants.items() if len(v) == 1}
            values = {r["id"]: r for r in self.env["product.product"].sudo().read(list(single.values()), mirrored)}
            for rec in out:
                variant = values.get(single.get(rec["id"]), {})
                for name in mirrored:
                    rec[name] = variant.get(name, self.spec.fields[name].to_read(None))
        return out

    def _search_variant_field(self, name, operator, value):
        return [("product_variant_ids", "any", [(name, operator, value)])]

    def _inverse_variant_field(self, ids, values):
        single = [v[0] for v in self._variants(ids).values() if len(v) == 1]
        if single:
            self.env["product.product"].sudo().write(single, values)

    def _compute_qty_available(self, ids):
        variants = self._variants(ids)
        quantities = self.env["product.product"]._compute_qty_available([v for vs in variants.values() for v in vs])
        return {i: sum(quantities.get(v, 0.0) for v in variants.get(i, [])) for i in ids}

    def _prepare_create(self, vals_list):
        if self.env.version == 17:
            # In 17 `type` follows `detailed_type` (and the reverse) unless both are given.
            vals_list = [dict(vals) for vals in vals_list]
            for vals in vals_list:
                if "detailed_type" in vals and "type" not in vals:
                    vals["type"] = vals["detailed_type"]
                elif "type" in vals and "detailed_type" not in vals:
                    vals["detailed_type"] = vals["type"]
        return super()._prepare_create(vals_list)

    def _after_create(self, ids, vals_list):
        if self.env.context.get("inherits_parent_only"):
            return  # product.product.create() is making this template for itself
        self.sync_variants(ids)

    def sync_variants(self, ids: list[int]) -> None:
        """Give each template one variant; product_attribute.py replaces this with one per combination."""
        have = self._variants(ids)
        missing = [i for i in ids if not have.get(i)]
        if missing:
            self.env["product.product"].sudo().create([{"product_tmpl_id": i} for i in missing])

    def _after_write(self, ids, vals):
        if self.env.version == 17 and "detailed_type" in vals and "type" not in vals:
            self.conn.execute(sa.update(self.table).where(self.table.c.id.in_(ids)).values(type=vals["detailed_type"]))

    def _display_names(self, ids):
        names = super()._display_names(ids)
        codes = self._format_rows([{"id": i} for i in ids], ["default_code"], "_classic_read") if ids else []
        for rec in codes:
            if rec["default_code"]:
                names[rec["id"]] = f"[{rec['default_code']}] {names[rec['id']]}"
        return names


class ProductProduct(Model):
    _name = "product.product"
    _description = "Product Variant"
    _inherits = {"product.template": "product_tmpl_id"}
    _order = "default_code, id"

    product_tmpl_id = Many2one("product.template", "Product Template", required=True, ondelete="cascade", index=True)
    default_code = Char("Internal Reference", index=True)
    barcode = Char("Barcode", index=True)
    standard_price = Float("Cost", default=0.0, digits="Product Price")
    weight = Float("Weight", default=0.0, digits="Stock Weight")
    volume = Float("Volume", default=0.0, digits="Volume")
    active = Boolean("Active", default=True)
    lst_price = Float("Sales Price", compute="_compute_lst_price", digits="Product Price")
    qty_available = Float("Quantity On Hand", compute="_compute_qty_available")

    def _prepare_create(self, vals_list):
        return super(ProductProduct, self.with_context(inherits_parent_only=True))._prepare_create(vals_list)

    def _validate(self, ids):
        check_barcodes(self, self._barcodes_by_company(ids))

    def _barcodes_by_company(self, ids) -> dict[int | None, list[str]]:
        """The barcodes of these variants grouped by their company (a variant's is its template's)."""
        t, templates = self.table, self.env["product.template"].table
        rows = self.conn.execute(sa.select(t.c.barcode, templates.c.company_id)
                                 .join(templates, templates.c.id == t.c.product_tmpl_id)
                                 .where(t.c.id.in_(ids), t.c.barcode.is_not(None), t.c.barcode != ""))
        grouped: dict[int | None, list[str]] = {}
        for barcode, company in rows:
            grouped.setdefault(company, []).append(barcode)
        return grouped

    def _compute_lst_price(self, ids):
        rows = self.read(ids, ["list_price"], load=None)
        return {r["id"]: r["list_price"] for r in rows}

    def _compute_qty_available(self, ids):
        if not ids or "stock.quant" not in self.env:
            return {}
        quants = self.env["stock.quant"].table
        locations = self.env["stock.location"].table
        query = (sa.select(quants.c.product_id, sa.func.sum(quants.c.quantity))
                 .join(locations, locations.c.id == quants.c.location_id)
                 .where(quants.c.product_id.in_(ids), locations.c.usage == "internal")
                 .group_by(quants.c.product_id))
        return dict(self.conn.execute(query).all())

    def _display_names(self, ids):
        rows = self.conn.execute(sa.select(self.table.c.id, self.table.c.default_code, self.table.c.product_tmpl_id)
                                 .where(self.table.c.id.in_(ids))).all()
        templates = self.env["product.template"].sudo()
        names = Model._display_names(templates, [r.product_tmpl_id for r in rows])
        return {r.id: (f"[{r.default_code}] " if r.default_code else "") + (names.get(r.product_tmpl_id) or "")
                for r in rows}


def _company_filter(column, company_id):
    """`('company_id', 'in', (False, company))`, or nothing for a product shared by every company."""
    return sa.or_(column.is_(None), column == company_id) if company_id else sa.true()


def _product_list(env, names: list[str]) -> str:
    """How the message joins product names: 17 with commas; 18+ with format_list ("A and B", "A, B, and C")."""
    if env.version == 17 or len(names) == 1:
        return ", ".join(names)
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return ", ".join(names[:-1]) + f", and {names[-1]}"


def check_barcodes(products: Model, by_company: dict[int | None, list[str]]) -> None:
    """product.product._check_barcode_uniqueness (16+): per company, among active variants, empty
    barcodes skipped, and packagings (17/18 product.packaging, 19 product.uom) checked too."""
    env = products.env
    t, templates = products.table, env["product.template"].table
    for company_id, barcodes in by_company.items():
        if not barcodes:
            continue
        rows = env.conn.execute(
            sa.select(t.c.barcode, t.c.id).join(templates, templates.c.id == t.c.product_tmpl_id)
            .where(t.c.barcode.in_(barcodes), t.c.active.is_(True), _company_filter(templates.c.company_id, company_id))
            .order_by(t.c.barcode, t.c.id)).all()
        holders: dict[str, list[int]] = {}
        for barcode, product_id in rows:
            holders.setdefault(barcode, []).append(product_id)
        duplicates = {b: ids for b, ids in holders.items() if len(ids) > 1}
        if duplicates:
            names = products.sudo()._display_names([i for ids in duplicates.values() for i in ids])
            lines = "\n".join(f'- Barcode "{barcode}" already assigned to product(s): '
                              f"{_product_list(env, [names[i] for i in ids])}" for barcode, ids in duplicates.items())
            raise ValidationError(f"Barcode(s) already assigned:\n\n{lines}\n\n"
                                  "Note: products that you don't have access to will not be shown above.")
        packaging_model = PACKAGING_MODEL[env.version]
        packaging = env[packaging_model].table
        if env.conn.execute(sa.select(packaging.c.id).where(
                packaging.c.barcode.in_(barcodes), _company_filter(packaging.c.company_id, company_id)).limit(1)).first():
            raise ValidationError("A packaging already uses the barcode")


class ProductPackagingBase(Model):
    """What a packaging barcode check needs; 17/18 call the model product.packaging, 19 product.uom."""

    barcode = Char("Barcode")
    company_id = Many2one("res.company", "Company", index=True)

    def _validate(self, ids):
        t = self.table
        barcodes = [b for b in self.conn.scalars(sa.select(t.c.barcode).where(t.c.id.in_(ids))) if b]
        if not barcodes:
            return
        products = self.env["product.product"].table
        if self.conn.execute(sa.select(products.c.id).where(products.c.barcode.in_(barcodes),
                                                             products.c.active.is_(True)).limit(1)).first():
            raise ValidationError("A product already uses the barcode")


class ProductPackaging(ProductPackagingBase):
    _name = "product.packaging"
    _description = "Product Packaging"
    _order = "product_id, sequence, id"
    _versions = frozenset({17, 18})
    _unique = ((("barcode",), "A barcode can only be assigned to one packaging."),)

    name = Char("Product Packaging", required=True)
    sequence = Integer("Sequence", default=1)
    product_id = Many2one("product.product", "Product", required=True, ondelete="cascade", index=True)
    qty = Float("Contained Quantity", default=1.0, digits="Product Unit of Measure")


class ProductUom(ProductPackagingBase):
    _name = "product.uom"
    _description = "Link between products and their UoMs"
    _rec_name = "barcode"
    _versions = frozenset({19})
    _unique = ((("barcode",), "A barcode can only be assigned to one packaging."),)

    product_id = Many2one("product.product", "Product", required=True, ondelete="cascade", index=True)
    uom_id = Many2one("uom.uom", "Unit", required=True, ondelete="cascade")


PACKAGING_MODEL = {17: "product.packaging", 18: "product.packaging", 19: "product.uom"}


class ProductPricelist(Model):
    _name = "product.pricelist"
    _description = "Pricelist"
    _order = "sequence, id"

    name = Char("Pricelist Name", required=True)
    sequence = Integer("Sequence", default=16)
    currency_id = Many2one("res.currency", "Currency", required=True,
                           default=lambda env: env["res.company"].sudo().read([1], ["currency_id"], load=None)[0][
                               "currency_id"])
    company_id = Many2one("res.company", "Company")
    active = Boolean("Active", default=True)
    item_ids = One2many("product.pricelist.item", "pricelist_id", "Pricelist Rules")


class ProductPricelistItem(Model):
    _name = "product.pricelist.item"
    _description = "Pricelist Rule"
    _order = "applied_on, min_quantity desc, categ_id desc, id desc"
    _rec_name = "id"

    pricelist_id = Many2one("product.pricelist", "Pricelist", required=True, ondelete="cascade", index=True)
    applied_on = Selection([("3_global", "All Products"), ("2_product_category", "Product Category"),
                            ("1_product", "Product"), ("0_product_variant", "Product Variant")], "Apply On",
                           required=True, default="3_global")
    product_tmpl_id = Many2one("product.template", "Product", ondelete="cascade")
    product_id = Many2one("product.product", "Product Variant", ondelete="cascade")
    categ_id = Many2one("product.category", "Product Category", ondelete="cascade")
    min_quantity = Float("Min. Quantity", default=0.0, digits=uom_digits)
    compute_price = Selection([("fixed", "Fixed Price"), ("percentage", "Discount"), ("formula", "Formula")],
                              "Price Type", required=True, default="fixed")
    fixed_price = Float("Fixed Price", default=0.0, digits="Product Price")
    percent_price = Float("Percentage Price", default=0.0)
    base = Selection([("list_price", "Sales Price"), ("standard_price", "Cost"), ("pricelist", "Other Pricelist")],
                     "Based on", required=True, default="list_price")
    price_discount = Float("Price Discount", default=0.0, digits=(16, 2))
    price_surcharge = Float("Extra Fee", default=0.0, digits="Product Price")
    date_start = Datetime("Start Date")
    date_end = Datetime("End Date")
    company_id = Many2one("res.company", "Company")

    def _validate(self, ids):
        needs = {"1_product": ("product_tmpl_id", "Please specify the product for which this rule should be applied"),
                 "0_product_variant": ("product_id", "Please specify the product variant for which this rule "
                                                     "should be applied"),
                 "2_product_category": ("categ_id", "Please specify the category for which this rule should be "
                                                    "applied")}
        t = self.table
        for row in self.conn.execute(sa.select(t).where(t.c.id.in_(ids))).mappings():
            field, message = needs.get(row["applied_on"], (None, None))
            if field and not row[field]:
                raise ValidationError(message)
            if row["date_start"] and row["date_end"] and row["date_start"] > row["date_end"]:
                raise ValidationError("The start date of a pricelist rule must be before its end date.")

    def _display_names(self, ids):
        return {i: f"Pricelist rule {i}" for i in ids}
