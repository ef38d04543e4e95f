"""The "Merge Contacts" wizard (base.partner.merge.automatic.wizard), as Odoo 17/18/19's base module has it.

Driven the way the form does: created with `partner_ids` and `dst_partner_id` (or with
`context={'active_model': 'res.partner', 'active_ids': [...]}`, whose default picks the destination), then
`action_merge()`. Its rules and messages are Odoo's `_merge`: fewer than two existing contacts is a no-op;
more than three is refused; no contact with one of its parents; no contacts of more than one user; the same
email unless the caller is an administrator (`base.group_erp_manager`). Then every many2one to res.partner
and the external ids (ir.model.data) of the sources are re-pointed to the destination, the destination's
empty fields take the sources' values (customer and supplier ranks are summed, as `account` adds), and the
sources are deleted.

Not modelled: the automatic grouping (`action_start_manual_process`, its merge lines), bank accounts,
chatter, attachments and company-dependent values (the sandbox has none of them).
"""

from __future__ import annotations

import sqlalchemy as sa

from .. import security
from ..api import records_method
from ..exceptions import UserError, ValidationError
from ..fields import Boolean, Integer, Many2many, Many2one, Selection
from ..model import Model, has_group

MAX_CONTACTS = 3
TOO_MANY = ("For safety reasons, you cannot merge more than 3 contacts together. You can re-open the wizard "
            "several times if needed.")
PARENT_CHILD = "You cannot merge a contact with one of his parent."
SEVERAL_USERS = "You cannot merge contacts linked to more than one user even if only one is active."
OTHER_EMAILS = ("All contacts must have the same email. Only the Administrator can merge contacts with different "
                "emails.")
# account's _get_summable_fields: the merged partner keeps the better ranking.
SUMMABLE = ("customer_rank", "supplier_rank")
# Written by the ORM itself, never copied from one record to another.
MAGIC = {"id", "create_date", "create_uid", "write_date", "write_uid", "parent_id"}


