"""What a new database holds: `empty` is a fresh Odoo's base data, `demo` adds a retail company.

Seeds create records through the ORM, with external ids as Odoo's modules name them, so code that
looks up `uom.product_uom_unit` or `stock.stock_location_stock` finds them as on a real server.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models.ir_model import reflect_models
from .registry import Env

CURRENCIES = [("EUR", "€", "Euro", True), ("USD", "$", "US Dollar", True), ("GBP", "£", "British Pound", True),
              ("CHF", "CHF", "Swiss Franc", True), ("CAD", "$", "Canadian Dollar", True),
              ("SEK", "kr", "Swedish Krona", True), ("JPY", "¥", "Japanese Yen", False),
              ("PLN", "zł", "Polish Zloty", False), ("AUD", "$", "Australian Dollar", False)]
COUNTRIES = [("be", "Belgium", "EUR", 32), ("fr", "France", "EUR", 33), ("de", "Germany", "EUR", 49),
             ("nl", "Netherlands", "EUR", 31), ("es", "Spain", "EUR", 34), ("it", "Italy", "EUR", 39),
             ("ie", "Ireland", "EUR", 353), ("at", "Austria", "EUR", 43), ("pt", "Portugal", "EUR", 351),
             ("gb", "United Kingdom", "GBP", 44), ("ch", "Switzerland", "CHF", 41), ("se", "Sweden", "SEK", 46),
             ("us", "United States", "USD", 1), ("ca", "Canada", "CAD", 1), ("jp", "Japan", "JPY", 81),
             ("pl", "Poland", "PLN", 48), ("au", "Australia", "AUD", 61)]
LANGUAGES = [("base.lang_en", "English (US)", "en_US", "en", True), ("base.lang_fr", "French / Français", "fr_FR", "fr", False),
             ("base.lang_nl_BE", "Dutch (BE) / Nederlands (BE)", "nl_BE", "nl_BE", False),
             ("base.lang_de", "German / Deutsch", "de_DE", "de", False)]


def decimal_precisions(version: int) -> list[tuple[str, str, int]]:
    """The precisions the product module ships (product_data.xml); 19 renames the unit one."""
    unit = "Product Unit" if version >= 19 else "Product Unit of Measure"
    return [("product.decimal_price", "Product Price", 2), ("product.decimal_discount", "Discount", 2),
            ("product.decimal_stock_weight", "Stock Weight", 2), ("product.decimal_volume", "Volume", 2),
            ("product.decimal_product_uom", unit, 3)]


# The demo company's chart of accounts, codes as Odoo's generic chart numbers them: a liquidity account per
# bank/cash journal, the bank suspense and outstanding accounts, receivable, sales, and provider fees.
ACCOUNTS = [("bank", "101401", "Bank", "asset_cash", False),
            ("suspense", "101402", "Bank Suspense Account", "asset_current", False),
            ("outstanding_receipts", "101403", "Outstanding Receipts", "asset_current", True),
            ("outstanding_payments", "101404", "Outstanding Payments", "asset_current", True),
            ("stripe", "101405", "Stripe", "asset_cash", False),
            ("shopify_payments", "101406", "Shopify Payments", "asset_cash", False),
            ("paypal", "101407", "PayPal", "asset_cash", False),
            ("cash", "101501", "Cash", "asset_cash", False),
            ("receivable", "121000", "Account Receivable", "asset_receivable", True),
            ("sales", "400000", "Product Sales", "income", False),
            ("payment_fees", "627000", "Payment Provider Fees", "expense", False)]


@dataclass
class SeedCredentials:
    admin_password: str
    integration_login: str = "retail-sync"
    integration_password: str | None = None
    integration_api_key: str | None = None


def xmlid(env: Env, full: str, model: str, res_id: int) -> int:
    module, name = full.split(".", 1)
    env["ir.model.data"].bind(module, name, model, res_id)
    return res_id


def make(env: Env, full: str, model: str, vals: dict) -> int:
    return xmlid(env, full, model, env[model].create(vals))


def seed_empty(env: Env, creds: SeedCredentials) -> None:
    env = env.sudo()
    reflect_models(env)
    for full, name, code, url_code, active in LANGUAGES:
        make(env, full, "res.lang", {"name": name, "code": code, "iso_code": url_code, "url_code": url_code,
                                     "active": active})
    for full, name, digits in decimal_precisions(env.version):
        make(env, full, "decimal.precision", {"name": name, "digits": digits})
    currencies = {}
    for code, symbol, name, active in CURRENCIES:
        currencies[code] = make(env, f"base.{code}", "res.currency",
                                {"name": code, "symbol": symbol, "full_name": name, "active": active,
                                 "rounding": 1.0 if code == "JPY" else 0.01})
    for code, name, currency, phone in COUNTRIES:
        make(env, f"base.{code}", "res.country",
             {"name": name, "code": code.upper(), "currency_id": currencies[currency], "phone_code": phone})
    company_partner = make(env, "base.main_partner", "res.partner", {"name": "My Company", "is_company": True})
    make(env, "base.main_company", "res.company",
         {"name": "My Company", "partner_id": company_partner, "currency_id": currencies["EUR"]})
    groups = {g: make(env, g, "res.groups", {"name": label}) for g, label in (
        ("base.group_user", "Internal User"), ("base.group_erp_manager", "Access Rights"),
        ("base.group_system", "Settings"),
        ("retail_sync.group_integration", "Retail Sync Integration"),
        ("stock.group_stock_user", "User"), ("stock.group_stock_manager", "Administrator"),
        ("account.group_account_invoice", "Billing"),
        ("account.group_account_user", "Show Full Accounting Features"),
        ("sales_team.group_sale_salesman", "User: Own Documents Only"),
        ("sales_team.group_sale_manager", "Administrator"))}
    group_field = "groups_id" if env.version < 19 else "group_ids"
    make(env, "base.user_root", "res.users",
         {"name": "OdooBot", "login": "__system__", "active": False, group_field: [(6, 0, list(groups.values()))]})
    make(env, "base.user_admin", "res.users",
         {"name": "Administrator", "login": "admin", "password": creds.admin_password,
          group_field: [(6, 0, [groups["base.group_user"], groups["base.group_erp_manager"],
                                groups["base.group_system"]])]})
    if env.version < 19:
        units = make(env, "uom.product_uom_categ_unit", "uom.category", {"name": "Unit"})
        weight = make(env, "uom.product_uom_categ_kgm", "uom.category", {"name": "Weight"})
        make(env, "uom.product_uom_unit", "uom.uom", {"name": "Units", "category_id": units})
        make(env, "uom.product_uom_dozen", "uom.uom",
             {"name": "Dozens", "category_id": units, "factor": 1 / 12, "uom_type": "bigger"})
        make(env, "uom.product_uom_kgm", "uom.uom", {"name": "kg", "category_id": weight})
        make(env, "uom.product_uom_gram", "uom.uom",
             {"name": "g", "category_id": weight, "factor": 1000, "uom_type": "smaller"})
    else:
        unit = make(env, "uom.product_uom_unit", "uom.uom", {"name": "Units"})
        make(env, "uom.product_uom_dozen", "uom.uom", {"name": "Dozens", "relative_factor": 12, "relative_uom_id": unit})
        kg = make(env, "uom.product_uom_kgm", "uom.uom", {"name": "kg"})
        make(env, "uom.product_uom_gram", "uom.uom", {"name": "g", "relative_factor": 0.001, "relative_uom_id": kg})
    all_categ = make(env, "product.product_category_all", "product.category", {"name": "All"})
    make(env, "product.product_category_1", "product.category", {"name": "Saleable", "parent_id": all_categ})
    make(env, "product.list0", "product.pricelist", {"name": "Default", "currency_id": currencies["EUR"]})
    make(env, "stock.stock_location_locations", "stock.location", {"name": "Physical Locations", "usage": "view"})
    partners = make(env, "stock.stock_location_locations_partner", "stock.location", {"name": "Partners", "usage": "view"})
    virtual = make(env, "stock.stock_location_locations_virtual", "stock.location",
                   {"name": "Virtual Locations", "usage": "view"})
    make(env, "stock.stock_location_customers", "stock.location",
         {"name": "Customers", "usage": "customer", "location_id": partners})
    make(env, "stock.stock_location_suppliers", "stock.location",
         {"name": "Vendors", "usage": "supplier", "location_id": partners})
    make(env, "stock.stock_location_inventory", "stock.location",
         {"name": "Inventory adjustment", "usage": "inventory", "location_id": virtual})
    warehouse = make(env, "stock.warehouse0", "stock.warehouse", {"name": "My Company", "code": "WH"})
    row = env["stock.warehouse"].read([warehouse], ["lot_stock_id", "out_type_id"], load=None)[0]
    xmlid(env, "stock.stock_location_stock", "stock.location", row["lot_stock_id"])
    xmlid(env, "stock.picking_type_out", "stock.picking.type", row["out_type_id"])


def seed_demo(env: Env, creds: SeedCredentials) -> None:
    seed_empty(env, creds)
    env = env.sudo()
    resolve = env["ir.model.data"].resolve
    eur, be = resolve("base", "EUR"), resolve("base", "be")
    company_partner = resolve("base", "main_partner")
    env["res.partner"].write([company_partner], {
        "name": "Retail Sync Demo Co", "email": "hello@demo.retail-sync.example", "street": "Rue du Commerce 1",
        "zip": "1000", "city": "Brussels", "country_id": be, "vat": "BE0477472701"})
    env["res.company"].write([resolve("base", "main_company")], {"name": "Retail Sync Demo Co", "country_id": be})
    env["stock.warehouse"].write([resolve("stock", "warehouse0")], {"name": "Brussels Warehouse"})
    make(env, "retail_sync.warehouse_eu2", "stock.warehouse", {"name": "Antwerp Overflow", "code": "ANT"})
    accounts = {key: make(env, f"retail_sync.account_{key}", "account.account",
                          {"code": code, "name": name, "account_type": kind, "reconcile": reconcile})
                for key, code, name, kind, reconcile in ACCOUNTS}
    for full, name, code, kind, currency, liquidity in (
            ("retail_sync.journal_sale", "Customer Invoices", "INV", "sale", None, "sales"),
            ("retail_sync.journal_bank", "Bank", "BNK1", "bank", None, "bank"),
            ("retail_sync.journal_stripe", "Stripe", "STRP", "bank", eur, "stripe"),
            ("retail_sync.journal_shopify_payments", "Shopify Payments", "SHPAY", "bank", None, "shopify_payments"),
            ("retail_sync.journal_paypal", "PayPal", "PYPL", "bank", None, "paypal"),
            ("retail_sync.journal_cash", "Cash", "CSH1", "cash", None, "cash"),
            ("retail_sync.journal_misc", "Miscellaneous Operations", "MISC", "general", None, None)):
        suspense = accounts["suspense"] if kind in ("bank", "cash") else None
        make(env, full, "account.journal", {"name": name, "code": code, "type": kind, "currency_id": currency,
                                            "default_account_id": accounts.get(liquidity),
                                            "suspense_account_id": suspense})
    included = {"price_include": True} if env.version == 17 else {"price_include_override": "tax_included"}
    taxes = {}
    for key, name, amount in (("standard", "21% (incl.)", 21.0), ("reduced", "6% (incl.)", 6.0), ("zero", "0%", 0.0)):
        taxes[key] = make(env, f"retail_sync.tax_{key}", "account.tax",
                          {"name": name, "amount": amount, "type_tax_use": "sale", "country_id": be, **included})
    services = make(env, "retail_sync.category_services", "product.category",
                    {"name": "Services", "parent_id": resolve("product", "product_category_all")})
    service_type = {"detailed_type": "service"} if env.version == 17 else {"type": "service"}
    template = make(env, "retail_sync.product_shipping_template", "product.template",
                    {"name": "Standard delivery", "list_price": 4.95, "categ_id": services, "sale_ok": True,
                     "purchase_ok": False, "default_code": "SHIP", "taxes_id": [(6, 0, [taxes["standard"]])],
                     **service_type})
    variant = env["product.template"].read([template], ["product_variant_id"], load=None)[0]["product_variant_id"]
    xmlid(env, "retail_sync.product_shipping", "product.product", variant)
    make(env, "retail_sync.pricelist_usd", "product.pricelist", {"name": "USD", "currency_id": resolve("base", "USD")})
    groups = [resolve("base", "group_user"), resolve("retail_sync", "group_integration"),
              resolve("stock", "group_stock_user"), resolve("sales_team", "group_sale_salesman"),
              resolve("account", "group_account_invoice"), resolve("account", "group_account_user")]
    group_field = "groups_id" if env.version < 19 else "group_ids"
    user = make(env, "retail_sync.user_integration", "res.users",
                {"name": "Retail Sync Integration", "login": creds.integration_login,
                 "password": creds.integration_password or False, group_field: [(6, 0, groups)]})
    if creds.integration_api_key:
        env["res.users.apikeys"].add_key(user, "retail-sync pipelines", creds.integration_api_key)


SEEDS = {"empty": seed_empty, "demo": seed_demo}
