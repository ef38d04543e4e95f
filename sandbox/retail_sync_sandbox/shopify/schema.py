"""The Shopify sandbox's executable GraphQL schema: Shopify's SDL (schema.graphql) + resolvers that
read the document store.

Root connections page in SQL with opaque keyset cursors; nested connections (an order's line items)
slice the lists kept inside their parent document. Connections must be given `first` or `last`
(at most 250), as on Shopify. During a bulk operation (`context["bulk"]`) limits do not apply.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from graphql import GraphQLError, GraphQLField, GraphQLObjectType, GraphQLSchema, build_schema, get_named_type

from ..documents import DocumentStore
from .search import as_stamp, parse_search

MAX_PAGE = 250
CONNECTION_TYPES = ["Order", "Customer", "ProductVariant", "Location", "LineItem", "ShippingLine", "FulfillmentOrder",
                    "FulfillmentOrderLineItem", "RefundLineItem", "OrderTransaction", "FulfillmentLineItem",
                    "InventoryLevel"]
ROOTS = {  # field: (document kind, sort keys served, search fields)
    "orders": ("order", {"ID": "id", "UPDATED_AT": "time"}, {"updated_at"}),
    "customers": ("customer", {"ID": "id", "UPDATED_AT": "time"}, {"updated_at"}),
    "productVariants": ("variant", {"ID": "id"}, {"sku"}),
    "locations": ("location", {"ID": "id"}, set()),
}


def sdl() -> str:
    text = (Path(__file__).with_name("schema.graphql")).read_text()
    generated = "\n".join(
        f"type {t}Edge {{ cursor: String! node: {t}! }}\n"
        f"type {t}Connection {{ edges: [{t}Edge!]! nodes: [{t}!]! pageInfo: PageInfo! }}" for t in CONNECTION_TYPES)
    return text + "\n" + generated


def encode_cursor(position) -> str:
    return base64.b64encode(json.dumps(position, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str):
    try:
        return json.loads(base64.b64decode(cursor.encode(), validate=True))
    except (ValueError, TypeError):
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor!r}") from None


def page_size(args: dict, info) -> tuple[int | None, bool]:
    first, last = args.get("first"), args.get("last")
    if info.context.get("bulk"):
        return None, bool(last and not first)
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    size = first if first is not None else last
    if size < 0:
        raise GraphQLError("first/last must be non-negative")
    if size > MAX_PAGE:
        raise GraphQLError(f"The maximum number of records that can be retrieved in a connection is {MAX_PAGE}")
    return size, first is None


def connection(items: list[tuple[object, dict]], has_next: bool, has_previous: bool) -> dict:
    edges = [{"cursor": encode_cursor(pos), "node": node} for pos, node in items]
    return {"edges": edges, "nodes": [node for _, node in items],
            "pageInfo": {"hasNextPage": has_next, "hasPreviousPage": has_previous,
                         "startCursor": edges[0]["cursor"] if edges else None,
                         "endCursor": edges[-1]["cursor"] if edges else None}}


def root_connection(field_name: str):
    kind, sort_keys, searchable = ROOTS[field_name]

    def resolve(_root, info, **args):
        store: DocumentStore = info.context["store"]
        size, backwards = page_size(args, info)
        if info.context.get("bulk"):
            size = info.context["bulk_page"]      # the bulk runner pages the root connection itself
        sort_key = args.get("sortKey") or "ID"
        if sort_key not in sort_keys:
            raise GraphQLError(f"sortKey {sort_key} is not served by the sandbox; use one of {sorted(sort_keys)}")
        terms, warnings = parse_search(args.get("query"), searchable)
        if warnings:
            info.context.setdefault("search_warnings", []).append({"path": [field_name], "query": args["query"],
                                                                   "warnings": warnings})
        filters: dict = {}
        for term in terms:
            if term.field == "updated_at":
                stamp = as_stamp(term.value)
                if term.op in (">", ">="):
                    filters.update(time_from=stamp, time_from_inclusive=term.op == ">=")
                elif term.op in ("<", "<="):
                    filters["time_to"] = stamp
        skus = [t.value for t in terms if t.field == "sku"]
        descending = bool(args.get("reverse")) != backwards
        cursor = args.get("before") if backwards else args.get("after")
        after = tuple(decode_cursor(cursor)) if cursor else None
        if info.context.get("bulk_after") is not None:
            after = info.context["bulk_after"]
        if skus:
            docs = [d for sku in skus for d in store.by_ref(kind, sku)]
            rows = [((d.get("updatedAt", ""), d["legacyResourceId"]), d) for d in docs]
            rows.sort(key=lambda r: r[0][1], reverse=descending)
            if after:
                rows = [r for r in rows if (r[0][1] < after[1] if descending else r[0][1] > after[1])]
        else:
            limit = None if size is None else size + 1
            found = store.page(kind, after=after, descending=descending, by=sort_keys[sort_key], limit=limit,
                               **filters)
            rows = [((t, i), d) for t, i, d in found]
        has_more = size is not None and len(rows) > size
        rows = rows[:size] if size is not None else rows
        if info.context.get("bulk"):
            info.context["bulk_next"] = rows[-1][0] if has_more else None
        if backwards:
            rows.reverse()
        return connection(rows, has_next=has_more and not backwards, has_previous=has_more and backwards)

    return resolve


def nested_connection(field_name: str):
    def resolve(parent, info, **args):
        items = parent.get(field_name) or []
        size, backwards = page_size(args, info)
        indexed = list(enumerate(items))
        if args.get("reverse"):
            indexed.reverse()
        cursor = args.get("before") if backwards else args.get("after")
        if cursor:
            index = decode_cursor(cursor)
            position = [i for i, _ in indexed].index(index) if index in [i for i, _ in indexed] else -1
            indexed = indexed[:position] if backwards else indexed[position + 1:]
        has_more = size is not None and len(indexed) > size
        if size is not None:
            indexed = indexed[-size:] if backwards else indexed[:size]
        return connection(indexed, has_next=has_more and not backwards, has_previous=has_more and backwards)

    return resolve


def first_of(field_name: str):
    def resolve(parent, info, first=None, **_):
        items = parent.get(field_name) or []
        return items[:first] if first is not None else items
    return resolve


def cached_get(info, kind: str, doc_id: str | None) -> dict | None:
    if not doc_id:
        return None
    cache = info.context.setdefault("cache", {})
    if (kind, doc_id) not in cache:
        cache[(kind, doc_id)] = info.context["store"].get(kind, doc_id)
    return cache[(kind, doc_id)]


def inventory_item(variant: dict) -> dict:
    return {"id": variant["inventoryItemId"], "legacyResourceId": int(variant["inventoryItemId"].rsplit("/", 1)[1]),
            "sku": variant["sku"], "tracked": True, "variantId": variant["id"]}


def variant_of_item(info, item_id: str) -> dict | None:
    number = item_id.rsplit("/", 1)[-1]
    return cached_get(info, "variant", f"gid://shopify/ProductVariant/{number}")


def quantities(level: dict, info, names: list[str]) -> list[dict]:
    unknown = [n for n in names if n not in level["quantities"]]
    if unknown:
        raise GraphQLError(f"The quantity name(s) {', '.join(unknown)} are not valid.")
    return [{"id": f"{level['id']}&name={n}", "name": n, "quantity": level["quantities"][n],
             "updatedAt": level["updatedAt"]} for n in names]


NODE_KINDS = {"Order": "order", "Customer": "customer", "ProductVariant": "variant", "Location": "location",
              "BulkOperation": "bulk_operation", "InventoryLevel": "inventory_level"}


def resolve_node(_root, info, id):
    type_name = id.split("/")[3] if id.startswith("gid://shopify/") and id.count("/") >= 4 else None
    if type_name == "InventoryItem":
        variant = variant_of_item(info, id)
        return inventory_item(variant) if variant else None
    if type_name not in NODE_KINDS:
        return None
    return cached_get(info, NODE_KINDS[type_name], id)


def build(mutations: dict, shop: dict) -> GraphQLSchema:
    schema = build_schema(sdl())
    query: GraphQLObjectType = schema.query_type
    for name in ROOTS:
        query.fields[name].resolve = root_connection(name)
    query.fields["shop"].resolve = lambda *_: shop
    query.fields["node"].resolve = resolve_node
    query.fields["order"].resolve = lambda _r, info, id: cached_get(info, "order", id)
    query.fields["inventoryItem"].resolve = lambda _r, info, id: resolve_node(_r, info, id)
    query.fields["bulkOperation"].resolve = lambda _r, info, id: cached_get(info, "bulk_operation", id)
    query.fields["currentBulkOperation"].resolve = lambda _r, info, type="QUERY": info.context["bulk_runner"].current()
    schema.get_type("Node").resolve_type = lambda value, *_: value["id"].split("/")[3]

    for type_name, type_ in schema.type_map.items():
        if not isinstance(type_, GraphQLObjectType) or type_name.startswith("__") or type_ is query:
            continue
        for field_name, field in type_.fields.items():
            named = get_named_type(field.type).name
            if named.endswith("Connection") and type_name not in ("QueryRoot",) and field.resolve is None:
                field.resolve = nested_connection(field_name)
            elif "first" in field.args and field.resolve is None:
                field.resolve = first_of(field_name)

    fields: dict[str, GraphQLField] = schema.get_type("Order").fields
    fields["customer"].resolve = lambda order, info: cached_get(info, "customer", order.get("customerId"))
    schema.get_type("LineItem").fields["variant"].resolve = \
        lambda line, info: cached_get(info, "variant", line.get("variantId"))
    schema.get_type("ProductVariant").fields["inventoryItem"].resolve = lambda variant, info: inventory_item(variant)
    item_fields = schema.get_type("InventoryItem").fields
    item_fields["variant"].resolve = lambda item, info: cached_get(info, "variant", item["variantId"])
    item_fields["inventoryLevels"].resolve = lambda item, info, **args: nested_connection("levels")(
        {"levels": info.context["store"].by_ref("inventory_level", item["id"])}, info, **args)
    item_fields["inventoryLevel"].resolve = lambda item, info, locationId: next(
        (lv for lv in info.context["store"].by_ref("inventory_level", item["id"]) if lv["locationId"] == locationId),
        None)
    level_fields = schema.get_type("InventoryLevel").fields
    level_fields["location"].resolve = lambda level, info: cached_get(info, "location", level["locationId"])
    level_fields["item"].resolve = lambda level, info: inventory_item(variant_of_item(info, level["itemId"]))
    level_fields["quantities"].resolve = lambda level, info, names: quantities(level, info, names)

    mutation: GraphQLObjectType = schema.mutation_type
    for name, resolver in mutations.items():
        mutation.fields[name].resolve = resolver
    return schema
