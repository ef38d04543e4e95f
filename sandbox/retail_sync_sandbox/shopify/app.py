"""The Shopify sandbox: the GraphQL Admin API of one shop, over HTTP, on a real database.

`POST /admin/api/<version>/graphql.json` with `X-Shopify-Access-Token`. Every response carries
`extensions.cost` (requested, actual, throttleStatus); a query the bucket cannot pay for is answered
THROTTLED, one over 1,000 points MAX_COST_EXCEEDED. Bulk operation results are served under
`/sandbox/files/`. `/sandbox/throttle` changes the bucket (to benchmark a raised limit), and
`/sandbox/webhooks` subscribes a receiver to signed `orders/*` deliveries. Call statistics count
points spent as `records`.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

from graphql import GraphQLError, OperationDefinitionNode, execute, parse, validate
from graphql.language import FragmentDefinitionNode
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from retail_sync.channels.webhooks import base64_hmac

from ..admin import admin_routes
from ..control import ControlTokenMiddleware, new_control_token
from ..datagen.world import World
from ..documents import DocumentStore
from ..faults import CallStats, FaultInjector, FaultPlan
from ..proxy import PROXY_FAULTS, proxy_fault
from ..webhooks import WebhookSender, webhook_route
from .bulk import BulkRunner
from .cost import MAX_QUERY_COST, LeakyBucket, QueryCost
from .mutations import Mutations
from .records import catalog_docs, customer_doc, gid, order_doc, variant_number
from .schema import build

API_VERSIONS = ("2025-10", "2026-01", "2026-04", "2026-07", "2026-10")
DEFAULT_BUCKET = 2000
DEFAULT_RESTORE_RATE = 100


def shopify_signer(shop_domain: str, api_version: str):
    def sign(secret: str, body: bytes, topic: str, delivery: str) -> dict[str, str]:
        return {"X-Shopify-Topic": topic, "X-Shopify-Hmac-Sha256": base64_hmac(secret, body),
                "X-Shopify-Shop-Domain": shop_domain, "X-Shopify-API-Version": api_version,
                "X-Shopify-Webhook-Id": delivery, "X-Shopify-Event-Id": delivery,
                "X-Shopify-Triggered-At": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    return sign


class ShopifySandbox:
    def __init__(self, world: World, channel: str, access_token: str, *, db_url: str = "sqlite://",
                 faults: FaultPlan | None = None, bucket_size: float = DEFAULT_BUCKET,
                 restore_rate: float = DEFAULT_RESTORE_RATE, files_dir: Path | None = None):
        store_def = world.store(channel)
        if store_def.platform != "shopify":
            raise ValueError(f"{channel} is a {store_def.platform} store, not a Shopify one")
        self.world, self.channel, self.access_token = world, channel, access_token
        self.domain = f"{channel}.myshopify.com"
        self.store = DocumentStore(db_url)
        self.faults = FaultInjector(faults)
        self.stats = CallStats()
        self.control_token = new_control_token()  # $SANDBOX_CONTROL_TOKEN or a fresh one
        self.bucket = LeakyBucket(bucket_size, restore_rate)
        self.webhooks = WebhookSender(shopify_signer(self.domain, API_VERSIONS[-1]))
        self.mutations = Mutations(self, self.order_changed)
        shop = {"name": channel, "myshopifyDomain": self.domain, "currencyCode": store_def.currency}
        self.schema = build(self.mutations.resolvers(), shop)
        self.bulk = BulkRunner(self, files_dir or Path(tempfile.mkdtemp(prefix=f"{channel}-bulk-")))
        self.variants_by_sku = {p["sku"]: gid("ProductVariant", variant_number(store_def.location_id, i))
                                for i, p in enumerate(world.catalog, start=1)}
        self.load()

    def load(self) -> None:
        store_def = self.world.store(self.channel)
        stock = {row["sku"]: row["quantity"] for row in self.world.stock if row["location"] == self.channel}
        self.store.clear()
        self.store.put_many(catalog_docs(self.world.catalog, store_def, stock, "2026-09-01T00:00:00Z"))
        self.store.put_many(customer_doc(c) for c in self.world.customers_of(self.channel))
        self.store.put_many(order_doc(o, self.variants_by_sku) for o in self.world.orders_of(self.channel))

    def reset(self) -> None:
        self.load()
        self.stats.reset()
        self.bucket.use_clock(time.monotonic)
        self.bucket.configure(self.bucket.maximum, self.bucket.restore_rate)
        self.webhooks.clear()

    def upsert_order(self, order: dict, topic: str) -> None:
        """A new or changed order (live mode): stored, then announced to webhook subscribers."""
        doc = order_doc(order, self.variants_by_sku)
        self.store.put(doc)
        self.order_changed(doc.body, topic)

    def order_changed(self, order: dict, topic: str) -> None:
        self.webhooks.emit(topic, json.dumps(order, separators=(",", ":")).encode())

    def run_graphql(self, body: dict) -> dict:
        query, variables = body.get("query"), body.get("variables") or {}
        if not isinstance(query, str) or not isinstance(variables, dict):
            return {"errors": [{"message": "Parameter 'query' is required and must be a string; 'variables' an "
                                           "object."}]}
        try:
            document = parse(query)
        except GraphQLError as exc:
            return {"errors": [exc.formatted]}
        errors = validate(self.schema, document)
        if errors:
            return {"errors": [e.formatted for e in errors]}
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        name = body.get("operationName")
        chosen = [o for o in operations if name is None or (o.name and o.name.value == name)]
        if len(chosen) != 1:
            return {"errors": [{"message": "An operation name is required when the document has several."}]}
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        try:
            cost = QueryCost(self.schema, chosen[0], fragments, variables)
            requested = cost.requested()
        except GraphQLError as exc:
            return {"errors": [exc.formatted]}
        if requested > MAX_QUERY_COST:
            return {"errors": [{"message": f"Query cost is {requested}, which exceeds the single query max cost "
                                           f"limit ({MAX_QUERY_COST}).",
                                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested,
                                               "maxCost": MAX_QUERY_COST}}],
                    "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": None,
                                            "throttleStatus": self.bucket.status().as_extension()}}}
        if not self.bucket.take(requested):
            self.stats.record("throttled", 0.0, error=True)
            return {"errors": [{"message": "Throttled", "extensions": {
                        "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                    "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": None,
                                            "throttleStatus": self.bucket.status().as_extension()}}}
        started = time.perf_counter()
        context = {"store": self.store, "bulk_runner": self.bulk}
        result = execute(self.schema, document, variable_values=variables, operation_name=name,
                         context_value=context)
        actual = cost.actual(result.data)
        self.bucket.give_back(requested - actual)
        key = f"{chosen[0].operation.value}." + ",".join(
            s.name.value for s in chosen[0].selection_set.selections if hasattr(s, "name"))
        self.stats.record(key, time.perf_counter() - started, records=actual, error=bool(result.errors))
        payload: dict = {}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        payload["data"] = result.data
        payload["extensions"] = {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                                          "throttleStatus": self.bucket.status().as_extension()}}
        if context.get("search_warnings"):
            payload["extensions"]["search"] = context["search_warnings"]
        return payload


def create_app(sandbox: ShopifySandbox) -> Starlette:
    async def graphql(request: Request) -> Response:
        version = request.path_params["version"]
        if version not in API_VERSIONS and version != "unstable":
            if not (len(version) == 7 and version[4] == "-"):
                return JSONResponse({"errors": "Not Found"}, status_code=404)
            version = API_VERSIONS[0]          # Shopify serves an unsupported version with the oldest supported one
        headers = {"X-Shopify-API-Version": version, "X-Request-Id": f"sandbox-{time.monotonic_ns()}"}
        token = request.headers.get("x-shopify-access-token")
        if token != sandbox.access_token:
            return JSONResponse({"errors": "[API] Invalid API key or access token (unrecognized login or wrong "
                                           "password)"}, status_code=401, headers=headers)
        fault = sandbox.faults.draw()
        # after_commit: the gateway loses the answer of a call the shop did run (a 5xx the client must not
        # take as "not applied").
        lost = sandbox.faults.plan.after_commit and fault in ("502", "503", "504")
        if fault in PROXY_FAULTS and not lost:
            return proxy_fault(fault, sandbox.faults.plan.retry_after)
        raw = await request.body()
        try:
            if request.headers.get("content-type", "").startswith("application/graphql"):
                body = {"query": raw.decode()}
            else:
                body = json.loads(raw or b"null")
            if not isinstance(body, dict):
                raise ValueError("body must be a JSON object")
        except ValueError:
            return JSONResponse({"errors": "Bad Request: the body is not a JSON object"}, status_code=400,
                                headers=headers)
        sandbox.bulk.base_url = str(request.base_url).rstrip("/")
        payload = await run_in_threadpool(sandbox.run_graphql, body)
        if lost:
            return proxy_fault(fault, sandbox.faults.plan.retry_after)
        delay = sandbox.faults.delay_seconds(0)
        if delay:
            await asyncio.sleep(delay)
        return JSONResponse(payload, headers=headers)

    async def files(request: Request) -> Response:
        path = sandbox.bulk.files_dir / request.path_params["name"]
        if "/" in request.path_params["name"] or not path.is_file():
            return JSONResponse({"error": "not found"}, status_code=404)
        return FileResponse(path, media_type="application/jsonl")

    async def throttle(request: Request) -> Response:
        if request.method != "GET":
            settings = json.loads(await request.body() or b"{}")
            sandbox.bucket.configure(float(settings.get("maximumAvailable", sandbox.bucket.maximum)),
                                     float(settings.get("restoreRate", sandbox.bucket.restore_rate)))
        return JSONResponse(sandbox.bucket.status().as_extension())


    routes = [
        Route("/admin/api/{version}/graphql.json", graphql, methods=["POST"]),
        Route("/sandbox/files/{name}", files, methods=["GET"]),
        Route("/sandbox/throttle", throttle, methods=["GET", "PUT", "POST"]),
        webhook_route(sandbox.webhooks),
        *admin_routes(sandbox.faults, sandbox.stats, sandbox.reset,
                      info=lambda: {"product": "shopify", "shop": sandbox.domain, "api_versions": list(API_VERSIONS)}),
    ]
    return Starlette(routes=routes, middleware=[Middleware(ControlTokenMiddleware, token=sandbox.control_token)])
