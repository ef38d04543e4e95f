"""The Odoo sandbox as an ASGI app: Odoo's routes, plus `/sandbox/...` to operate it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import astuple

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..admin import admin_routes
from ..control import ControlTokenMiddleware, new_control_token
from ..faults import CallStats, FaultInjector, FaultPlan
from ..proxy import PROXY_FAULTS, proxy_fault
from .body_limit import MAX_CONTENT_LENGTH, BodySizeLimit
from .database import Database
from .login_cooldown import LoginCooldown
from .protocols.json2 import handle_json2, handle_model_doc, wrong_route
from .protocols.jsonrpc import BadEnvelope, handle_jsonrpc, parse_envelope
from .protocols.web import (
    Sessions,
    handle_authenticate,
    handle_call_kw,
    handle_destroy,
    handle_session_info,
    handle_version_info,
)
from .protocols.xmlrpc import handle_xmlrpc
from .seed import SEEDS, SeedCredentials
from .service import OdooService


class OdooSandbox:
    def __init__(self, version: int, db_url: str = "sqlite://", databases: tuple[str, ...] = ("odoo",),
                 seed: str = "demo", credentials: SeedCredentials | None = None, faults: FaultPlan | None = None,
                 control_token: str | None = None, max_content_length: int = MAX_CONTENT_LENGTH,
                 login_cooldown: LoginCooldown | None = None):
        if version not in (17, 18, 19):
            raise ValueError("the Odoo sandbox emulates versions 17, 18 and 19")
        if len(databases) > 1 and "{db}" not in db_url and db_url not in ("sqlite://", "sqlite:///:memory:"):
            raise ValueError("to serve several databases put {db} in the database URL")
        self.version = version
        self.credentials = credentials or SeedCredentials(admin_password="admin")
        seeder = SEEDS[seed]
        self.databases = {
            name: Database(name, db_url.replace("{db}", name), version, lambda env: seeder(env, self.credentials),
                           seed_key=(seed, astuple(self.credentials)))
            for name in databases
        }
        self.faults = FaultInjector(faults)
        self.stats = CallStats()
        self.control_token = new_control_token(control_token)
        self.max_content_length = max_content_length
        self.service = OdooService(version, self.databases, self.stats, login_cooldown or LoginCooldown())
        self.sessions = Sessions()
        for db in self.databases.values():
            db.ensure_schema()

    def reset(self) -> None:
        for db in self.databases.values():
            db.reset()
        self.sessions.clear()
        self.service.forget_credentials()
        self.service.cooldown.clear()
        self.stats.reset()


def create_app(sandbox: OdooSandbox) -> Starlette:
    service = sandbox.service
    serialized = all(db.serialized for db in sandbox.databases.values())

    async def guarded(handler: Callable[[str | None], tuple[Response, int]]) -> Response:
        """Apply the fault plan around one RPC request: proxy errors, in-band failures, latency."""
        fault = sandbox.faults.draw()
        after_commit = sandbox.faults.plan.after_commit and fault in ("502", "503", "504")
        if fault in PROXY_FAULTS and not after_commit:
            return proxy_fault(fault, sandbox.faults.plan.retry_after)
        in_band = fault if fault == "serialization" else None
        if serialized:
            # SQLite serves one call at a time anyway: skip the thread hop.
            response, records = handler(in_band)
        else:
            response, records = await run_in_threadpool(handler, in_band)
        delay = sandbox.faults.delay_seconds(records)
        if delay:
            await asyncio.sleep(delay)
        return proxy_fault(fault, sandbox.faults.plan.retry_after) if after_commit else response

    async def envelope(request: Request) -> dict | Response:
        try:
            return parse_envelope(await request.body(), request.headers.get("content-type", ""))
        except BadEnvelope as exc:
            return PlainTextResponse(str(exc), status_code=400)

    async def jsonrpc(request: Request) -> Response:
        payload = await envelope(request)
        if isinstance(payload, Response):
            return payload
        source = client_address(request)
        return await guarded(lambda fault: handle_jsonrpc(service, payload, fault, source))

    async def xmlrpc(request: Request) -> Response:
        body = await request.body()
        name, source = request.path_params["service"], client_address(request)
        return await guarded(lambda fault: handle_xmlrpc(service, name, body, fault, source, legacy=False))

    async def xmlrpc_legacy(request: Request) -> Response:
        # `/xmlrpc/<service>`: the historical route, same calls, faults with string codes.
        body = await request.body()
        name, source = request.path_params["service"], client_address(request)
        return await guarded(lambda fault: handle_xmlrpc(service, name, body, fault, source, legacy=True))

    async def authenticate(request: Request) -> Response:
        payload = await envelope(request)
        if isinstance(payload, Response):
            return payload
        source = client_address(request)
        return await guarded(lambda fault: handle_authenticate(service, sandbox.sessions, payload, source))

    async def call_kw(request: Request) -> Response:
        payload = await envelope(request)
        if isinstance(payload, Response):
            return payload
        sid = request.cookies.get("session_id")
        return await guarded(lambda fault: handle_call_kw(service, sandbox.sessions, payload, sid, fault))

    async def destroy(request: Request) -> Response:
        payload = await envelope(request)
        if isinstance(payload, Response):
            return payload
        return handle_destroy(service, sandbox.sessions, payload, request.cookies.get("session_id"))[0]

    async def version_info(request: Request) -> Response:
        payload = await envelope(request)
        if isinstance(payload, Response):
            return payload
        return handle_version_info(service, payload)

    async def session_info(request: Request) -> Response:
        payload = await envelope(request)
        if isinstance(payload, Response):
            return payload
        sid = request.cookies.get("session_id")
        return await guarded(lambda fault: handle_session_info(service, sandbox.sessions, payload, sid))

    async def json2(request: Request) -> Response:
        if request.method != "POST" or sandbox.version < 19:
            return wrong_route() if sandbox.version >= 19 else PlainTextResponse("404: Not Found", 404)
        body = await request.body()
        model, method = request.path_params["model"], request.path_params["method"]
        return await guarded(lambda fault: handle_json2(service, model, method, request.headers, body, fault))

    async def model_doc(request: Request) -> Response:
        if sandbox.version < 19:
            return PlainTextResponse("404: Not Found", 404)
        return await run_in_threadpool(handle_model_doc, service, request.path_params["model"], request.headers)

    async def json2_other(request: Request) -> Response:
        return wrong_route() if sandbox.version >= 19 else PlainTextResponse("404: Not Found", 404)

    async def web_version(request: Request) -> Response:
        if sandbox.version < 19:
            return PlainTextResponse("404: Not Found", 404)
        info = service.version_info()
        return JSONResponse({"version_info": info["server_version_info"], "version": info["server_serie"]})

    routes = [
        Route("/jsonrpc", jsonrpc, methods=["POST"]),
        Route("/xmlrpc/2/{service}", xmlrpc, methods=["POST"]),
        Route("/xmlrpc/{service}", xmlrpc_legacy, methods=["POST"]),
        Route("/web/session/authenticate", authenticate, methods=["POST"]),
        Route("/web/session/destroy", destroy, methods=["POST"]),
        Route("/web/session/get_session_info", session_info, methods=["POST"]),
        Route("/web/webclient/version_info", version_info, methods=["POST"]),
        Route("/web/dataset/call_kw", call_kw, methods=["POST"]),
        Route("/web/dataset/call_kw/{path:path}", call_kw, methods=["POST"]),
        Route("/json/2/{model}/{method}", json2, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/json/2/{rest:path}", json2_other, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/doc-bearer/{model}.json", model_doc, methods=["GET"]),
        Route("/web/version", web_version, methods=["GET", "POST"]),
        Route("/json/version", web_version, methods=["GET", "POST"]),
        *admin_routes(sandbox.faults, sandbox.stats, sandbox.reset,
                      info=lambda: {"product": "odoo", "version": sandbox.version,
                                    "databases": sorted(sandbox.databases)}),
    ]
    middleware = [Middleware(BodySizeLimit, limit=sandbox.max_content_length),
                  Middleware(ControlTokenMiddleware, token=sandbox.control_token)]
    return Starlette(routes=routes, middleware=middleware)


def client_address(request: Request) -> str:
    """The caller's IP, what Odoo keys its login cooldown on."""
    return request.client.host if request.client else "unknown"
