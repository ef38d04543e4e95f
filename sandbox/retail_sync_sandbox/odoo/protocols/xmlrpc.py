"""`POST /xmlrpc/2/<service>`: XML-RPC with Odoo's integer fault codes, None not marshallable."""

from __future__ import annotations

import traceback
import xmlrpc.client

from starlette.responses import Response

from ..exceptions import AccessDenied, AccessError, UserError
from ..service import OdooService, count_rpc_records

APPLICATION_ERROR, WARNING, ACCESS_DENIED, ACCESS_ERROR = 1, 2, 3, 4


def fault_for(exc: BaseException) -> xmlrpc.client.Fault:
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault(ACCESS_ERROR, str(exc))
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault(ACCESS_DENIED, str(exc))
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault(WARNING, str(exc))
    return xmlrpc.client.Fault(APPLICATION_ERROR, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))


def xml_response(payload: bytes | str) -> Response:
    return Response(payload, media_type="text/xml")


def handle_xmlrpc(service: OdooService, service_name: str, body: bytes, fault: str | None) -> tuple[Response, int]:
    try:
        args, method = xmlrpc.client.loads(body, use_builtin_types=True)
    except Exception as exc:  # malformed XML is an application fault, as in Odoo
        return xml_response(xmlrpc.client.dumps(fault_for(exc), methodresponse=True)), 0
    try:
        args = list(args)
        result = service.dispatch_rpc(service_name, method, args, fault)
        payload = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)
    except Exception as exc:
        return xml_response(xmlrpc.client.dumps(fault_for(exc), methodresponse=True)), 0
    return xml_response(payload), count_rpc_records(service_name, args, result)