class BasePartnerMergeAutomaticWizard(Model):
    _name = "base.partner.merge.automatic.wizard"
    _description = "Merge Partner Wizard"

    group_by_email = Boolean("Email")
    group_by_name = Boolean("Name")
    group_by_is_company = Boolean("Is Company")
    group_by_vat = Boolean("VAT")
    group_by_parent_id = Boolean("Parent Company")
    state = Selection([("option", "Option"), ("selection", "Selection"), ("finished", "Finished")], "State",
                      readonly=True, required=True, default="option")
    number_group = Integer("Group of Contacts", readonly=True)
    partner_ids = Many2many("res.partner", string="Contacts")
    dst_partner_id = Many2one("res.partner", "Destination Contact")
    exclude_contact = Boolean("A user associated to the contact")
    exclude_journal_item = Boolean("Journal Items associated to the contact")
    maximum_group = Integer("Maximum of Group of Contacts")

    def _prepare_create(self, vals_list):
        """default_get: opened from selected contacts, the wizard holds them and proposes the oldest active one
        as the destination."""
        context = self.env.context
        active_ids = [i for i in context.get("active_ids") or [] if isinstance(i, int)]
        if context.get("active_model") == "res.partner" and active_ids:
            for vals in vals_list:
                vals.setdefault("state", "selection")
                vals.setdefault("partner_ids", [(6, 0, active_ids)])
                vals.setdefault("dst_partner_id", self._ordered(active_ids)[-1])
        return super()._prepare_create(vals_list)

    def _ordered(self, partner_ids: list[int]) -> list[int]:
        """_get_ordered_partner: archived first, then newest first: the last one, the oldest active contact, is the default destination."""
        partners = self.env["res.partner"].sudo()
        rows = partners.with_context(active_test=False).read(partners.exists(partner_ids),
                                                             ["active", "create_date"], load=None)
        rows.sort(key=lambda r: (not r["active"], r["create_date"] or "1970-01-01 00:00:00"), reverse=True)
        return [r["id"] for r in rows]

    @records_method("write")
    def action_merge(self, ids):
        ids = self.ids_arg(ids)
        self.ensure_exist(ids)
        for wizard_id in ids:
            partner_ids = self._x2many_ids(self.spec.fields["partner_ids"], [wizard_id]).get(wizard_id, [])
            if partner_ids:
                dst = self.conn.scalar(sa.select(self.table.c.dst_partner_id).where(self.table.c.id == wizard_id))
                self._merge(partner_ids, dst)
            self.sudo().write([wizard_id], {"state": "finished", "partner_ids": [(5, 0, 0)]})
        return {"type": "ir.actions.act_window", "res_model": self.spec.name, "res_id": ids[0], "view_mode": "form",
                "target": "new"}

    def _merge(self, partner_ids: list[int], dst: int | None) -> None:
        partners = self.env["res.partner"].sudo().with_context(active_test=False)
        # Super-admins skip the extra checks (is_admin: the superuser or Administration / Access Rights).
        extra_checks = not has_group(self.env, security.ERP_MANAGER_GROUP)
        partner_ids = partners.exists(list(dict.fromkeys(partner_ids)))
        if len(partner_ids) < 2:
            return
        if len(partner_ids) > MAX_CONTACTS:
            raise UserError(TOO_MANY)
        children = set()
        for partner_id in partner_ids:
            children |= set(partners.hierarchy_ids([partner_id], down=True)) - {partner_id}
        if children & set(partner_ids):
            raise UserError(PARENT_CHILD)
        users = self.env["res.users"].sudo().table
        if self.conn.scalar(sa.select(sa.func.count()).where(users.c.partner_id.in_(partner_ids))) > 1:
            raise UserError(SEVERAL_USERS)
        rows = {r["id"]: r for r in self.conn.execute(
            sa.select(partners.table).where(partners.table.c.id.in_(partner_ids))).mappings()}
        if extra_checks and len({rows[i]["email"] for i in partner_ids}) > 1:
            raise UserError(OTHER_EMAILS)
        if dst in partner_ids:
            sources = [i for i in partner_ids if i != dst]
        else:
            ordered = self._ordered(partner_ids)
            dst, sources = ordered[-1], ordered[:-1]
        self._update_foreign_keys(sources, dst)
        self._update_values([rows[i] for i in sources], rows[dst])
        # Deleted as the caller: merging needs the right to delete contacts (Extra Rights / Contact Creation).
        security.check_model_access(self.env, "res.partner", "unlink")
        partners.unlink(sources)

    def _update_foreign_keys(self, sources: list[int], dst: int) -> None:
        """Every many2one to res.partner (orders, invoices, payments, users, child contacts …), then the
        sources' external ids, now name the destination. The wizard's own tables are left alone."""
        partner_spec = self.env["res.partner"].spec
        for model_name, fld in partner_spec.referencing:
            if model_name.startswith("base.partner.merge"):
                continue
            table = self.env[model_name].table
            column = table.c[fld.name]
            self.conn.execute(sa.update(table).where(column.in_(sources)).values({fld.name: dst}))
        xmlids = self.env["ir.model.data"].table
        self.conn.execute(sa.update(xmlids).where(xmlids.c.model == "res.partner", xmlids.c.res_id.in_(sources))
                          .values(res_id=dst))
        self.env["res.partner"].sudo()._recompute([dst])

    def _update_values(self, sources: list[dict], dst: dict) -> None:
        """_update_values: for each stored, non-computed field, the last set value in (sources…, destination)
        order wins, so the destination keeps what it has and takes what only a source has."""
        partners = self.env["res.partner"]
        values: dict = {}
        for name in partners.spec.columns:
            fld = partners.spec.fields[name]
            if name in MAGIC or fld.compute:
                continue
            for row in [*sources, dst]:
                if row[name]:
                    if name in SUMMABLE and values.get(name):
                        values[name] += row[name]
                    else:
                        values[name] = row[name]
        values = {name: partners.spec.fields[name].to_read(value) for name, value in values.items()}
        partners.write([dst["id"]], values)
        parent = next((row["parent_id"] for row in [*sources, dst][::-1] if row["parent_id"]), None)
        if parent and parent != dst["id"]:
            savepoint = self.conn.begin_nested()
            try:
                partners.write([dst["id"]], {"parent_id": parent})
                savepoint.commit()
            except ValidationError:
                savepoint.rollback()  # Odoo logs and skips a parent that would make the hierarchy recursive
