"""Users, groups and API keys: who the RPC caller is and what they may do."""

from __future__ import annotations

import datetime as dt
import secrets

from .. import security
from ..api import model_method, records_method
from ..exceptions import AccessError, UserError
from ..fields import Boolean, Char, Datetime, Many2many, Many2one, Selection
from ..model import Model
from ..security import hash_api_key, hash_password


class Password(Char):
    """Stored as a salted hash; reads back empty, as Odoo's does."""

    def to_db(self, value, version):
        return hash_password(str(value)) if value else None

    def to_read(self, value):
        return ""


class ResGroups(Model):
    _name = "res.groups"
    _description = "Access Groups"

    name = Char("Name", required=True)
    full_name = Char("Group Name", compute="_compute_full_name")

    def _compute_full_name(self, ids):
        return self._display_names(ids)


class ResUsers(Model):
    _name = "res.users"
    _description = "User"
    _inherits = {"res.partner": "partner_id"}
    _order = "name, login"
    _unique = ((("login",), "You can not have two users with the same login !"),)
    # Odoo's password is a computed, unstored field: it reads as '' and cannot be searched or sorted on.
    _secret_fields = ("password",)

    partner_id = Many2one("res.partner", "Related Partner", required=True, ondelete="restrict")
    login = Char("Login", required=True)
    password = Password("Password")
    active = Boolean("Active", default=True)
    company_id = Many2one("res.company", "Company", default=lambda env: 1)
    share = Boolean("Share User", default=False)
    groups_id = Many2many("res.groups", "res_groups_users_rel", "uid", "gid", "Groups", versions=(17, 18))
    group_ids = Many2many("res.groups", "res_groups_users_rel", "uid", "gid", "Groups", versions=(19,))
    tz = Selection([("UTC", "UTC"), ("Europe/Brussels", "Europe/Brussels"), ("America/New_York", "America/New_York")],
                   "Timezone", default="UTC")

    @model_method(None)
    def context_get(self):
        row = self.env["res.users"].sudo().read([self.env.uid], ["tz"])[0]
        return {"lang": "en_US", "tz": row["tz"] or "UTC", "uid": self.env.uid}


class ResUsersApikeys(Model):
    _name = "res.users.apikeys"
    _description = "Users API Keys"
    # In Odoo the hashed key is a bare SQL column, not a field: no read, search or fields_get sees it.
    _hidden_fields = ("key",)

    name = Char("Description", required=True)
    user_id = Many2one("res.users", "User", required=True, ondelete="cascade")
    scope = Char("Scope")
    key = Char("Key hash", required=True, index=True)
    expiration_date = Datetime("Expiration Date")

    def _format_rows(self, rows, fields, load):
        return super()._format_rows(rows, [f for f in fields if f != "key"], load)

    def add_key(self, user_id: int, name: str, key: str | None = None) -> str:
        key = key or secrets.token_hex(20)
        self.sudo().create({"name": name, "user_id": user_id, "key": hash_api_key(key)})
        return key

    @model_method("create", versions=(19,))
    def generate(self, key, scope, name, expiration_date):
        if not name or not expiration_date:
            raise UserError("The API key must have a description and an expiration date.")
        limit = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=90)
        if dt.datetime.fromisoformat(str(expiration_date).replace("T", " ")) > limit:
            raise UserError("The API key duration cannot exceed 3 months.")
        count = self.search_count([("user_id", "=", self.env.uid)])
        if count >= 10:
            raise UserError("You cannot have more than 10 API keys.")
        return self.add_key(self.env.uid, name, key or None)

    @records_method(None, versions=(19,))
    def revoke(self, ids):
        ids = self.ids_arg(ids)
        owners = {row["user_id"] for row in self.sudo().read(ids, ["user_id"], load=None)}
        if owners - {self.env.uid} and not security.allowed(self.env, "res.users.apikeys", "unlink"):
            raise AccessError("You can not remove API keys unless they're yours or you are a system user")
        self.sudo().unlink(ids)
        return True
