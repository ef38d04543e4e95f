"""The Stripe sandbox: the v1 endpoints settlement uses — payouts, balance transactions (with the
`payout` filter and `expand[]=data.source`), charges, refunds (also created, with idempotency keys),
disputes, each listed and retrieved by id — over HTTP, on a real database. Objects carry Stripe's
fields only (shapes.py).

Stripe's conventions are kept: list objects newest first with `has_more`, `limit` 1–100,
`starting_after`/`ending_before` cursors, `created[gte]`-style ranges, form-encoded bodies, integer
minor units, lowercase currencies, `{"error": {...}}` bodies, `Request-Id`, `Idempotent-Replayed`,
`Stripe-Should-Retry`, and `Stripe-Signature`d webhook events.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections import defaultdict

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from retail_sync.channels.webhooks import stripe_signature

from ..admin import admin_routes
from ..control import ControlTokenMiddleware, new_control_token
from ..datagen.world import World
from ..documents import Doc, DocumentStore
from ..faults import CallStats, FaultInjector, FaultPlan
from ..proxy import rest_endpoint
from ..webhooks import WebhookSender, webhook_route
from .shapes import charge_object, dispute_object, stripe_object

KINDS = {"ch": "charge", "re": "refund", "dp": "dispute", "po": "payout", "txn": "balance_transaction"}
LIST_PARAMS = {"limit", "starting_after", "ending_before", "expand[]", "created[gte]", "created[gt]", "created[lte]",
               "created[lt]"}


class StripeError(Exception):
    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None, should_retry: bool | None = None):
        super().__init__(message)
        self.status, self.body, self.should_retry = status, {"type": type_, "message": message}, should_retry
        if code:
            self.body["code"] = code
        if param:
            self.body["param"] = param

    def response(self) -> JSONResponse:
        headers = {} if self.should_retry is None else {"Stripe-Should-Retry": str(self.should_retry).lower()}
        return JSONResponse({"error": self.body}, status_code=self.status, headers=headers)


def stripe_signer():
    def sign(secret: str, body: bytes, topic: str, delivery: str) -> dict[str, str]:
        return {"Stripe-Signature": stripe_signature(secret, body)}
    return sign


def position(doc: dict, seq: int) -> tuple[str, int]:
    return f"{doc['created']:012d}", seq


class StripeSandbox:
    def __init__(self, world: World, api_key: str, *, db_url: str = "sqlite://", faults: FaultPlan | None = None):
        self.world, self.api_key = world, api_key
        self.store = DocumentStore(db_url)
        self.faults = FaultInjector(faults)
        self.stats = CallStats()
        self.control_token = new_control_token()  # $SANDBOX_CONTROL_TOKEN or a fresh one
        self.webhooks = WebhookSender(stripe_signer())
        self.idempotency: dict[str, tuple[str, int, dict]] = {}
        self._lock = threading.Lock()
        self.load()

    def load(self) -> None:
        self.store.clear()
        self.idempotency.clear()
        self._seq = itertools.count(1)
        self.positions: dict[str, tuple[str, int]] = {}
        ledger = self.world.stripe
        transactions = {bt["id"]: bt for bt in ledger["balance_transactions"]}
        refunds = [stripe_object("refund", row) for row in ledger["refunds"]]
        refunds_of: dict[str, list[dict]] = defaultdict(list)
        for refund in refunds:
            refunds_of[refund["charge"]].append(refund)
        docs = [self.doc("charge", charge_object(row, refunds_of[row["id"]])) for row in ledger["charges"]]
        docs += [self.doc("refund", refund) for refund in refunds]
        docs += [self.doc("dispute", dispute_object(row, [stripe_object("balance_transaction", transactions[i])
                                                          for i in row["balance_transactions"]]))
                 for row in ledger["disputes"]]
        docs += [self.doc("payout", stripe_object("payout", row)) for row in ledger["payouts"]]
        # The ledger knows which payout paid each transaction out; Stripe answers that only as a filter.
        docs += [self.doc("balance_transaction", stripe_object("balance_transaction", row), ref=row["payout"])
                 for row in ledger["balance_transactions"]]
        self.store.put_many(docs)

    def doc(self, kind: str, body: dict, ref: str | None = None) -> Doc:
        pos = self.positions.get(body["id"]) or position(body, next(self._seq))
        self.positions[body["id"]] = pos
        if kind in ("refund", "dispute"):
            ref = body.get("charge")
        return Doc(kind, body["id"], pos[0], pos[1], body, ref=ref)

    def reset(self) -> None:
        self.load()
        self.stats.reset()
        self.webhooks.clear()

    def emit(self, event_type: str, obj: dict) -> None:
        seed = f"{event_type}{obj['id']}{time.time()}".encode()
        event = {"id": f"evt_{hashlib.sha1(seed).hexdigest()[:24]}",
                 "object": "event", "api_version": "2026-10-28", "created": int(time.time()), "livemode": False,
                 "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}, "type": event_type,
                 "data": {"object": obj}}
        self.webhooks.emit(event_type, json.dumps(event, separators=(",", ":")).encode())

    def authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        key = header[7:] if header.lower().startswith("bearer ") else None
        if header.lower().startswith("basic "):
            key = base64.b64decode(header[6:]).decode().split(":", 1)[0]
        if not key:
            raise StripeError(401, "You did not provide an API key. Provide it in the Authorization header, using "
                                   "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
        if not hmac.compare_digest(key, self.api_key):
            raise StripeError(401, f"Invalid API Key provided: {key[:8]}{'*' * 8}{key[-4:]}", code="api_key_invalid")

    def list(self, request: Request, kind: str, ref: str | None = None, extra: set[str] = frozenset()) -> dict:
        params = request.query_params
        unknown = set(params.keys()) - LIST_PARAMS - extra
        if unknown:
            name = sorted(unknown)[0]
            raise StripeError(400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name)
        raw = params.get("limit", "10")
        if not raw.lstrip("-").isdigit():
            raise StripeError(400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param="limit")
        limit = int(raw)
        if not 1 <= limit <= 100:
            raise StripeError(400, "This value must be greater than or equal to 1 and less than or equal to 100.",
                              code="parameter_invalid_integer", param="limit")
        filters: dict = {}
        for op in ("gte", "gt", "lte", "lt"):
            value = params.get(f"created[{op}]")
            if value is None:
                continue
            if not value.isdigit():
                raise StripeError(400, f"Invalid integer: {value}", code="parameter_invalid_integer",
                                  param=f"created[{op}]")
            stamp = int(value) + (1 if op == "gt" else 0) - (1 if op == "lt" else 0)
            if op in ("gte", "gt"):
                filters["time_from"] = f"{stamp:012d}"
            else:
                filters["time_to"] = f"{stamp:012d}~"       # ~ sorts after any position at that second
        before, after = params.get("ending_before"), params.get("starting_after")
        cursor_id = before or after
        cursor = None
        if cursor_id:
            cursor = self.positions.get(cursor_id)
            if cursor is None or not cursor_id.startswith(next(p for p, k in KINDS.items() if k == kind) + "_"):
                raise StripeError(400, f"No such {kind}: '{cursor_id}'", code="resource_missing",
                                  param="ending_before" if before else "starting_after")
        rows = self.store.page(kind, after=cursor, descending=not before, ref=ref, limit=limit + 1, **filters)
        has_more = len(rows) > limit
        rows = rows[:limit]
        if before:
            rows.reverse()
        data = [body for _, _, body in rows]
        if "data.source" in params.getlist("expand[]"):
            data = [{**bt, "source": self.expand(bt["source"])} for bt in data]
        return {"object": "list", "url": request.url.path, "has_more": has_more, "data": data}

    def expand(self, object_id: str | None):
        if not object_id:
            return object_id
        kind = KINDS.get(object_id.split("_", 1)[0])
        return self.store.get(kind, object_id) if kind else object_id

    def retrieve(self, kind: str, object_id: str) -> dict:
        found = self.store.get(kind, object_id)
        if found is None:
            raise StripeError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param="id")
        return found

    def create_refund(self, form: dict[str, str]) -> dict:
        allowed = {"charge", "amount", "reason"}
        unknown = [k for k in form if k not in allowed and not k.startswith("metadata[")]
        if unknown:
            raise StripeError(400, f"Received unknown parameter: {unknown[0]}", code="parameter_unknown",
                              param=unknown[0])
        charge_id = form.get("charge")
        if not charge_id:
            raise StripeError(400, "Missing required param: charge.", code="parameter_missing", param="charge")
        with self.store.lock:
            charge = self.retrieve("charge", charge_id)
            remaining = charge["amount"] - charge["amount_refunded"]
            raw = form.get("amount", str(remaining))
            if not raw.isdigit():
                raise StripeError(400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param="amount")
            amount = int(raw)
            if amount <= 0 or amount > remaining:
                raise StripeError(400, f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                                       f"({remaining})", code="amount_too_large", param="amount")
            now = int(time.time())
            number = next(self._seq)
            refund = stripe_object("refund", {
                "id": f"re_live{number:010d}", "amount": amount, "charge": charge_id, "currency": charge["currency"],
                "created": now, "status": "succeeded", "reason": form.get("reason"),
                "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")} or dict(charge["metadata"]),
                "payment_intent": charge["payment_intent"], "balance_transaction": f"txn_live{number:010d}"})
            bt = stripe_object("balance_transaction", {
                "id": refund["balance_transaction"], "type": "refund", "reporting_category": "refund",
                "amount": -amount, "fee": 0, "net": -amount, "currency": charge["currency"], "created": now,
                "available_on": now, "source": refund["id"], "status": "available"})
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            charge["refunds"]["data"].insert(0, refund)
            self.store.put_many([self.doc("refund", refund), self.doc("balance_transaction", bt),
                                 self.doc("charge", charge)])
        self.emit("charge.refunded", charge)
        return refund


def create_app(sandbox: StripeSandbox) -> Starlette:
    def fault_response(fault: str) -> Response:
        if fault == "429":
            return StripeError(429, "Request rate limit exceeded. Learn more about rate limits here "
                                    "https://stripe.com/docs/rate-limits.", code="rate_limit",
                               should_retry=True).response()
        return StripeError(int(fault), "An unknown error occurred", type_="api_error", should_retry=True).response()

    def endpoint(handler, name: str):
        guarded = rest_endpoint(handler, name, faults=sandbox.faults, stats=sandbox.stats,
                                authenticate=sandbox.authenticate, error=StripeError, fault_response=fault_response)

        async def run(request: Request) -> Response:
            response = await guarded(request)
            response.headers["Request-Id"] = f"req_{time.monotonic_ns():x}"
            return response
        return run

    async def payouts(request):
        return JSONResponse(sandbox.list(request, "payout", extra={"status", "arrival_date[gte]"}))

    async def payout(request):
        return JSONResponse(sandbox.retrieve("payout", request.path_params["id"]))

    async def balance_transactions(request):
        return JSONResponse(sandbox.list(request, "balance_transaction", ref=request.query_params.get("payout"),
                                         extra={"payout", "type", "currency", "source"}))

    async def balance_transaction(request):
        return JSONResponse(sandbox.retrieve("balance_transaction", request.path_params["id"]))

    async def charges(request):
        return JSONResponse(sandbox.list(request, "charge"))

    async def charge(request):
        return JSONResponse(sandbox.retrieve("charge", request.path_params["id"]))

    async def refunds(request):
        if request.method == "GET":
            return JSONResponse(sandbox.list(request, "refund", ref=request.query_params.get("charge"),
                                             extra={"charge"}))
        form = {k: v for k, v in (await request.form()).multi_items()}
        key = request.headers.get("idempotency-key")
        fingerprint = json.dumps(form, sort_keys=True)
        if key:
            if len(key) > 255:
                raise StripeError(400, "Idempotency-Key must be at most 255 characters", type_="idempotency_error")
            saved = sandbox.idempotency.get(key)
            if saved:
                if saved[0] != fingerprint:
                    raise StripeError(400, "Keys for idempotent requests can only be used with the same parameters "
                                           "they were first used with.", type_="idempotency_error")
                return JSONResponse(saved[2], status_code=saved[1], headers={"Idempotent-Replayed": "true"})
        refund = sandbox.create_refund(form)
        if key:
            sandbox.idempotency[key] = (fingerprint, 200, refund)
        return JSONResponse(refund)

    async def disputes(request):
        return JSONResponse(sandbox.list(request, "dispute"))

    async def refund(request):
        return JSONResponse(sandbox.retrieve("refund", request.path_params["id"]))

    async def dispute(request):
        return JSONResponse(sandbox.retrieve("dispute", request.path_params["id"]))

    async def unknown(request):
        raise StripeError(404, f"Unrecognized request URL ({request.method}: {request.url.path}).")

    routes = [
        Route("/v1/payouts", endpoint(payouts, "payouts.list"), methods=["GET"]),
        Route("/v1/payouts/{id}", endpoint(payout, "payouts.retrieve"), methods=["GET"]),
        Route("/v1/balance_transactions", endpoint(balance_transactions, "balance_transactions.list"), methods=["GET"]),
        Route("/v1/balance_transactions/{id}", endpoint(balance_transaction, "balance_transactions.retrieve"),
              methods=["GET"]),
        Route("/v1/charges", endpoint(charges, "charges.list"), methods=["GET"]),
        Route("/v1/charges/{id}", endpoint(charge, "charges.retrieve"), methods=["GET"]),
        Route("/v1/refunds", endpoint(refunds, "refunds"), methods=["GET", "POST"]),
        Route("/v1/refunds/{id}", endpoint(refund, "refunds.retrieve"), methods=["GET"]),
        Route("/v1/disputes", endpoint(disputes, "disputes.list"), methods=["GET"]),
        Route("/v1/disputes/{id}", endpoint(dispute, "disputes.retrieve"), methods=["GET"]),
        webhook_route(sandbox.webhooks),
        *admin_routes(sandbox.faults, sandbox.stats, sandbox.reset, info=lambda: {"product": "stripe"}),
        Route("/v1/{rest:path}", endpoint(unknown, "unknown"), methods=["GET", "POST", "DELETE"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(ControlTokenMiddleware, token=sandbox.control_token)])
