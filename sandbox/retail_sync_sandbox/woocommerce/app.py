"""The WooCommerce sandbox: `/wp-json/wc/v3` of one store over HTTP, on a real database.

Basic auth with a consumer key/secret (or the `consumer_key`/`consumer_secret` query parameters),
bare JSON arrays with `X-WP-Total`/`X-WP-TotalPages`/`Link`, `page`/`per_page` (1–100) checked like
WordPress (`rest_invalid_param`), `modified_after` with `dates_are_gmt`, batch stock updates of at
most 100 items, WordPress-style error bodies, signed `order.*` webhooks.
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from retail_sync.channels.webhooks import base64_hmac

from ..admin import admin_routes
from ..control import ControlTokenMiddleware, new_control_token
from ..datagen.world import World
from ..documents import Doc, DocumentStore
from ..faults import CallStats, FaultInjector, FaultPlan
from ..proxy import proxy_fault, rest_endpoint
from ..webhooks import WebhookSender, webhook_route
from .records import SITE_OFFSET, catalog_docs, customer_doc, gmt, local, order_docs

API = "/wp-json/wc/v3"
WEBHOOK_TOPICS = {"orders/create": "order.created", "orders/updated": "order.updated"}
ORDER_STATUSES = {"any", "pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash",
                  "checkout-draft"}
# wc_get_order_status_name(): what the automatic "status changed" note calls each status.
STATUS_NAMES = {"pending": "Pending payment", "processing": "Processing", "on-hold": "On hold",
                "completed": "Completed", "cancelled": "Cancelled", "refunded": "Refunded", "failed": "Failed",
                "trash": "Trash", "checkout-draft": "Draft"}
NOTE_TYPES = ("any", "customer", "internal")


class WooError(Exception):
    def __init__(self, status: int, code: str, message: str, params: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.params = status, code, message, params

    def response(self) -> JSONResponse:
        data: dict = {"status": self.status}
        if self.params:
            data["params"] = self.params
        return JSONResponse({"code": self.code, "message": self.message, "data": data}, status_code=self.status)


def invalid(param: str, reason: str) -> WooError:
    return WooError(400, "rest_invalid_param", f"Invalid parameter(s): {param}", {param: reason})


def woo_signer(site: str):
    def sign(secret: str, body: bytes, topic: str, delivery: str) -> dict[str, str]:
        resource, event = topic.split(".", 1)
        return {"X-WC-Webhook-Source": site, "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Resource": resource,
                "X-WC-Webhook-Event": event, "X-WC-Webhook-Signature": base64_hmac(secret, body),
                "X-WC-Webhook-ID": "1", "X-WC-Webhook-Delivery-ID": delivery}
    return sign


class WooSandbox:
    def __init__(self, world: World, channel: str, consumer_key: str, consumer_secret: str, *,
                 db_url: str = "sqlite://", faults: FaultPlan | None = None):
        if world.store(channel).platform != "woocommerce":
            raise ValueError(f"{channel} is not a WooCommerce store")
        self.world, self.channel = world, channel
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.store = DocumentStore(db_url)
        self.faults = FaultInjector(faults)
        self.stats = CallStats()
        self.control_token = new_control_token()  # $SANDBOX_CONTROL_TOKEN or a fresh one
        self.webhooks = WebhookSender(woo_signer(f"https://{channel}.example/"))
        self._note_lock, self._notes = threading.Lock(), 500
        self.load()

    def load(self) -> None:
        stock = {row["sku"]: row["quantity"] for row in self.world.stock if row["location"] == self.channel}
        self.store.clear()
        self.store.put_many(catalog_docs(self.world.catalog, stock, "2026-09-01T00:00:00Z"))
        self.product_ids = self._product_ids()
        self.store.put_many(customer_doc(c) for c in self.world.customers_of(self.channel))
        for order in self.world.orders_of(self.channel):
            self.store.put_many(order_docs(order, self.product_ids))

    def _product_ids(self) -> dict[str, tuple[int, int]]:
        ids = {v["sku"]: (v["parent_id"], v["id"]) for v in self.store.scan("variation")}
        ids.update({p["sku"]: (p["id"], 0) for p in self.store.scan("product") if p["sku"]})
        return ids

    def next_note_id(self) -> int:
        """Notes are WordPress comments: ids of their own, increasing."""
        with self._note_lock:
            self._notes += 1
            return self._notes

    def reset(self) -> None:
        self.load()
        self.stats.reset()
        self.webhooks.clear()

    def upsert_order(self, order: dict, topic: str) -> None:
        docs = order_docs(order, self.product_ids)
        self.store.put_many(docs)
        self.webhooks.emit(WEBHOOK_TOPICS.get(topic, "order.updated"),
                           json.dumps(docs[0].body, separators=(",", ":")).encode())

    def authenticate(self, request: Request) -> None:
        key = secret = None
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                key = None
        else:
            key, secret = request.query_params.get("consumer_key"), request.query_params.get("consumer_secret")
        if not key:
            raise WooError(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        if not (hmac.compare_digest(key, self.consumer_key) and hmac.compare_digest(secret or "", self.consumer_secret)):
            raise WooError(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")


def integer(params, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(name, f"{name} is not of type integer.") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} (inclusive) and {high} (inclusive)" if high else f"greater than or equal to {low}"
        raise invalid(name, f"{name} must be {bound}")
    return value


def modified_after(params) -> str | None:
    raw = params.get("modified_after")
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise invalid("modified_after", "Invalid date.") from None
    if moment.tzinfo is None:
        gmt_flag = params.get("dates_are_gmt", "false").lower() in ("1", "true")
        # without dates_are_gmt a bare time is the site's local time
        moment = moment if gmt_flag else moment - SITE_OFFSET
    else:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def listing(request: Request, store: DocumentStore, kind: str, *, ref: str | None = None,
            allowed_orderby: tuple[str, ...] = ("date", "id"), default_order: str = "desc",
            id_in: list[str] | None = None) -> Response:
    params = request.query_params
    page = integer(params, "page", 1, 1)
    per_page = integer(params, "per_page", 10, 1, 100)
    orderby = params.get("orderby", "date")
    if orderby not in allowed_orderby + ("include",):
        raise invalid("orderby", f"orderby is not one of {', '.join(allowed_orderby)}.")
    order = params.get("order", default_order)
    if order not in ("asc", "desc"):
        raise invalid("order", "order is not one of asc, desc.")
    since = modified_after(params)
    filters = {"time_from": since, "time_from_inclusive": False} if since else {}
    total = store.count(kind, ref=ref, id_in=id_in, **filters)
    rows = store.page(kind, descending=order == "desc", by="id" if orderby == "id" else "time", ref=ref,
                      id_in=id_in, limit=per_page, offset=(page - 1) * per_page, **filters)
    pages = (total + per_page - 1) // per_page
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    links = []
    base = str(request.url).split("?")[0]
    query = {k: v for k, v in params.items() if k not in ("consumer_key", "consumer_secret")}
    if page > 1:
        links.append(f'<{base}?{urlencode({**query, "page": page - 1})}>; rel="prev"')
    if page < pages:
        links.append(f'<{base}?{urlencode({**query, "page": page + 1})}>; rel="next"')
    if links:
        headers["Link"] = ", ".join(links)
    return JSONResponse([body for _, _, body in rows], headers=headers)


def create_app(sandbox: WooSandbox) -> Starlette:
    store = sandbox.store

    def endpoint(handler):
        return rest_endpoint(handler, handler.__name__, faults=sandbox.faults, stats=sandbox.stats,
                             authenticate=sandbox.authenticate, error=WooError,
                             fault_response=lambda fault: proxy_fault(fault, sandbox.faults.plan.retry_after))

    async def orders(request: Request) -> Response:
        statuses = request.query_params.get("status", "any").split(",")
        bad = [s for s in statuses if s not in ORDER_STATUSES]
        if bad:
            raise invalid("status", f"status[0] is not one of {', '.join(sorted(ORDER_STATUSES))}.")
        return listing(request, store, "order")

    async def order(request: Request) -> Response:
        found = store.get("order", request.path_params["id"])
        if found is None:
            raise WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return JSONResponse(found)

    def order_or_404(order_id, code: str = "woocommerce_rest_shop_order_invalid_id",
                     message: str = "Invalid ID.") -> dict:
        found = store.get("order", order_id)
        if found is None:
            raise WooError(404, code, message)
        return found

    async def json_body(request: Request) -> dict:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.") from None
        if not isinstance(body, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        return body

    async def update_order(request: Request) -> Response:
        """PUT/POST/PATCH /orders/<id>: the status (WordPress ignores arguments it does not know). A status
        change is noted on the order by the system, as WC_Order::status_transition does."""
        body = await json_body(request)
        with store.lock:
            found = order_or_404(request.path_params["id"])
            status = body.get("status")
            if status is not None and (status not in ORDER_STATUSES - {"any"}):
                raise invalid("status", f"status is not one of {', '.join(sorted(ORDER_STATUSES - {'any'}))}.")
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            if status is not None and status != found["status"]:
                old = found["status"]
                found["status"] = status
                if status == "completed" and not found.get("date_completed_gmt"):
                    found["date_completed"], found["date_completed_gmt"] = local(stamp), gmt(stamp)
                add_note(found["id"], f"Order status changed from {STATUS_NAMES[old]} to {STATUS_NAMES[status]}.",
                         customer_note=False, author="system", stamp=stamp)
            found["date_modified"], found["date_modified_gmt"] = local(stamp), gmt(stamp)
            store.put(Doc("order", str(found["id"]), stamp, found["id"], found))
        return JSONResponse(found)

    def add_note(order_id: int, text: str, *, customer_note: bool, author: str, stamp: str) -> dict:
        note_id = sandbox.next_note_id()
        note = {"id": note_id, "author": author, "date_created": local(stamp), "date_created_gmt": gmt(stamp),
                "note": text, "customer_note": customer_note}
        store.put(Doc("order_note", str(note_id), stamp, note_id, note, ref=str(order_id)))
        return note

    async def order_notes(request: Request) -> Response:
        """GET: every note of the order, newest first (not paged); `type` any | customer | internal."""
        order_id = request.path_params["id"]
        order_or_404(order_id, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
        kind = request.query_params.get("type", "any")
        if kind not in NOTE_TYPES:
            raise invalid("type", f"type is not one of {', '.join(NOTE_TYPES)}.")
        notes = list(reversed(store.by_ref("order_note", str(order_id))))
        if kind != "any":
            notes = [n for n in notes if n["customer_note"] == (kind == "customer")]
        return JSONResponse(notes)

    async def create_order_note(request: Request) -> Response:
        body = await json_body(request)
        order_id = request.path_params["id"]
        order_or_404(order_id, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
        if not isinstance(body.get("note"), str) or not body["note"].strip():
            if "note" not in body:
                raise WooError(400, "rest_missing_callback_param", "Missing parameter(s): note", {"note": "note"})
            raise WooError(400, "woocommerce_rest_invalid_order_note", "Cannot create order note, please try again.")
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        # Notes added through the API by a key's user are attributed to the system unless added_by_user.
        note = add_note(int(order_id), body["note"], customer_note=bool(body.get("customer_note", False)),
                        author="admin" if body.get("added_by_user") else "system", stamp=stamp)
        return JSONResponse(note, status_code=201)

    async def order_refunds(request: Request) -> Response:
        if store.get("order", request.path_params["id"]) is None:
            raise WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return listing(request, store, "refund", ref=request.path_params["id"])

    async def customers(request: Request) -> Response:
        email = request.query_params.get("email")
        return listing(request, store, "customer", ref=email, allowed_orderby=("id", "include", "name",
                                                                               "registered_date"),
                       default_order="asc")

    async def products(request: Request) -> Response:
        sku = request.query_params.get("sku")
        if sku:
            found = store.by_ref("product", sku) or store.by_ref("variation", sku)
            return JSONResponse(found, headers={"X-WP-Total": str(len(found)), "X-WP-TotalPages": "1"})
        return listing(request, store, "product", allowed_orderby=("date", "id", "title", "slug"))

    async def variations(request: Request) -> Response:
        parent = store.get("product", request.path_params["id"])
        if parent is None:
            raise WooError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return listing(request, store, "variation", id_in=[str(i) for i in parent["variations"]],
                       allowed_orderby=("date", "id"))

    async def batch(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.") from None
        items = body.get("update") or []
        if len(items) + len(body.get("create") or []) + len(body.get("delete") or []) > 100:
            raise WooError(413, "woocommerce_rest_request_entity_too_large",
                           "Unable to accept more than 100 items for this request.")
        parent_id = request.path_params.get("id")
        kind = "variation" if parent_id else "product"
        results = []
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with store.lock:
            for item in items:
                doc = store.get(kind, str(item.get("id")))
                if doc is None or (parent_id and str(doc["parent_id"]) != parent_id):
                    results.append({"id": item.get("id"), "error": {"code": "woocommerce_rest_invalid_id",
                                                                    "message": "Invalid ID.", "data": {"status": 400}}})
                    continue
                if "stock_quantity" in item and not isinstance(item["stock_quantity"], int):
                    results.append({"id": item["id"], "error": {"code": "rest_invalid_param",
                                                                "message": "Invalid parameter(s): stock_quantity",
                                                                "data": {"status": 400}}})
                    continue
                for field in ("stock_quantity", "manage_stock", "regular_price", "sale_price"):
                    if field in item:
                        doc[field] = item[field]
                if "stock_quantity" in item:
                    doc["stock_status"] = "instock" if item["stock_quantity"] > 0 else "outofstock"
                doc["date_modified"], doc["date_modified_gmt"] = local(stamp), gmt(stamp)
                store.put(Doc(kind, str(doc["id"]), stamp, doc["id"], doc, ref=doc.get("sku") or None))
                results.append(doc)
        return JSONResponse({"update": results})


    async def no_route(request: Request) -> Response:
        return WooError(404, "rest_no_route", "No route was found matching the URL and request method.").response()

    routes = [
        Route(f"{API}/orders", endpoint(orders), methods=["GET"]),
        Route(f"{API}/orders/{{id:int}}", endpoint(order), methods=["GET"]),
        Route(f"{API}/orders/{{id:int}}", endpoint(update_order), methods=["PUT", "POST", "PATCH"]),
        Route(f"{API}/orders/{{id:int}}/notes", endpoint(order_notes), methods=["GET"]),
        Route(f"{API}/orders/{{id:int}}/notes", endpoint(create_order_note), methods=["POST"]),
        Route(f"{API}/orders/{{id:int}}/refunds", endpoint(order_refunds), methods=["GET"]),
        Route(f"{API}/customers", endpoint(customers), methods=["GET"]),
        Route(f"{API}/products", endpoint(products), methods=["GET"]),
        Route(f"{API}/products/batch", endpoint(batch), methods=["POST"]),
        Route(f"{API}/products/{{id:int}}/variations", endpoint(variations), methods=["GET"]),
        Route(f"{API}/products/{{id}}/variations/batch", endpoint(batch), methods=["POST"]),
        webhook_route(sandbox.webhooks),
        *admin_routes(sandbox.faults, sandbox.stats, sandbox.reset,
                      info=lambda: {"product": "woocommerce", "store": sandbox.channel}),
        Route(f"{API}/{{rest:path}}", no_route, methods=["GET", "POST", "PUT", "DELETE"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(ControlTokenMiddleware, token=sandbox.control_token)])
