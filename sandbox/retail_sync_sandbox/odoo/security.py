"""Who may do what: credentials (passwords, API keys) and per-group model access rights.

Access rights are Odoo's ir.model.access in code form: a group's external id maps models to the
operations it may run. Administrators (`base.group_system`) may do everything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import sqlalchemy as sa

from .exceptions import AccessDenied, AccessError

OPERATIONS = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}
ADMIN_GROUP = "base.group_system"
ERP_MANAGER_GROUP = "base.group_erp_manager"
EVERYONE = ""  # an ir.model.access row without a group applies to every user
PBKDF2_ROUNDS = 20_000

# ir.model.access as Odoo ships it (odoo/addons/base/security/ir.model.access.csv and each addon's),
# for the models the sandbox has: group external id -> model -> the operations it grants
# (r read, w write, c create, u unlink).
SHIPPED_ACCESS_RIGHTS: dict[str, dict[str, str]] = {
    EVERYONE: {
        "res.company": "r", "res.country": "r", "res.country.state": "r", "res.currency": "r",
        "res.lang": "r", "res.users": "r",
    },
    "base.group_user": {
        "ir.model": "r", "ir.model.fields": "r", "ir.model.data": "rc", "res.groups": "r", "res.partner": "r",
        "decimal.precision": "r", "uom.uom": "r", "uom.category": "r",
        "product.category": "r", "product.template": "r", "product.product": "r", "product.pricelist": "r",
        "product.pricelist.item": "r", "product.attribute": "r", "product.attribute.value": "r",
        "product.template.attribute.line": "r", "product.template.attribute.value": "r",
        "account.tax": "r", "account.journal": "r", "account.account": "r", "stock.warehouse": "r", "stock.location": "r",
        "stock.quant": "r", "stock.picking.type": "r", "stock.move.line": "rwcu",
    },
    ERP_MANAGER_GROUP: {
        "ir.model": "rwcu", "ir.model.fields": "rwcu", "ir.model.data": "rwcu", "res.company": "rwcu",
        "res.groups": "rwcu", "res.users": "rwcu",
    },
    "base.group_partner_manager": {"res.partner": "rwcu", "res.country": "rwcu", "res.country.state": "rwcu"},
    # account/security/ir.model.access.csv: Billing may invoice, pay and reverse (wizards without delete).
    "account.group_account_invoice": {
        "account.move": "rwcu", "account.move.line": "rwcu", "account.partial.reconcile": "rwcu",
        "account.payment": "rwcu", "account.payment.register": "rwc", "account.move.reversal": "rwc",
        "account.tax": "r", "account.journal": "r", "account.account": "r",
        "account.bank.statement": "r", "account.bank.statement.line": "r",
    },
    # Only full accounting (Accountant, "Show Full Accounting Features") writes bank statements.
    "account.group_account_user": {
        "account.bank.statement": "rwcu", "account.bank.statement.line": "rwcu", "account.account": "r",
        "account.journal": "r",
    },
    # stock, sale and sale_stock's ir.model.access.csv for the transfer and order models.
    "stock.group_stock_user": {
        "stock.picking": "rwcu", "stock.picking.type": "r", "stock.move": "rwc", "stock.move.line": "rwcu",
        "stock.backorder.confirmation": "rwc", "stock.backorder.confirmation.line": "rwc",
        "sale.order": "rw", "sale.order.line": "rw",
    },
    "stock.group_stock_manager": {
        "stock.picking": "rwcu", "stock.picking.type": "rwcu", "stock.move": "rwcu", "stock.move.line": "rwcu",
        "stock.warehouse": "rwcu", "stock.location": "rwcu",
    },
    "sales_team.group_sale_salesman": {
        "sale.order": "rwc", "sale.order.line": "rwcu", "stock.picking": "rwc", "stock.move": "rwc",
        "sale.advance.payment.inv": "rwc", "account.move": "rwc", "account.move.line": "rwc",
    },
    "sales_team.group_sale_manager": {
        "sale.order": "rwcu", "sale.order.line": "rwcu", "stock.picking": "rwcu", "stock.move": "rwcu",
    },
}
# The integration user's own group stands for the business groups a real integration user holds
# (product and inventory managers): what retail-sync's flows need, and never ir.model.data write.
INTEGRATION_ACCESS_RIGHTS: dict[str, dict[str, str]] = {
    "retail_sync.group_integration": {
        "res.partner": "rwc", "product.category": "rwc", "product.template": "rwc", "product.product": "rwc",
        "product.pricelist": "rwc", "product.pricelist.item": "rwcu", "stock.quant": "rwc",
        "product.attribute": "rwc", "product.attribute.value": "rwc",
        "product.template.attribute.line": "rwcu", "product.template.attribute.value": "rwc",
    },
}
ACCESS_RIGHTS = {**SHIPPED_ACCESS_RIGHTS, **INTEGRATION_ACCESS_RIGHTS}
GROUP_DISPLAY_NAMES = {
    "base.group_user": "User types / Internal User", ERP_MANAGER_GROUP: "Administration / Access Rights",
    ADMIN_GROUP: "Administration / Settings", "base.group_partner_manager": "Extra Rights / Contact Creation",
    "retail_sync.group_integration": "Retail Sync Integration",
    "stock.group_stock_user": "Inventory / User", "stock.group_stock_manager": "Inventory / Administrator",
    "sales_team.group_sale_salesman": "Sales / User: Own Documents Only",
    "sales_team.group_sale_manager": "Sales / Administrator",
    "account.group_account_invoice": "Invoicing / Billing",
    "account.group_account_user": "Technical / Show Full Accounting Features",
}
LETTER = {"read": "r", "write": "w", "create": "c", "unlink": "u"}


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), PBKDF2_ROUNDS).hex()
    return f"pbkdf2-sha256${PBKDF2_ROUNDS}${salt}${digest}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored or not password:
        return False
    _scheme, rounds, salt, digest = stored.split("$")
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(rounds)).hex()
    return hmac.compare_digest(candidate, digest)


def hash_api_key(key: str) -> str:
    # API keys are long random strings: a fast hash is enough, and it lets a key be found by its hash.
    return hashlib.sha256(key.encode()).hexdigest()


# Changing these drops the cached groups and verified credentials (Odoo clears its caches the same way).
SECURITY_MODELS = {"res.users", "res.groups", "res.users.apikeys"}


def user_groups(env, uid: int) -> set[str]:
    cache = env.database.groups_cache if env.database is not None else {}
    if uid not in cache:
        cache[uid] = _load_user_groups(env, uid)
    return cache[uid]


def _load_user_groups(env, uid: int) -> set[str]:
    users = env["res.users"]
    fld = users.spec.fields["groups_id" if env.version < 19 else "group_ids"]
    rel = env.registry.relation_table(fld)
    data = env["ir.model.data"].table
    query = sa.select(data.c.module, data.c.name).where(
        data.c.model == "res.groups",
        data.c.res_id.in_(sa.select(rel.c[fld.column2]).where(rel.c[fld.column1] == uid)),
    )
    return {f"{module}.{name}" for module, name in env.conn.execute(query)}


def allowed(env, model: str, operation: str) -> bool:
    if env.su or env.uid == 1:
        return True
    groups = user_groups(env, env.uid)
    if ADMIN_GROUP in groups:
        return True
    letter = LETTER[operation]
    return any(letter in ACCESS_RIGHTS.get(group, {}).get(model, "") for group in (EVERYONE, *groups))


def check_model_access(env, model: str, operation: str, raise_exception: bool = True) -> bool:
    if operation not in OPERATIONS:
        raise ValueError(f"Invalid access mode: {operation!r}")
    if allowed(env, model, operation):
        return True
    if not raise_exception:
        return False
    description = env[model].description
    granting = groups_granting(model, operation)
    if granting:
        group_info = "This operation is allowed for the following groups:\n" + "\n".join(
            f"\t- {name}" for name in granting)
    else:
        group_info = "No group currently allows this operation."
    raise AccessError(
        f"You are not allowed to {OPERATIONS[operation]} '{description}' ({model}) records.\n\n"
        f"{group_info}\n\nContact your administrator to request access if necessary."
    )


def groups_granting(model: str, operation: str) -> list[str]:
    """`_get_groups_with_access`: the groups whose access rows grant the operation, by display name,
    grouped by category (groups without a category last)."""
    letter = LETTER[operation]
    names = [GROUP_DISPLAY_NAMES[group] for group, rights in ACCESS_RIGHTS.items()
             if group != EVERYONE and letter in rights.get(model, "")]
    return sorted(names, key=lambda name: (" / " not in name, name))


def authenticate(env, login: str, credential: str, interactive: bool) -> int:
    """Return the uid for a login and a password (or, outside interactive logins, an API key)."""
    if not isinstance(login, str) or not isinstance(credential, str):
        raise AccessDenied()
    users = env["res.users"].table
    row = env.conn.execute(
        sa.select(users.c.id, users.c.password, users.c.active).where(users.c.login == login)
    ).first()
    if row is None or not row.active:
        raise AccessDenied()
    if verify_password(credential, row.password):
        return row.id
    if not interactive and api_key_user(env, credential, scope="rpc") == row.id:
        return row.id
    raise AccessDenied()


def api_key_user(env, key: str, scope: str | None = None) -> int | None:
    """`res.users.apikeys._check_credentials`: a key counts only while unexpired, for an active user,
    and for the scope asked (a key without a scope is good for any)."""
    keys, users = env["res.users.apikeys"].table, env["res.users"].table
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")  # stored as text
    query = (sa.select(keys.c.user_id).join(users, users.c.id == keys.c.user_id)
             .where(keys.c.key == hash_api_key(key), users.c.active.is_(True),
                    sa.or_(keys.c.expiration_date.is_(None), keys.c.expiration_date >= now)))
    if scope:
        query = query.where(sa.or_(keys.c.scope.is_(None), keys.c.scope == scope))
    return env.conn.scalar(query.limit(1))
