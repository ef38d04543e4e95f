"""The Shopify sandbox behaves as Shopify's GraphQL Admin API does: schema errors, connection
limits, cost extensions, THROTTLED, MAX_COST_EXCEEDED, bulk operations, auth, signed webhooks."""

from __future__ import annotations

import json
import time

import httpx

from retail_sync.channels.webhooks import verify_base64_hmac
from retail_sync_sandbox.datagen.orders import make_order
from tests.storefront_fixtures import SHOPIFY_TOKEN, VirtualClock

from .webhook_receiver import WebhookReceiver


def gql(server, query: str, variables: dict | None = None, token: str = SHOPIFY_TOKEN, version: str = "2026-07"):
    return httpx.post(f"{server.url}/admin/api/{version}/graphql.json", json={"query": query, "variables": variables},
                      headers={"X-Shopify-Access-Token": token})


def test_every_answer_reports_its_cost_and_the_bucket(shopify):
    server, _ = shopify
    body = gql(server, "{ orders(first: 10) { nodes { id name } } }").json()
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 12          # 2 + 10 orders x 1
    assert cost["actualQueryCost"] == 12
    assert set(cost["throttleStatus"]) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}
    assert len(body["data"]["orders"]["nodes"]) == 10


def test_a_field_outside_the_schema_fails_as_a_graphql_server_fails_it(shopify):
    server, _ = shopify
    response = gql(server, "{ orders(first: 1) { nodes { id fooBar } } }")
    assert response.status_code == 200
    assert response.json() == {"errors": [{"message": "Cannot query field 'fooBar' on type 'Order'.",
                                           "locations": [{"line": 1, "column": 33}]}]}
    assert "Syntax Error" in gql(server, "{ orders(first: 1) { nodes { id }").json()["errors"][0]["message"]


def test_connections_need_first_or_last_and_at_most_250(shopify):
    server, _ = shopify
    assert "first or last" in gql(server, "{ orders { nodes { id } } }").json()["errors"][0]["message"]
    assert "250" in gql(server, "{ locations(first: 251) { nodes { id } } }").json()["errors"][0]["message"]


def test_too_expensive_a_query_is_refused_before_it_runs(shopify):
    server, _ = shopify
    body = gql(server, "{ orders(first: 250) { nodes { id lineItems(first: 50) { nodes { id } } } } }").json()
    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert "data" not in body


def test_an_empty_bucket_answers_throttled_and_refills(shopify):
    server, sandbox = shopify
    sandbox.bucket.configure(100, 50)
    clock = VirtualClock()
    sandbox.bucket.use_clock(clock.now)
    query = "{ orders(first: 90) { nodes { id } } }"
    assert "data" in gql(server, query).json()
    throttled = gql(server, query).json()
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert throttled["extensions"]["cost"]["actualQueryCost"] is None
    clock.sleep(1.9)
    assert "data" in gql(server, query).json()


def test_a_bad_token_is_401(shopify):
    server, _ = shopify
    response = gql(server, "{ shop { name } }", token="shpat_nope")
    assert response.status_code == 401 and "Invalid API key or access token" in response.json()["errors"]


def test_cursors_walk_forwards_and_backwards(shopify):
    server, _ = shopify
    page = gql(server, "{ orders(first: 3, sortKey: UPDATED_AT) { pageInfo { endCursor } nodes { id } } }").json()
    cursor = page["data"]["orders"]["pageInfo"]["endCursor"]
    nxt = gql(server, "query($c: String) { orders(first: 3, after: $c, sortKey: UPDATED_AT) { nodes { id } } }",
              {"c": cursor}).json()["data"]["orders"]["nodes"]
    back = gql(server, "query($c: String) { orders(last: 2, before: $c, sortKey: UPDATED_AT) { nodes { id } } }",
               {"c": cursor}).json()["data"]["orders"]["nodes"]
    first_ids = [n["id"] for n in page["data"]["orders"]["nodes"]]
    assert not set(first_ids) & {n["id"] for n in nxt}
    assert [n["id"] for n in back] == first_ids[:2]


def test_unknown_search_fields_are_ignored_with_a_warning(shopify):
    server, _ = shopify
    body = gql(server, '{ orders(first: 2, query: "colour:blue") { nodes { id } } }').json()
    assert len(body["data"]["orders"]["nodes"]) == 2
    assert body["extensions"]["search"][0]["warnings"][0]["field"] == "colour"


def test_bulk_operations_run_asynchronously_refuse_bad_queries_and_one_at_a_time(shopify):
    server, _ = shopify
    start = "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status } " \
            "userErrors { code field message } } }"
    refused = gql(server, start, {"q": "{ shop { name } }"}).json()["data"]["bulkOperationRunQuery"]
    assert refused["userErrors"][0]["code"] == "INVALID"
    query = "{ orders { edges { node { id lineItems { edges { node { id sku } } } } } } }"
    started = gql(server, start, {"q": query}).json()["data"]["bulkOperationRunQuery"]
    assert started["bulkOperation"]["status"] in ("CREATED", "RUNNING")
    for _ in range(200):
        op = gql(server, "{ currentBulkOperation { status url objectCount rootObjectCount } }").json()
        if op["data"]["currentBulkOperation"]["status"] == "COMPLETED":
            break
        time.sleep(0.02)
    op = op["data"]["currentBulkOperation"]
    lines = [json.loads(line) for line in httpx.get(op["url"]).text.splitlines()]
    assert len(lines) == op["objectCount"] and sum("__parentId" not in x for x in lines) == op["rootObjectCount"]
    assert all(x["__parentId"].startswith("gid://shopify/Order/") for x in lines if "__parentId" in x)


def test_inventory_set_quantities_requires_a_compare_quantity(shopify):
    server, sandbox = shopify
    item = next(sandbox.store.scan("variant"))["inventoryItemId"]
    location = next(sandbox.store.scan("location"))["id"]
    mutation = "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { " \
               "userErrors { code field message } } }"
    data = gql(server, mutation, {"input": {"name": "available", "reason": "correction", "quantities": [
        {"inventoryItemId": item, "locationId": location, "quantity": 5}]}}).json()["data"]
    assert data["inventorySetQuantities"]["userErrors"][0]["code"] == "COMPARE_QUANTITY_REQUIRED"
    data = gql(server, mutation, {"input": {"name": "nonsense", "reason": "correction", "quantities": [
        {"inventoryItemId": item, "locationId": location, "quantity": 5, "changeFromQuantity": None}]}}).json()["data"]
    assert data["inventorySetQuantities"]["userErrors"][0]["code"] == "INVALID_NAME"


def test_order_webhooks_are_signed_with_the_app_secret(shopify, small_world):
    server, sandbox = shopify
    with WebhookReceiver() as receiver:
        httpx.post(f"{server.url}/sandbox/webhooks", json={"url": receiver.url, "secret": "app-secret"},
                   headers={"X-Sandbox-Token": sandbox.control_token})
        store = small_world.store("shopify-eu")
        order = make_order(__import__("random").Random(1), store, 9999, __import__("datetime").datetime(2026, 11, 2),
                           small_world.catalog, small_world.customers_of("shopify-eu")[0],
                           iter(range(90_000_000, 90_000_100)))
        sandbox.upsert_order(order, "orders/create")
        sandbox.webhooks.wait_idle()
        delivery = receiver.wait_for(1)[0]
    verify_base64_hmac("app-secret", delivery["body"], delivery["headers"]["x-shopify-hmac-sha256"])
    assert delivery["headers"]["x-shopify-topic"] == "orders/create"
    assert json.loads(delivery["body"])["name"] == order["name"]
