"""Companies, currencies, countries and partners (customers, their contacts and addresses)."""

from __future__ import annotations

import sqlalchemy as sa

from ..exceptions import ValidationError
from ..fields import Boolean, Char, Float, Integer, Many2one, One2many, Selection, Text
from ..model import Model


class ResCurrency(Model):
    _name = "res.currency"
    _description = "Currency"
    _order = "active desc, name"
    _unique = ((("name",), "The currency code must be unique!"),)

    name = Char("Currency", size=3, required=True)
    full_name = Char("Name")
    symbol = Char("Symbol", required=True)
    rounding = Float("Rounding Factor", default=0.01, digits=(12, 6))
    decimal_places = Integer("Decimal Places", compute="_compute_decimal_places")
    position = Selection([("after", "After Amount"), ("before", "Before Amount")], "Symbol Position",
                         default="after")
    active = Boolean("Active", default=True)

    def _compute_decimal_places(self, ids):
        rows = self.conn.execute(sa.select(self.table.c.id, self.table.c.rounding).where(self.table.c.id.in_(ids)))
        return {i: max(0, len(f"{rounding:.10f}".rstrip("0").split(".")[1])) if rounding and rounding < 1 else 0
                for i, rounding in rows}


class ResCountry(Model):
    _name = "res.country"
    _description = "Country"
    _order = "name"
    _unique = ((("code",), "The code of the country must be unique!"),)

    name = Char("Country Name", required=True)
    code = Char("Country Code", size=2, required=True)
    currency_id = Many2one("res.currency", "Currency")
    phone_code = Integer("Country Calling Code")


class ResCountryState(Model):
    _name = "res.country.state"
    _description = "Country state"
    _order = "code"

    country_id = Many2one("res.country", "Country", required=True)
    name = Char("State Name", required=True)
    code = Char("State Code", required=True)


class ResCompany(Model):
    _name = "res.company"
    _description = "Companies"
    _order = "sequence, name"

    name = Char("Company Name", required=True)
    sequence = Integer("Sequence", default=10)
    partner_id = Many2one("res.partner", "Partner", required=True)
    # _default_currency_id: the currency of the user's company (the first company, in the sandbox).
    currency_id = Many2one("res.currency", "Currency", required=True,
                           default=lambda env: env["res.company"].sudo().read([1], ["currency_id"], load=None)[0][
                               "currency_id"])
    country_id = Many2one("res.country", "Country")
    email = Char("Email")
    phone = Char("Phone")
    vat = Char("Tax ID")
    active = Boolean("Active", default=True)

    def _prepare_create(self, vals_list):
        vals_list = super()._prepare_create(vals_list)
        partners = self.env["res.partner"].sudo()
        for vals in vals_list:
            if not vals.get("partner_id"):
                vals["partner_id"] = partners.create({"name": vals.get("name"), "is_company": True})
        return vals_list


class ResPartner(Model):
    _name = "res.partner"
    _description = "Contact"
    _order = "complete_name, id"
    _rec_name = "complete_name"

    name = Char("Name", index=True)
    complete_name = Char("Complete Name", compute="_compute_complete_name", store=True)
    ref = Char("Reference", index=True)
    vat = Char("Tax ID", index=True)
    email = Char("Email")
    phone = Char("Phone")
    mobile = Char("Mobile", versions=(17, 18))
    website = Char("Website Link")
    comment = Text("Notes")
    is_company = Boolean("Is a Company", default=False)
    company_type = Selection([("person", "Individual"), ("company", "Company")], "Company Type",
                             compute="_compute_company_type", inverse="_inverse_company_type")
    parent_id = Many2one("res.partner", "Related Company", index=True)
    child_ids = One2many("res.partner", "parent_id", "Contact")
    commercial_partner_id = Many2one("res.partner", "Commercial Entity", compute="_compute_commercial", store=True)
    type = Selection([("contact", "Contact"), ("invoice", "Invoice Address"), ("delivery", "Delivery Address"),
                      ("other", "Other Address")], "Address Type", default="contact")
    street = Char("Street")
    street2 = Char("Street2")
    zip = Char("Zip")
    city = Char("City")
    state_id = Many2one("res.country.state", "State", ondelete="restrict")
    country_id = Many2one("res.country", "Country", ondelete="restrict")
    lang = Char("Language", default="en_US")
    customer_rank = Integer("Customer Rank", default=0)
    supplier_rank = Integer("Supplier Rank", default=0)
    company_id = Many2one("res.company", "Company", index=True)
    active = Boolean("Active", default=True)

    def _compute_company_type(self, ids):
        rows = self.conn.execute(sa.select(self.table.c.id, self.table.c.is_company).where(self.table.c.id.in_(ids)))
        return {i: "company" if is_company else "person" for i, is_company in rows}

    def _inverse_company_type(self, ids, values):
        is_company = values["company_type"] == "company"
        self.conn.execute(sa.update(self.table).where(self.table.c.id.in_(ids)).values(is_company=is_company))

    def _validate(self, ids):
        nameless = self.conn.scalar(sa.select(sa.func.count()).where(
            self.table.c.id.in_(ids), self.table.c.type == "contact", self.table.c.name.is_(None)))
        if nameless:
            raise ValidationError("Contacts require a name")
        if self.conn.scalar(sa.select(sa.func.count()).where(
                self.table.c.id.in_(ids), self.table.c.parent_id == self.table.c.id)):
            raise ValidationError("You cannot create recursive Partner hierarchies.")

    def _recompute(self, ids):
        """complete_name ("Company, Contact") and commercial_partner_id, for these partners and their contacts."""
        t = self.table
        todo = self.hierarchy_ids(ids, down=True)
        rows, wanted = {}, set(todo)
        while wanted:
            fetched = list(self.conn.execute(sa.select(t.c.id, t.c.name, t.c.type, t.c.is_company, t.c.parent_id)
                                             .where(t.c.id.in_(wanted))))
            rows.update((r.id, r) for r in fetched)
            wanted = {r.parent_id for r in fetched if r.parent_id and r.parent_id not in rows}
        labels = {"invoice": "Invoice Address", "delivery": "Delivery Address", "other": "Other Address"}
        updates = []
        for i in todo:
            row = rows[i]
            own = row.name or labels.get(row.type, "")
            parent = rows.get(row.parent_id) if row.parent_id else None
            if parent is not None and not row.is_company:
                complete = f"{parent.name or ''}, {own}"
            else:
                complete = own
            commercial, node = i, row
            while not node.is_company and node.parent_id and node.parent_id in rows:
                node = rows[node.parent_id]
                commercial = node.id
            updates.append({"b_id": i, "complete_name": complete or False, "commercial_partner_id": commercial})
        if updates:
            stmt = sa.update(t).where(t.c.id == sa.bindparam("b_id")).values(
                complete_name=sa.bindparam("complete_name"), commercial_partner_id=sa.bindparam("commercial_partner_id"))
            self.conn.execute(stmt, [{**u, "complete_name": u["complete_name"] or None} for u in updates])
