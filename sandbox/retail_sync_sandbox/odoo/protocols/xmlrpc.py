"""`POST /xmlrpc/2/<service>` (integer fault codes) and the legacy `/xmlrpc/<service>` (string fault
codes), with Odoo's marshalling: None is not marshallable, and XML 1.0's forbidden control
characters are dropped from strings rather than sent (they would break the client's parser)."""

from __future__ import annotations

import traceback
import xmlrpc.client

from starlette.responses import Response

from ..exceptions import AccessDenied, AccessError, MissingError, UserError
from ..service import OdooService, count_rpc_records

APPLICATION_ERROR, WARNING, ACCESS_DENIED, ACCESS_ERROR = 1, 2, 3, 4
# Code points 0-31 except tab, newline and carriage return.
CONTROL_CHARACTERS = dict.fromkeys(set(range(32)) - {9, 10, 13})


class StrippingMarshaller(xmlrpc.client.Marshaller):
    dispatch = dict(xmlrpc.client.Marshaller.dispatch)

    def dump_unicode(self, value, write):
        return super().dump_unicode(value.translate(CONTROL_CHARACTERS), write)

    dispatch[str] = dump_unicode


def dumps(params: tuple | xmlrpc.client.Fault) -> str:
    body = StrippingMarshaller(allow_none=False).dumps(params)
    return f'<?xml version="1.0"?>\n<methodResponse>\n{body}\n</methodResponse>\n'


def traceback_of(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def fault_for(exc: BaseException) -> xmlrpc.client.Fault:
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault(ACCESS_ERROR, str(exc))
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault(ACCESS_DENIED, str(exc))
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault(WARNING, str(exc))
    return xmlrpc.client.Fault(APPLICATION_ERROR, traceback_of(exc))


def legacy_fault_for(exc: BaseException) -> xmlrpc.client.Fault:
    """The historical route's faults: the code is a string naming the error, as old clients parse it."""
    if isinstance(exc, MissingError):
        return xmlrpc.client.Fault("warning -- MissingError\n\n" + str(exc), "")
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault("warning -- AccessError\n\n" + str(exc), "")
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault("AccessDenied", str(exc))
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault("warning -- UserError\n\n" + str(exc), "")
    return xmlrpc.client.Fault(str(exc), traceback_of(exc))


def xml_response(payload: str) -> Response:
    return Response(payload, media_type="text/xml")


def handle_xmlrpc(service: OdooService, service_name: str, body: bytes, fault: str | None,
                  source: str | None = None, legacy: bool = False) -> tuple[Response, int]:
    to_fault = legacy_fault_for if legacy else fault_for
    try:
        args, method = xmlrpc.client.loads(body, use_builtin_types=True)
        args = list(args)
        result = service.dispatch_rpc(service_name, method, args, fault, source)
        payload = dumps((result,))
    except Exception as exc:  # malformed XML, unknown services and failed calls are all faults, as in Odoo
        return xml_response(dumps(to_fault(exc))), 0
    return xml_response(payload), count_rpc_records(service_name, args, result)
