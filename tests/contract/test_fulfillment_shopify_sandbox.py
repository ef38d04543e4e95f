"""The Shopify sandbox's fulfilment mutations as Shopify answers them: `fulfillmentCreate` refusing more than
a fulfillment order line has left (the order untouched), `fulfillmentTrackingInfoUpdate` replacing a
fulfilment's tracking, refusing an unknown fulfilment, and a call without the tracking input failing
validation."""

from __future__ import annotations

from .test_shopify_sandbox import gql

CREATE = """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id trackingInfo(first: 1) { company number } } userErrors { field message } } }"""
TRACK = """mutation($id: ID!, $t: FulfillmentTrackingInput!) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $t) {
    fulfillment { id trackingInfo(first: 1) { company number } } userErrors { field message } } }"""
ORDER = """query($id: ID!) { order(id: $id) { displayFulfillmentStatus fulfillments(first: 5) { id }
  fulfillmentOrders(first: 1) { nodes { id lineItems(first: 10) { nodes { id remainingQuantity } } } } } }"""


def open_order(small_world) -> str:
    order = next(o for o in small_world.orders_of("shopify-eu") if o["story"] == "paid" and not o["fulfillments"])
    return f"gid://shopify/Order/{order['id']}"


def test_more_than_is_left_is_refused_and_nothing_changes(shopify, small_world):
    server, _ = shopify
    order_id = open_order(small_world)
    fo = gql(server, ORDER, {"id": order_id}).json()["data"]["order"]["fulfillmentOrders"]["nodes"][0]
    item = fo["lineItems"]["nodes"][0]
    too_many = {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": [
        {"id": item["id"], "quantity": item["remainingQuantity"] + 1}]}]}
    answer = gql(server, CREATE, {"f": too_many}).json()["data"]["fulfillmentCreate"]
    assert answer["fulfillment"] is None and answer["userErrors"][0]["message"].startswith("Invalid fulfillment")
    order = gql(server, ORDER, {"id": order_id}).json()["data"]["order"]
    assert (order["displayFulfillmentStatus"], order["fulfillments"]) == ("UNFULFILLED", [])


def test_tracking_is_replaced_on_the_fulfillment(shopify, small_world):
    server, _ = shopify
    order_id = open_order(small_world)
    fo = gql(server, ORDER, {"id": order_id}).json()["data"]["order"]["fulfillmentOrders"]["nodes"][0]
    created = gql(server, CREATE, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}}).json()
    fulfillment = created["data"]["fulfillmentCreate"]["fulfillment"]
    assert fulfillment["trackingInfo"] == []                        # none given: none listed

    updated = gql(server, TRACK, {"id": fulfillment["id"], "t": {"company": "DHL", "number": "1Z1"}}).json()
    assert updated["data"]["fulfillmentTrackingInfoUpdate"] == {
        "fulfillment": {"id": fulfillment["id"], "trackingInfo": [{"company": "DHL", "number": "1Z1"}]},
        "userErrors": []}
    unknown = gql(server, TRACK, {"id": "gid://shopify/Fulfillment/1", "t": {"number": "X"}}).json()
    assert unknown["data"]["fulfillmentTrackingInfoUpdate"] == {
        "fulfillment": None, "userErrors": [{"field": ["fulfillmentId"], "message": "Fulfillment does not exist."}]}
    missing = gql(server, """mutation($id: ID!) { fulfillmentTrackingInfoUpdate(fulfillmentId: $id) {
        userErrors { message } } }""", {"id": fulfillment["id"]}).json()
    assert "trackingInfoInput" in missing["errors"][0]["message"] and "data" not in missing
