"""`POST /jsonrpc` (services common/object/db) and the envelope `/web/...` JSON routes share."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse, Response

from ..service import OdooService, count_rpc_records
from .errors import serialize_exception

JSON_TYPES = ("application/json", "application/json-rpc")


class BadEnvelope(Exception):
    pass


def parse_envelope(body: bytes, content_type: str) -> dict:
    if content_type.split(";")[0].strip().lower() not in JSON_TYPES:
        raise BadEnvelope("Bad Request: request type is not json (Content-Type must be application/json)")
    try:
        payload = json.loads(body)
    except ValueError:
        raise BadEnvelope("Invalid JSON data") from None
    if not isinstance(payload, dict):
        raise BadEnvelope("Invalid JSON-RPC data")
    params = payload.get("params", {})
    if not isinstance(params, dict):
        raise BadEnvelope("Invalid JSON-RPC data")
    return payload


def result_response(version: int, request_id: Any, result: Any, headers: dict | None = None) -> Response:
    body: dict = {"jsonrpc": "2.0", "id": request_id}
    # JsonRPCDispatcher._response (17, 18 and 19) leaves `result` out when the method returned None.
    if result is not None:
        body["result"] = result
    return JSONResponse(body, headers=headers)


def error_response(version: int, request_id: Any, exc: BaseException, code: int | None = None,
                   message: str = "Odoo Server Error") -> Response:
    error = {"code": code if code is not None else (200 if version < 19 else 0), "message": message,
             "data": serialize_exception(exc)}
    return JSONResponse({"jsonrpc": "2.0", "id": request_id, "error": error})


def handle_jsonrpc(service: OdooService, payload: dict, fault: str | None,
                   source: str | None = None) -> tuple[Response, int]:
    params = payload.get("params", {})
    request_id = payload.get("id")
    service_name, method, args = params.get("service"), params.get("method"), params.get("args", [])
    try:
        result = service.dispatch_rpc(service_name, method, args, fault, source)
    except Exception as exc:  # every failure goes back in the envelope, as Odoo does
        return error_response(service.version, request_id, exc), 0
    return result_response(service.version, request_id, result), count_rpc_records(service_name, args, result)
