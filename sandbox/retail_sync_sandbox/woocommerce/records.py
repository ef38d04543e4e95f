"""World records → WooCommerce REST v3 resources (orders, refunds, customers, variable products
and their variations), as `/wp-json/wc/v3` returns them: unwrapped JSON, decimal strings, local and
GMT date pairs without a zone suffix."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from ..datagen.orders import fulfillment_status
from ..documents import Doc

SITE_OFFSET = timedelta(hours=1)        # the demo shop's WordPress timezone is UTC+1
STATUS = {"pending_payment": "pending", "authorized": "on-hold", "partially_paid": "on-hold", "paid": "processing",
          "partially_refunded": "processing", "refunded": "refunded", "cancelled": "cancelled",
          "partially_fulfilled": "processing", "fulfilled": "completed"}


def gmt(stamp: str | None) -> str | None:
    return stamp[:-1] if stamp else None          # "2026-10-01T12:00:00Z" → "2026-10-01T12:00:00"


def local(stamp: str | None) -> str | None:
    if not stamp:
        return None
    return (datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ") + SITE_OFFSET).strftime("%Y-%m-%dT%H:%M:%S")


def dates(name: str, stamp: str | None) -> dict:
    return {name: local(stamp), f"{name}_gmt": gmt(stamp)}


def address(p: dict, with_contact: bool) -> dict:
    out = {"first_name": p["first_name"], "last_name": p["last_name"], "company": "", "address_1": p["street"],
           "address_2": "", "city": p["city"], "state": "", "postcode": p["zip"], "country": p["country"]}
    if with_contact:
        out.update(email=p["email"] or "", phone=p["phone"] or "")
    return out


def catalog_docs(catalog: list[dict], stock: dict[str, int], stamp: str) -> list[Doc]:
    """Variable products (one per parent) with a variation per SKU; single-SKU parents stay simple."""
    docs: list[Doc] = []
    parents: dict[str, list[dict]] = {}
    for product in catalog:
        parents.setdefault(product["parent_key"], []).append(product)
    next_id = 1000
    for parent_key, skus in parents.items():
        next_id += 1
        parent_id = next_id
        variable = len(skus) > 1
        variation_ids = []
        for product in skus if variable else []:
            next_id += 1
            variation_ids.append(next_id)
            docs.append(Doc("variation", str(next_id), stamp, next_id, {
                "id": next_id, "parent_id": parent_id, "sku": product["sku"], "price": product["list_price"],
                "regular_price": product["list_price"], "sale_price": "", "manage_stock": True,
                "stock_quantity": stock.get(product["sku"], 0), "stock_status": "instock",
                "date_modified": local(stamp), "date_modified_gmt": gmt(stamp)}, ref=product["sku"]))
        first = skus[0]
        docs.append(Doc("product", str(parent_id), stamp, parent_id, {
            "id": parent_id, "name": first["name"], "slug": parent_key.lower(), "type": "variable" if variable else "simple",
            "status": "publish", "sku": "" if variable else first["sku"], "price": first["list_price"],
            "regular_price": first["list_price"], "manage_stock": not variable,
            "stock_quantity": None if variable else stock.get(first["sku"], 0), "stock_status": "instock",
            "variations": variation_ids, "date_modified": local(stamp), "date_modified_gmt": gmt(stamp)},
            ref=None if variable else first["sku"]))
    return docs


def customer_doc(account: dict) -> Doc:
    return Doc("customer", str(account["id"]), account["updated_at"], account["id"], {
        "id": account["id"], **dates("date_created", account["created_at"]),
        **dates("date_modified", account["updated_at"]), "email": account["email"],
        "first_name": account["first_name"], "last_name": account["last_name"], "role": "customer",
        "username": account["email"].split("@")[0].lower(), "billing": address(account, True),
        "shipping": address(account, False), "is_paying_customer": True, "meta_data": []}, ref=account["email"])


def order_docs(order: dict, product_ids: dict[str, tuple[int, int]]) -> list[Doc]:
    """The order, and one refund resource per refund (listed under /orders/<id>/refunds)."""
    paid = next((t for t in order["transactions"] if t["kind"] in ("sale", "capture") and t["status"] == "success"),
                None)
    status = STATUS[order["story"]]
    if status == "processing" and fulfillment_status(order) == "fulfilled":
        status = "completed"
    lines = []
    for li in order["lines"]:
        product_id, variation_id = product_ids.get(li["sku"], (0, 0))
        gross = Decimal(li["unit_price"]) * li["quantity"]
        net = gross - Decimal(li["discount"])
        lines.append({"id": li["id"], "name": li["name"], "product_id": product_id, "variation_id": variation_id,
                      "quantity": li["quantity"], "tax_class": "", "subtotal": f"{gross:.2f}",
                      "subtotal_tax": li["tax"], "total": f"{net:.2f}", "total_tax": li["tax"],
                      "taxes": [{"id": 1, "total": li["tax"], "subtotal": li["tax"]}], "meta_data": [],
                      "sku": li["sku"], "price": float(li["unit_price"])})
    body = {
        "id": order["id"], "parent_id": 0, "number": str(order["number"]), "order_key": f"wc_order_{order['id']:08d}",
        "created_via": "checkout", "version": "9.4.0", "status": status, "currency": order["currency"],
        **dates("date_created", order["created_at"]), **dates("date_modified", order["updated_at"]),
        "discount_total": order["discount_total"], "discount_tax": "0.00", "shipping_total": order["shipping"],
        "shipping_tax": "0.00", "cart_tax": order["tax_total"], "total": order["total"],
        "total_tax": order["tax_total"], "prices_include_tax": False, "customer_id": order["customer_id"] or 0,
        "customer_ip_address": "", "customer_user_agent": "", "customer_note": order["note"] or "",
        "billing": address(order, True), "shipping": address(order, False), "payment_method": "stripe",
        "payment_method_title": "Credit card (Stripe)", "transaction_id": (paid or {}).get("charge") or "",
        **dates("date_paid", paid["processed_at"] if paid else None),
        **dates("date_completed", order["fulfillments"][-1]["created_at"]
                if status == "completed" and order["fulfillments"] else None),
        "cart_hash": "", "meta_data": [], "line_items": lines,
        "tax_lines": [{"id": 1, "rate_code": "GB-VAT-1", "rate_id": 1, "label": "VAT", "compound": False,
                       "tax_total": order["tax_total"], "shipping_tax_total": "0.00", "meta_data": []}],
        "shipping_lines": [{"id": order["id"] * 10 + 1, "method_title": "Flat rate", "method_id": "flat_rate",
                            "instance_id": "1", "total": order["shipping"], "total_tax": "0.00", "taxes": [],
                            "meta_data": []}],
        "fee_lines": [], "coupon_lines": [],
        "refunds": [{"id": r["id"], "reason": r["note"] or "", "total": f"-{Decimal(r['amount']):.2f}"}
                    for r in order["refunds"]],
    }
    docs = [Doc("order", str(order["id"]), order["updated_at"], order["id"], body)]
    for r in order["refunds"]:
        by_id = {li["id"]: li for li in order["lines"]}
        docs.append(Doc("refund", str(r["id"]), r["created_at"], r["id"], {
            "id": r["id"], **dates("date_created", r["created_at"]), "amount": f"{Decimal(r['amount']):.2f}",
            "reason": r["note"] or "", "refunded_by": 1, "refunded_payment": True, "meta_data": [],
            "line_items": [{"id": li["line_id"] + 5_000_000, "name": by_id[li["line_id"]]["name"],
                            "product_id": product_ids.get(by_id[li["line_id"]]["sku"], (0, 0))[0],
                            "variation_id": product_ids.get(by_id[li["line_id"]]["sku"], (0, 0))[1],
                            "quantity": -li["quantity"], "subtotal": f"-{Decimal(li['amount']):.2f}",
                            "total": f"-{Decimal(li['amount']):.2f}", "sku": by_id[li["line_id"]]["sku"],
                            "meta_data": [{"key": "_refunded_item_id", "value": str(li["line_id"])}]}
                           for li in r["lines"]]}, ref=str(order["id"])))
    return docs
