"""Odoo set up for the demo world's orders, as an Odoo administrator would before the first order pull:
a sale tax at each store's rate (the world's prices are before tax), a pricelist in each store's
currency, and the world's products where the catalog flow has not made them. The demo seed already has
the shipping product (SHIP) and the payment journals."""

from __future__ import annotations


def odoo_caller(sandbox, uid: int = 2):
    """Call the sandbox's ORM in process as `uid` (2: the administrator), the way an RPC would."""
    db = sandbox.databases["odoo"]

    def odoo(model, method, *args, **kwargs):
        return sandbox.service.call_kw(db, uid, model, method, list(args), kwargs)

    return odoo


def prepare_for_orders(sandbox, world) -> None:
    odoo = odoo_caller(sandbox)
    excluded = ({"price_include": False} if sandbox.version == 17 else {"price_include_override": "tax_excluded"})
    for store in world.stores:
        rate = float(store.tax_rate * 100)
        name = f"{rate:g}% (excl.)"
        if not odoo("account.tax", "search", [["name", "=", name], ["type_tax_use", "=", "sale"]]):
            odoo("account.tax", "create", [{"name": name, "amount": rate, "amount_type": "percent",
                                            "type_tax_use": "sale", **excluded}])
        currency = odoo("res.currency", "search", [["name", "=", store.currency]], context={"active_test": False})
        if currency:
            odoo("res.currency", "write", currency, {"active": True})
            if not odoo("product.pricelist", "search", [["currency_id", "=", currency[0]]]):
                odoo("product.pricelist", "create", [{"name": store.currency, "currency_id": currency[0]}])
    known = {p["default_code"] for p in odoo("product.product", "search_read",
                                             [["default_code", "in", [p["sku"] for p in world.catalog]]],
                                             ["default_code"])}
    storable = {"detailed_type": "product"} if sandbox.version == 17 else {"type": "consu", "is_storable": True}
    fresh = [p for p in world.catalog if p["sku"] not in known]
    if fresh:
        odoo("product.product", "create", [{"name": p["name"], "default_code": p["sku"],
                                            "list_price": float(p["list_price"]), "invoice_policy": "order",
                                            "taxes_id": [(6, 0, [])], **storable} for p in fresh])
