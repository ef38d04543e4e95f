"""The GraphQL documents the Shopify connector sends. Nested connections ask for a page that covers
almost every real order; an order that has more comes back with `hasNextPage` and is fetched again
on its own with larger pages, so nothing is cut off."""

from __future__ import annotations

MONEY = "shopMoney { amount currencyCode }"


ORDER_HEADER = f"""
  id legacyResourceId name createdAt updatedAt cancelledAt cancelReason email phone note currencyCode
  displayFinancialStatus displayFulfillmentStatus
  subtotalPriceSet {{ {MONEY} }} totalPriceSet {{ {MONEY} }} totalTaxSet {{ {MONEY} }}
  totalDiscountsSet {{ {MONEY} }} totalShippingPriceSet {{ {MONEY} }} totalRefundedSet {{ {MONEY} }}
  customer {{ id }}
  billingAddress {{ firstName lastName company address1 address2 city zip province countryCodeV2 phone }}
  shippingAddress {{ firstName lastName company address1 address2 city zip province countryCodeV2 phone }}
"""


def order_fields(lines: int, nested: int) -> str:
    return ORDER_HEADER + f"""
  lineItems(first: {lines}) {{
    pageInfo {{ hasNextPage }}
    nodes {{ id name sku quantity originalUnitPriceSet {{ {MONEY} }} totalDiscountSet {{ {MONEY} }}
            taxLines(first: 1) {{ rate priceSet {{ {MONEY} }} }} }}
  }}
  transactions(first: {nested * 2}) {{ id kind status gateway authorizationCode processedAt amountSet {{ {MONEY} }}
    parentTransaction {{ id }} }}
  refunds(first: {nested}) {{ id createdAt note totalRefundedSet {{ {MONEY} }}
    refundLineItems(first: {lines}) {{ pageInfo {{ hasNextPage }}
      nodes {{ quantity restockType lineItem {{ id }} subtotalSet {{ {MONEY} }} }} }} }}
  fulfillments(first: {nested}) {{ id status createdAt trackingInfo(first: 1) {{ company number }}
    fulfillmentLineItems(first: {lines}) {{ pageInfo {{ hasNextPage }} nodes {{ quantity lineItem {{ id }} }} }} }}
"""


def orders_page(lines: int = 5, nested: int = 2) -> str:
    return f"""query Orders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {order_fields(lines, nested)} }}
  }}
}}"""


ORDER_IN_FULL = f"""query Order($id: ID!) {{ order(id: $id) {{ {order_fields(50, 5)} }} }}"""


def orders_bulk(search: str | None) -> str:
    """The bulk export of orders: connections without limits; the JSONL nests children by __parentId."""
    where = f'(query: "{search}", sortKey: UPDATED_AT)' if search else "(sortKey: UPDATED_AT)"
    return f"""{{ orders{where} {{ edges {{ node {{ {ORDER_HEADER}
  transactions {{ id kind status gateway authorizationCode processedAt amountSet {{ {MONEY} }} parentTransaction {{ id }} }}
  refunds {{ id createdAt note totalRefundedSet {{ {MONEY} }}
    refundLineItems {{ nodes {{ quantity restockType lineItem {{ id }} subtotalSet {{ {MONEY} }} }} }} }}
  fulfillments {{ id status createdAt trackingInfo {{ company number }}
    fulfillmentLineItems {{ nodes {{ quantity lineItem {{ id }} }} }} }}
  lineItems {{ edges {{ node {{ id name sku quantity originalUnitPriceSet {{ {MONEY} }}
    totalDiscountSet {{ {MONEY} }} taxLines {{ rate priceSet {{ {MONEY} }} }} }} }} }}
}} }} }} }}"""


BULK_START = """mutation Bulk($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message code } }
}"""

BULK_STATUS = """query BulkStatus($id: ID!) {
  bulkOperation(id: $id) { id status errorCode objectCount rootObjectCount url }
}"""

CUSTOMERS_PAGE = """query Customers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id firstName lastName email phone createdAt updatedAt
            defaultAddress { company address1 city zip countryCodeV2 } }
  }
}"""

VARIANTS_BY_SKU = """query Variants($first: Int!, $query: String!) {
  productVariants(first: $first, query: $query) {
    nodes { id sku barcode inventoryItem { id } }
  }
}"""

LOCATIONS = """query Locations($first: Int!, $after: String) {
  locations(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { id name isActive } }
}"""

INVENTORY_LEVELS = """query Levels($first: Int!, $query: String!, $location: ID!) {
  productVariants(first: $first, query: $query) {
    nodes { sku inventoryItem { id inventoryLevel(locationId: $location) {
      updatedAt quantities(names: ["available"]) { name quantity } } } }
  }
}"""

LOCATION_LEVELS = """query LocationLevels($first: Int!, $after: String, $location: ID!) {
  productVariants(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { sku inventoryItem { id inventoryLevel(locationId: $location) {
      updatedAt quantities(names: ["available"]) { name quantity } } } }
  }
}"""

SET_QUANTITIES = """mutation SetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
    userErrors { code field message }
  }
}"""

# What an order has shipped and what is left, per line: the fulfilment push reads it before every write.
# Fulfillments are the record of what shipped (a closed fulfillment order is not listed by default);
# the open fulfillment orders say what may still be fulfilled, and through which line items.
ORDER_SHIPPING = """query OrderShipping($id: ID!) {
  order(id: $id) { id name displayFulfillmentStatus
    lineItems(first: 50) { pageInfo { hasNextPage } nodes { id sku quantity } }
    fulfillments(first: 10) { id status trackingInfo(first: 1) { company number }
      fulfillmentLineItems(first: 20) { pageInfo { hasNextPage } nodes { quantity lineItem { id sku } } } }
    fulfillmentOrders(first: 3) { pageInfo { hasNextPage } nodes { id status
      lineItems(first: 30) { pageInfo { hasNextPage } nodes { id remainingQuantity lineItem { id sku } } } } } }
}"""
SHIPPING_LIMITS = {"fulfillments": 10}

FULFILLMENT_CREATE = """mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status trackingInfo(first: 1) { company number } }
    userErrors { field message } }
}"""

FULFILLMENT_TRACKING_UPDATE = """mutation FulfillmentTracking($id: ID!, $tracking: FulfillmentTrackingInput!) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $tracking, notifyCustomer: false) {
    fulfillment { id trackingInfo(first: 1) { company number } }
    userErrors { field message } }
}"""
