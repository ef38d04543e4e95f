"""World records → the documents the Shopify sandbox serves, shaped as GraphQL Admin API nodes.

Nested lists (line items, refunds, transactions, fulfillments, fulfillment orders) stay inside the
order document; `schema.py` turns them into connections. Cross-references (an order's customer, a
line's variant) are stored as ids and resolved on demand, as Shopify does.
"""

from __future__ import annotations

from decimal import Decimal

from ..datagen.orders import financial_status, fulfillment_status
from ..documents import Doc


def gid(kind: str, number: int | str) -> str:
    return f"gid://shopify/{kind}/{number}"


def legacy_id(global_id: str) -> int:
    return int(global_id.rsplit("/", 1)[-1].split("?", 1)[0])


def bag(amount: Decimal | str, currency: str) -> dict:
    money = {"amount": str(Decimal(str(amount)).quantize(Decimal("0.01"))), "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": dict(money)}


def variant_number(store_location: int, index: int) -> int:
    return store_location * 1000 + index


def catalog_docs(catalog: list[dict], store, stock: dict[str, int], stamp: str) -> list[Doc]:
    docs = [Doc("location", gid("Location", store.location_id), "", store.location_id,
                {"id": gid("Location", store.location_id), "legacyResourceId": store.location_id,
                 "name": f"{store.channel} fulfilment centre", "isActive": True})]
    for index, product in enumerate(catalog, start=1):
        number = variant_number(store.location_id, index)
        variant, item = gid("ProductVariant", number), gid("InventoryItem", number)
        price = (Decimal(product["list_price"]) * store.fx_from_eur).quantize(Decimal("0.01"))
        docs.append(Doc("variant", variant, stamp, number, {
            "id": variant, "legacyResourceId": number, "sku": product["sku"], "barcode": product["barcode"],
            "title": product["sku"].split("-", 1)[-1], "displayName": product["name"], "price": str(price),
            "updatedAt": stamp, "inventoryItemId": item,
            "product": {"id": gid("Product", number // 10), "title": product["name"],
                        "handle": product["parent_key"].lower()}}, ref=product["sku"]))
        docs.append(level_doc(item, store.location_id, stock.get(product["sku"], 0), stamp, product["sku"]))
    return docs


def level_doc(item: str, location_id: int, available: int, stamp: str, sku: str | None) -> Doc:
    location = gid("Location", location_id)
    level_id = f"gid://shopify/InventoryLevel/{location_id}?inventory_item_id={legacy_id(item)}"
    return Doc("inventory_level", level_id, stamp, legacy_id(item), {
        "id": level_id, "itemId": item, "locationId": location, "sku": sku, "updatedAt": stamp,
        "quantities": {"available": available, "on_hand": available, "committed": 0, "incoming": 0}}, ref=item)


def customer_doc(account: dict) -> Doc:
    number = account["id"]
    return Doc("customer", gid("Customer", number), account["updated_at"], number, {
        "id": gid("Customer", number), "legacyResourceId": number, "firstName": account["first_name"],
        "lastName": account["last_name"], "displayName": f"{account['first_name']} {account['last_name']}".strip(),
        "email": account["email"], "phone": account["phone"], "createdAt": account["created_at"],
        "updatedAt": account["updated_at"], "state": "ENABLED", "tags": [], "note": None,
        "defaultAddress": address(account)}, ref=account["email"])


def address(person: dict) -> dict:
    return {"firstName": person["first_name"], "lastName": person["last_name"],
            "name": f"{person['first_name']} {person['last_name']}", "company": None, "address1": person["street"],
            "address2": None, "city": person["city"], "zip": person["zip"], "province": None,
            "countryCodeV2": person["country"], "phone": person["phone"]}


def order_doc(order: dict, variants_by_sku: dict[str, str]) -> Doc:
    cur = order["currency"]
    refunded = sum((Decimal(r["amount"]) for r in order["refunds"]), Decimal(0))
    lines = [{
        "id": gid("LineItem", li["id"]), "name": li["name"], "sku": li["sku"], "quantity": li["quantity"],
        "currentQuantity": li["quantity"] - refunded_quantity(order, li["id"]), "requiresShipping": True,
        "originalUnitPriceSet": bag(li["unit_price"], cur),
        "discountedUnitPriceSet": bag(unit_after_discount(li), cur),
        "totalDiscountSet": bag(li["discount"], cur),
        "taxLines": [{"title": "VAT" if cur != "USD" else "Sales tax", "rate": li["tax_rate"],
                      "ratePercentage": round(li["tax_rate"] * 100, 2), "priceSet": bag(li["tax"], cur)}],
        "variantId": variants_by_sku.get(li["sku"]),
    } for li in order["lines"]]
    by_line = {li["id"]: line for li, line in zip(order["lines"], lines)}
    transactions = {}
    for t in order["transactions"]:
        transactions[t["id"]] = {
            "id": gid("OrderTransaction", t["id"]), "kind": t["kind"].upper(), "status": t["status"].upper(),
            "gateway": t["gateway"], "amountSet": bag(t["amount"], cur), "createdAt": t["processed_at"],
            "processedAt": t["processed_at"], "authorizationCode": t.get("charge"), "test": False,
            "parentTransaction": None}
        if t["parent_id"]:
            parent = dict(transactions[t["parent_id"]])
            transactions[t["id"]]["parentTransaction"] = parent
    refunds = [{
        "id": gid("Refund", r["id"]), "createdAt": r["created_at"], "note": r["note"],
        "totalRefundedSet": bag(r["amount"], cur),
        "refundLineItems": [{"id": gid("RefundLineItem", f"{r['id']}{i}"), "lineItem": by_line[li["line_id"]],
                             "quantity": li["quantity"], "restockType": "RETURN" if r["restock"] else "NO_RESTOCK",
                             "subtotalSet": bag(li["amount"], cur), "totalTaxSet": bag("0", cur)}
                            for i, li in enumerate(r["lines"])],
        "transactions": [transactions[r["transaction_id"]]] if r.get("transaction_id") in transactions else [],
    } for r in order["refunds"]]
    fulfillments = [{
        "id": gid("Fulfillment", f["id"]), "status": f["status"].upper(), "createdAt": f["created_at"],
        "trackingInfo": [{"company": f["carrier"], "number": f["tracking"], "url": None}],
        "fulfillmentLineItems": [{"id": gid("FulfillmentLineItem", f"{f['id']}{i}"),
                                  "lineItem": by_line[li["line_id"]], "quantity": li["quantity"]}
                                 for i, li in enumerate(f["lines"])],
    } for f in order["fulfillments"]]
    shipping = Decimal(order["shipping"])
    status = financial_status(order)
    doc = {
        "id": gid("Order", order["id"]), "legacyResourceId": order["id"], "name": order["name"],
        "createdAt": order["created_at"], "updatedAt": order["updated_at"], "processedAt": order["created_at"],
        "cancelledAt": order["cancelled_at"],
        "cancelReason": order["cancel_reason"].upper() if order["cancel_reason"] else None,
        "closedAt": None, "email": order["email"], "phone": order["phone"], "note": order["note"],
        "tags": order["tags"], "test": False, "currencyCode": cur, "presentmentCurrencyCode": cur,
        "displayFinancialStatus": status.upper(),
        "displayFulfillmentStatus": {"unfulfilled": "UNFULFILLED", "partial": "PARTIALLY_FULFILLED",
                                     "fulfilled": "FULFILLED"}[fulfillment_status(order)],
        "subtotalPriceSet": bag(order["subtotal"], cur), "totalPriceSet": bag(order["total"], cur),
        "totalTaxSet": bag(order["tax_total"], cur), "totalDiscountsSet": bag(order["discount_total"], cur),
        "totalShippingPriceSet": bag(shipping, cur), "totalRefundedSet": bag(refunded, cur),
        "currentTotalPriceSet": bag(Decimal(order["total"]) - refunded, cur),
        "customerId": gid("Customer", order["customer_id"]) if order["customer_id"] else None,
        "billingAddress": address(order), "shippingAddress": address(order),
        "lineItems": lines,
        "shippingLines": [{"id": gid("ShippingLine", order["id"]), "title": "Standard", "code": "STANDARD",
                           "originalPriceSet": bag(shipping, cur), "discountedPriceSet": bag(shipping, cur)}],
        "transactions": list(transactions.values()), "refunds": refunds, "fulfillments": fulfillments,
    }
    doc["fulfillmentOrders"] = [fulfillment_order(order, doc)]
    return Doc("order", doc["id"], order["updated_at"], order["id"], doc)


def fulfillment_order(order: dict, doc: dict) -> dict:
    """One fulfillment order per order (one location), with what is left to ship per line."""
    shipped: dict[str, int] = {}
    for f in doc["fulfillments"]:
        for li in f["fulfillmentLineItems"]:
            shipped[li["lineItem"]["id"]] = shipped.get(li["lineItem"]["id"], 0) + li["quantity"]
    items = [{"id": gid("FulfillmentOrderLineItem", legacy_id(li["id"])), "sku": li["sku"],
              "totalQuantity": li["quantity"], "remainingQuantity": max(0, li["quantity"] - shipped.get(li["id"], 0)),
              "lineItem": li} for li in doc["lineItems"]]
    remaining = sum(i["remainingQuantity"] for i in items)
    if order["cancelled_at"]:
        status = "CANCELLED"
    elif remaining == 0:
        status = "CLOSED"
    elif remaining < sum(i["totalQuantity"] for i in items):
        status = "IN_PROGRESS"
    else:
        status = "OPEN"
    return {"id": gid("FulfillmentOrder", order["id"]), "status": status, "lineItems": items}


def refunded_quantity(order: dict, line_id: int) -> int:
    return sum(li["quantity"] for r in order["refunds"] for li in r["lines"] if li["line_id"] == line_id)


def unit_after_discount(line: dict) -> Decimal:
    quantity = line["quantity"] or 1
    return (Decimal(line["unit_price"]) - Decimal(line["discount"]) / quantity).quantize(Decimal("0.01"))
