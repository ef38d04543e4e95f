"""The web client's routes: `/web/session/authenticate` (sets the session cookie) and
`/web/dataset/call_kw`, which answers code 100 "Odoo Session Expired" without a valid session."""

from __future__ import annotations

import secrets
import threading

from starlette.responses import Response

from .. import security
from ..service import OdooService, count_records
from .jsonrpc import error_response, result_response


class SessionExpiredException(Exception):
    odoo_name = "odoo.http.SessionExpiredException"


class Sessions:
    def __init__(self):
        self._lock = threading.Lock()
        self._by_id: dict[str, tuple[str, int]] = {}

    def open(self, db: str, uid: int) -> str:
        sid = secrets.token_hex(20)
        with self._lock:
            self._by_id[sid] = (db, uid)
        return sid

    def get(self, sid: str | None) -> tuple[str, int] | None:
        with self._lock:
            return self._by_id.get(sid or "")

    def close(self, sid: str | None) -> None:
        with self._lock:
            self._by_id.pop(sid or "", None)

    def clear(self) -> None:
        with self._lock:
            self._by_id.clear()


def session_info(service: OdooService, db_name: str, uid: int) -> dict:
    """`ir.http.session_info()`: what /web/session/authenticate and get_session_info answer."""
    db = service.database(db_name)

    def read(env):
        user = env["res.users"].sudo().read([uid], ["name", "login", "partner_id", "company_id", "tz"])[0]
        groups = security.user_groups(env, uid)
        return user, groups

    user, groups = db.run(1, None, read)
    version = service.version_info()
    company_id, company_name = user["company_id"] or (False, False)
    return {
        "uid": uid, "db": db.name, "name": user["name"], "username": user["login"],
        "partner_id": user["partner_id"][0], "partner_display_name": user["partner_id"][1],
        "company_id": company_id,
        "user_companies": {"current_company": company_id,
                           "allowed_companies": {str(company_id): {"id": company_id, "name": company_name}}},
        "is_system": security.ADMIN_GROUP in groups, "is_admin": security.ERP_MANAGER_GROUP in groups
        or security.ADMIN_GROUP in groups,
        "server_version": version["server_version"], "server_version_info": version["server_version_info"],
        "user_context": {"lang": "en_US", "tz": user["tz"] or "UTC", "uid": uid},
    }


def handle_authenticate(service: OdooService, sessions: Sessions, payload: dict,
                        source: str | None = None) -> tuple[Response, int]:
    params, request_id = payload.get("params", {}), payload.get("id")
    db_name, login, password = params.get("db"), params.get("login"), params.get("password")
    try:
        uid = service.login(db_name, login, password, interactive=True, source=source)
        info = session_info(service, db_name, uid)
    except Exception as exc:
        return error_response(service.version, request_id, exc), 0
    sid = sessions.open(info["db"], uid)
    response = result_response(service.version, request_id, info)
    response.set_cookie("session_id", sid, httponly=True, samesite="lax")
    return response, 0


def session_expired(service: OdooService, request_id) -> Response:
    return error_response(service.version, request_id, SessionExpiredException("Session expired"),
                          code=100, message="Odoo Session Expired")


def handle_session_info(service: OdooService, sessions: Sessions, payload: dict,
                        sid: str | None) -> tuple[Response, int]:
    """`/web/session/get_session_info` (auth="user"): the session's info, or "Session Expired"."""
    session = sessions.get(sid)
    if session is None:
        return session_expired(service, payload.get("id")), 0
    try:
        info = session_info(service, *session)
    except Exception as exc:
        return error_response(service.version, payload.get("id"), exc), 0
    return result_response(service.version, payload.get("id"), info), 0


def handle_version_info(service: OdooService, payload: dict) -> Response:
    """`/web/webclient/version_info` (auth="none"): the same answer as common.version."""
    return result_response(service.version, payload.get("id"), service.version_info())


def handle_call_kw(service: OdooService, sessions: Sessions, payload: dict, sid: str | None,
                   fault: str | None) -> tuple[Response, int]:
    params, request_id = payload.get("params", {}), payload.get("id")
    session = sessions.get(sid)
    if session is None:
        return session_expired(service, request_id), 0
    db_name, uid = session
    model, method = params.get("model"), params.get("method")
    args, kwargs = params.get("args", []), params.get("kwargs", {})
    try:
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise TypeError("call_kw takes a list of args and a dict of kwargs")
        result = service.call_kw(service.database(db_name), uid, model, method, args, dict(kwargs), fault=fault)
    except Exception as exc:
        return error_response(service.version, request_id, exc), 0
    return result_response(service.version, request_id, result), count_records(method, args, None, result)


def handle_destroy(service: OdooService, sessions: Sessions, payload: dict, sid: str | None) -> tuple[Response, int]:
    sessions.close(sid)
    response = result_response(service.version, payload.get("id"), None)
    response.delete_cookie("session_id")
    return response, 0



