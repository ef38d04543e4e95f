"""The Shopify sandbox's mutations: inventorySetQuantities, fulfillmentCreate, fulfillmentTrackingInfoUpdate,
bulkOperationRunQuery.

Business refusals come back as `userErrors` with Shopify's codes (the call itself succeeds);
nothing is written unless every part of the input is valid.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from ..documents import Doc
from .records import fulfillment_order, gid, legacy_id
from .schema import inventory_item

SET_NAMES = ("available", "on_hand")
REASONS = ("correction", "cycle_count_available", "damaged", "movement_created", "movement_updated", "other",
           "promotion", "quality_control", "received", "reservation_created", "restock", "safety_stock",
           "shrinkage")


def now_stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def user_error(message: str, field: list[str], code: str | None = None) -> dict:
    error = {"field": field, "message": message}
    if code:
        error["code"] = code
    return error


class Mutations:
    def __init__(self, sandbox, on_order_change: Callable[[dict, str], None]):
        self.sandbox = sandbox
        self.on_order_change = on_order_change
        self._ids = itertools.count(int(time.time()) % 10**6 * 1000)

    def resolvers(self) -> dict:
        return {"inventorySetQuantities": self.inventory_set_quantities, "fulfillmentCreate": self.fulfillment_create,
                "fulfillmentTrackingInfoUpdate": self.fulfillment_tracking_info_update,
                "bulkOperationRunQuery": self.bulk_operation_run_query}

    def inventory_set_quantities(self, _root, info, input):
        store = self.sandbox.store
        errors = []
        if input["name"] not in SET_NAMES:
            errors.append(user_error("The quantity name must be either 'available' or 'on_hand'.", ["input", "name"],
                                     "INVALID_NAME"))
        if input["reason"] not in REASONS:
            errors.append(user_error("The specified reason is invalid.", ["input", "reason"], "INVALID_REASON"))
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        changes = []
        with store.lock:
            for i, q in enumerate(input["quantities"]):
                where = ["input", "quantities", str(i)]
                variant = store.get("variant", f"gid://shopify/ProductVariant/{legacy_id(q['inventoryItemId'])}") \
                    if q["inventoryItemId"].startswith("gid://shopify/InventoryItem/") else None
                if variant is None:
                    errors.append(user_error("The specified inventory item could not be found.",
                                             where + ["inventoryItemId"], "INVALID_INVENTORY_ITEM"))
                    continue
                if store.get("location", q["locationId"]) is None:
                    errors.append(user_error("The specified location could not be found.", where + ["locationId"],
                                             "INVALID_LOCATION"))
                    continue
                if q["quantity"] < 0 and input["name"] == "on_hand":
                    errors.append(user_error("The quantity can't be negative.", where + ["quantity"],
                                             "INVALID_QUANTITY_NEGATIVE"))
                    continue
                level_id = f"gid://shopify/InventoryLevel/{legacy_id(q['locationId'])}" \
                           f"?inventory_item_id={legacy_id(q['inventoryItemId'])}"
                level = store.get("inventory_level", level_id)
                if level is None:
                    errors.append(user_error("The inventory item is not stocked at the location.", where,
                                             "ITEM_NOT_STOCKED_AT_LOCATION"))
                    continue
                current = level["quantities"][input["name"]]
                if "changeFromQuantity" in q:
                    expected = q["changeFromQuantity"]
                elif input.get("ignoreCompareQuantity"):
                    expected = None
                elif "compareQuantity" in q and q["compareQuantity"] is not None:
                    expected = q["compareQuantity"]
                else:
                    errors.append(user_error("The changeFromQuantity argument must be given to each quantity "
                                             "(null opts out of the check).", where, "COMPARE_QUANTITY_REQUIRED"))
                    continue
                if expected is not None and expected != current:
                    errors.append(user_error("The specified compare quantity does not match the current quantity.",
                                             where, "CHANGE_FROM_QUANTITY_STALE"))
                    continue
                changes.append((level, current, q, variant))
            if errors:
                return {"inventoryAdjustmentGroup": None, "userErrors": errors}
            stamp = now_stamp()
            docs, out = [], []
            for level, current, q, variant in changes:
                level["quantities"][input["name"]] = q["quantity"]
                if input["name"] == "available":
                    level["quantities"]["on_hand"] = q["quantity"] + level["quantities"].get("committed", 0)
                level["updatedAt"] = stamp
                docs.append(Doc("inventory_level", level["id"], stamp, legacy_id(level["itemId"]), level,
                                ref=level["itemId"]))
                out.append({"name": input["name"], "delta": q["quantity"] - current,
                            "quantityAfterChange": q["quantity"], "item": inventory_item(variant),
                            "location": store.get("location", level["locationId"])})
            store.put_many(docs)
        group = {"id": gid("InventoryAdjustmentGroup", next(self._ids)), "createdAt": stamp, "reason": input["reason"],
                 "referenceDocumentUri": input.get("referenceDocumentUri"), "changes": out}
        return {"inventoryAdjustmentGroup": group, "userErrors": []}

    def fulfillment_create(self, _root, info, fulfillment, message=None):
        store = self.sandbox.store
        groups = fulfillment["lineItemsByFulfillmentOrder"]
        if len(groups) != 1:
            return {"fulfillment": None, "userErrors": [user_error(
                "The sandbox fulfils one fulfillment order per call.", ["fulfillment", "lineItemsByFulfillmentOrder"])]}
        group = groups[0]
        order_number = legacy_id(group["fulfillmentOrderId"]) if group["fulfillmentOrderId"].startswith(
            "gid://shopify/FulfillmentOrder/") else None
        with store.lock:
            order = store.get("order", gid("Order", order_number)) if order_number else None
            if order is None:
                return {"fulfillment": None, "userErrors": [user_error(
                    "Fulfillment order does not exist.", ["fulfillment", "lineItemsByFulfillmentOrder", "0",
                                                          "fulfillmentOrderId"])]}
            fo = order["fulfillmentOrders"][0]
            if fo["status"] not in ("OPEN", "IN_PROGRESS"):
                return {"fulfillment": None, "userErrors": [user_error(
                    f"Fulfillment order {group['fulfillmentOrderId']} has an unfulfillable status= "
                    f"{fo['status'].lower()}.", ["fulfillment"])]}
            by_id = {item["id"]: item for item in fo["lineItems"]}
            wanted = group.get("fulfillmentOrderLineItems")
            if wanted is None:
                wanted = [{"id": i["id"], "quantity": i["remainingQuantity"]} for i in fo["lineItems"]
                          if i["remainingQuantity"]]
            for i, w in enumerate(wanted):
                item = by_id.get(w["id"])
                if item is None or w["quantity"] <= 0 or w["quantity"] > item["remainingQuantity"]:
                    return {"fulfillment": None, "userErrors": [user_error(
                        "Invalid fulfillment order line item quantity requested.",
                        ["fulfillment", "lineItemsByFulfillmentOrder", "0", "fulfillmentOrderLineItems", str(i)])]}
            tracking = fulfillment.get("trackingInfo") or {}
            stamp = now_stamp()
            new = {"id": gid("Fulfillment", next(self._ids)), "status": "SUCCESS", "createdAt": stamp,
                   # No tracking given: Shopify lists none (not one empty entry).
                   "trackingInfo": [{"company": tracking.get("company"), "number": tracking.get("number"),
                                     "url": tracking.get("url")}] if any(tracking.values()) else [],
                   "fulfillmentLineItems": [{"id": gid("FulfillmentLineItem", next(self._ids)),
                                             "lineItem": by_id[w["id"]]["lineItem"], "quantity": w["quantity"]}
                                            for w in wanted]}
            order["fulfillments"].append(new)
            order["fulfillmentOrders"] = [fulfillment_order(
                {"cancelled_at": order["cancelledAt"], "id": order["legacyResourceId"]}, order)]
            remaining = sum(i["remainingQuantity"] for i in order["fulfillmentOrders"][0]["lineItems"])
            order["displayFulfillmentStatus"] = "FULFILLED" if remaining == 0 else "PARTIALLY_FULFILLED"
            order["updatedAt"] = stamp
            store.put(Doc("order", order["id"], stamp, order["legacyResourceId"], order))
        self.on_order_change(order, "orders/fulfilled")
        return {"fulfillment": new, "userErrors": []}

    def fulfillment_tracking_info_update(self, _root, info, fulfillmentId, trackingInfoInput, notifyCustomer=None):
        """The fulfillment's tracking replaced (company, number, url); a cancelled one cannot change."""
        store = self.sandbox.store
        with store.lock:
            order = next((o for o in store.scan("order") if any(f["id"] == fulfillmentId for f in o["fulfillments"])),
                         None)
            if order is None:
                return {"fulfillment": None, "userErrors": [user_error("Fulfillment does not exist.",
                                                                       ["fulfillmentId"])]}
            fulfillment = next(f for f in order["fulfillments"] if f["id"] == fulfillmentId)
            if fulfillment["status"] == "CANCELLED":
                return {"fulfillment": None, "userErrors": [user_error(
                    "Cannot update tracking information for a cancelled fulfillment.", ["fulfillmentId"])]}
            fulfillment["trackingInfo"] = [{"company": trackingInfoInput.get("company"),
                                            "number": trackingInfoInput.get("number"),
                                            "url": trackingInfoInput.get("url")}]
            stamp = now_stamp()
            order["updatedAt"] = stamp
            store.put(Doc("order", order["id"], stamp, order["legacyResourceId"], order))
        self.on_order_change(order, "orders/updated")
        return {"fulfillment": fulfillment, "userErrors": []}

    def bulk_operation_run_query(self, _root, info, query, groupObjects=False):
        return self.sandbox.bulk.start(query)
