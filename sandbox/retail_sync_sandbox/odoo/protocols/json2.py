"""Odoo 19's JSON-2 API: `POST /json/2/<model>/<method>`, bearer API key, named arguments,
HTTP statuses instead of an envelope."""

from __future__ import annotations

import inspect
import json

from starlette.responses import JSONResponse, Response

from .. import security
from ..exceptions import BadRequest, NotFound, Unauthorized
from ..service import OdooService, count_records
from .errors import serialize_exception


def status_of(exc: BaseException) -> int:
    # Odoo errors carry their status (UserError 422, AccessError 403, MissingError 404), werkzeug's
    # too (422 for a signature that does not bind, 404 for an unknown method); anything else is 500.
    return getattr(type(exc), "http_status", 500)


def error(exc: BaseException) -> Response:
    return JSONResponse(serialize_exception(exc), status_code=status_of(exc))


def wrong_route() -> Response:
    return error(NotFound("Did you mean POST /json/2/<model>/<method>?"))


def handle_json2(service: OdooService, model: str, method: str, headers, body: bytes,
                 fault: str | None) -> tuple[Response, int]:
    auth = headers.get("authorization", "")
    scheme, _, key = auth.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return error(Unauthorized("Invalid apikey", 401)), 0
    try:
        db = service.database(headers.get("x-odoo-database"))
    except Exception:
        return error(NotFound("database not found; send X-Odoo-Database")), 0
    uid = db.run(1, None, lambda env: security.api_key_user(env, key.strip(), scope="rpc"))
    if not uid:
        return error(Unauthorized("Invalid apikey", 401)), 0
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if body and content_type != "application/json":
        return error(BadRequest(f"unsupported content type {content_type!r}; send application/json")), 0
    try:
        params = json.loads(body) if body else {}
    except ValueError as exc:
        return error(BadRequest(f"could not parse the body as json: {exc}")), 0
    if not isinstance(params, dict):
        return error(BadRequest("the body must be a json object")), 0
    ids = params.pop("ids", [])
    try:
        if not isinstance(ids, list):
            raise TypeError("ids must be a list of integers")
        result = service.call_kw(db, uid, model, method, [], params, ids=ids, json2=True, fault=fault)
    except Exception as exc:
        return error(exc), 0
    return JSONResponse(result), count_records(method, [], ids, result)


def handle_model_doc(service: OdooService, model: str, headers) -> Response:
    """`GET /doc-bearer/<model>.json` (19): the model's public methods and their parameters, which
    JSON-2 clients read to turn positional arguments into named ones."""
    key = headers.get("authorization", "").partition(" ")[2].strip()
    try:
        db = service.database(headers.get("x-odoo-database"))
    except Exception:
        return error(NotFound("database not found; send X-Odoo-Database"))
    uid = db.run(1, None, lambda env: security.api_key_user(env, key, scope="rpc")) if key else None
    if not uid:
        return error(Unauthorized("Invalid apikey", 401))

    def describe(env):
        if model not in env:
            raise NotFound(f"the model {model!r} does not exist")
        spec = env[model].spec
        methods = {}
        for name, rpc in sorted(spec.methods.items()):
            skipped = 2 if rpc.on_records else 1  # self, and the ids of a records method
            params = list(inspect.signature(rpc.func).parameters)[skipped:]
            methods[name] = {"api": [] if rpc.on_records else ["model"],
                             "parameters": {p: {} for p in params}}
        return {"model": model, "name": env[model].description, "methods": methods,
                "fields": env[model].fields_get([], ["string", "type"])}

    try:
        return JSONResponse(db.run(uid, None, describe))
    except Exception as exc:
        return error(exc)
