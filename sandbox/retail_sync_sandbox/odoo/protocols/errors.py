"""`serialize_exception`: the error payload every Odoo protocol sends (JSON-RPC data, JSON-2 body)."""

from __future__ import annotations

import traceback

from ..exceptions import AccessDenied, odoo_name_of


def serialize_exception(exc: BaseException) -> dict:
    if isinstance(exc, AccessDenied):
        debug = ""  # Odoo strips the traceback of AccessDenied so nothing leaks about accounts
    else:
        debug = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {
        "name": odoo_name_of(exc),
        "debug": debug,
        "message": str(exc.args[0]) if len(exc.args) > 1 else str(exc),
        "arguments": [a if isinstance(a, (str, int, float, bool)) else str(a) for a in exc.args],
        "context": {},
    }
