"""What the sale, transfer and order-to-cash contract tests set up, in each version's own words:
taxes, products with stock, customers, orders, and the company's tax rounding method."""

from __future__ import annotations

import contextlib
import uuid

from .odoo_target import OdooTarget

INVENTORY = {"inventory_mode": True}


def tax_field(odoo: OdooTarget) -> str:
    """sale.order.line's taxes: `tax_id` in 17 and 18, `tax_ids` from 19."""
    return "tax_ids" if odoo.version >= 19 else "tax_id"


def uom_field(odoo: OdooTarget) -> str:
    """sale.order.line's unit: `product_uom` in 17 and 18, `product_uom_id` from 19."""
    return "product_uom_id" if odoo.version >= 19 else "product_uom"


def make_tax(odoo: OdooTarget, amount: float, included: bool) -> int:
    """A sales percent tax; 17 says `price_include`, 18+ `price_include_override` (taxes are an accountant's
    to create, so as the administrator)."""
    inclusion = ({"price_include": included} if odoo.version == 17
                 else {"price_include_override": "tax_included" if included else "tax_excluded"})
    return odoo.admin_call("account.tax", "create", {
        "name": f"{amount}% {'incl' if included else 'excl'} {uuid.uuid4().hex[:6]}", "amount": amount,
        "amount_type": "percent", "type_tax_use": "sale", **inclusion})


def make_product(odoo: OdooTarget, price: float = 10.0, taxes: list[int] | None = None, storable: bool = True,
                 policy: str = "order", kind: str = "consu") -> int:
    vals = {"name": f"Article {uuid.uuid4().hex[:8]}", "list_price": price, "taxes_id": [(6, 0, taxes or [])],
            "invoice_policy": policy, "sale_ok": True}
    if kind == "service":
        vals.update({"detailed_type": "service"} if odoo.version == 17 else {"type": "service"})
    elif storable:
        vals.update(odoo.storable())
    else:
        vals.update({"detailed_type": "consu"} if odoo.version == 17 else {"type": "consu", "is_storable": False})
    return odoo.call("product.product", "create", vals)


def stock_location(odoo: OdooTarget) -> int:
    return odoo.call("ir.model.data", "search_read", [["module", "=", "stock"], ["name", "=", "stock_location_stock"]],
                     ["res_id"])[0]["res_id"]


def put_in_stock(odoo: OdooTarget, product: int, quantity: float) -> None:
    odoo.call("stock.quant", "create", {"product_id": product, "location_id": stock_location(odoo),
                                        "inventory_quantity_auto_apply": quantity}, context=INVENTORY)


def on_hand(odoo: OdooTarget, product: int) -> float:
    return odoo.call("product.product", "read", [product], ["qty_available"])[0]["qty_available"]


def make_customer(odoo: OdooTarget, **extra) -> int:
    return odoo.call("res.partner", "create", {"name": f"Customer {uuid.uuid4().hex[:8]}",
                                               "email": "customer@example.com", **extra})


def make_order(odoo: OdooTarget, lines: list[dict], **extra) -> int:
    """A quotation for a new customer with these lines ({'product_id', 'product_uom_qty', 'price_unit', ...})."""
    partner = extra.pop("partner_id", None) or make_customer(odoo)
    return odoo.call("sale.order", "create", {"partner_id": partner, "order_line": [(0, 0, line) for line in lines],
                                              **extra})


def read_one(odoo: OdooTarget, model: str, record: int, fields: list[str]) -> dict:
    return odoo.call(model, "read", [record], fields)[0]


def main_company(odoo: OdooTarget) -> int:
    """The company orders are made in (other tests create more companies: the first by name may be another)."""
    return odoo.admin_call("ir.model.data", "search_read", [["module", "=", "base"], ["name", "=", "main_company"]],
                           ["res_id"])[0]["res_id"]


@contextlib.contextmanager
def tax_rounding(odoo: OdooTarget, method: str):
    """The company computes taxes `round_per_line` or `round_globally` inside the block (restored after)."""
    company = main_company(odoo)
    before = odoo.admin_call("res.company", "read", [company], ["tax_calculation_rounding_method"])[0][
        "tax_calculation_rounding_method"]
    odoo.admin_call("res.company", "write", [company], {"tax_calculation_rounding_method": method})
    try:
        yield
    finally:
        odoo.admin_call("res.company", "write", [company], {"tax_calculation_rounding_method": before})
