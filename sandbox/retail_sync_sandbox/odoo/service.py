"""The RPC services every protocol shares: `common` (version, login) and `object` (execute_kw).

Protocols (JSON-RPC, XML-RPC, web session, JSON-2) only unwrap requests and wrap answers; the
checks, the dispatch to model methods and the statistics live here once.
"""

from __future__ import annotations

import inspect
import time
from typing import Any

import sqlalchemy as sa

from ..faults import CallStats
from . import security
from .database import Database
from .db_errors import as_psycopg_error
from .exceptions import (
    AccessDenied,
    AccessError,
    NotFound,
    SerializationFailure,
    UnprocessableEntity,
    UserError,
)
from .login_cooldown import LoginCooldown

VERSION_INFO = {17: [17, 0, 0, "final", 0, ""], 18: [18, 0, 0, "final", 0, ""], 19: [19, 0, 0, "final", 0, ""]}


class OdooService:
    def __init__(self, version: int, databases: dict[str, Database], stats: CallStats,
                 cooldown: LoginCooldown | None = None):
        self.version = version
        self.databases = databases
        self.stats = stats
        self.cooldown = cooldown or LoginCooldown()

    # ---------------------------------------------------------------- common
    def version_info(self) -> dict:
        serie = f"{self.version}.0"
        return {"server_version": serie, "server_version_info": VERSION_INFO[self.version],
                "server_serie": serie, "protocol_version": 1}

    def common(self, method: str, args: list, source: str | None = None) -> Any:
        if method == "version":
            return self.version_info()
        if method in ("login", "authenticate"):
            if method == "login":
                db, login, password = (list(args) + [None] * 3)[:3]
            else:
                db, login, password = (list(args) + [None] * 4)[:3]
            try:
                return self.login(db, login, password, interactive=False, source=source)
            except AccessDenied:
                return False
        raise Exception(f"Method not found: {method}")

    def database(self, name: str | None) -> Database:
        if name is None and len(self.databases) == 1:
            return next(iter(self.databases.values()))
        db = self.databases.get(name)
        if db is None:
            raise AccessDenied()
        return db

    def authenticate(self, db_name: str, login: str, credential: str, interactive: bool) -> int:
        db = self.database(db_name)
        return db.run(1, None, lambda env: security.authenticate(env, login, credential, interactive))

    def login(self, db_name: str, login: str, credential: str, interactive: bool, source: str | None) -> int:
        """A login (not a per-call check): subject to the per-IP cooldown, as `_assert_can_auth` does."""
        source = source or "unknown"
        self.cooldown.check(source)
        try:
            uid = self.authenticate(db_name, login, credential, interactive)
        except AccessDenied:
            self.cooldown.failed(source)
            raise
        self.cooldown.succeeded(source)
        return uid

    def check_uid(self, db_name: str, uid: Any, credential: Any) -> Database:
        """`security.check(db, uid, passwd)`: every object call re-checks its credentials."""
        db = self.database(db_name)
        if isinstance(uid, str):
            uid = int(uid)  # Odoo's dispatch does int(params[1]): "2" is uid 2, "abc" a ValueError
        if not isinstance(uid, int) or isinstance(uid, bool) or not isinstance(credential, str):
            raise AccessDenied()
        key = (uid, credential)
        if key not in db.credential_cache:
            login = db.run(1, None, lambda env: env["res.users"].sudo().read([uid], ["login"])[0]["login"]
                           if env["res.users"].sudo().exists([uid]) else None)
            if login is None:
                raise AccessDenied()
            if self.authenticate(db_name, login, credential, interactive=False) != uid:
                raise AccessDenied()
            db.credential_cache.add(key)
        return db

    def forget_credentials(self) -> None:
        for db in self.databases.values():
            db.credential_cache.clear()

    # ---------------------------------------------------------------- dispatch
    def dispatch_rpc(self, service_name: str, method: str, args: list, fault: str | None = None,
                     source: str | None = None) -> Any:
        """Odoo's `dispatch_rpc`: what /jsonrpc and /xmlrpc/2/<service> both call."""
        if not isinstance(args, list):
            raise TypeError("args must be a list")
        if service_name == "common":
            return self.common(method, args, source)
        if service_name == "object":
            return self.dispatch_object(method, args, fault)
        if service_name == "db" and method == "list":
            return sorted(self.databases)
        if service_name == "db" and method == "server_version":
            return self.version_info()["server_version"]
        if service_name in ("object", "common", "db"):
            raise NameError(f"Method not available {service_name}.{method}")
        raise NameError(f"Service {service_name} not found")

    def dispatch_object(self, method: str, args: list, fault: str | None) -> Any:
        if method == "execute_kw":
            if len(args) < 6:
                raise TypeError(f"execute_kw() missing required arguments: got {len(args)} of 6")
            db, uid, password, model, name, call_args, *rest = args
            kwargs = rest[0] if rest else {}
            if not isinstance(call_args, list) or not isinstance(kwargs, dict):
                raise TypeError("execute_kw() takes a list of arguments and a dict of keyword arguments")
            return self.execute_kw(db, uid, password, model, name, call_args, kwargs, fault=fault)
        if method == "execute":
            if len(args) < 5:
                raise TypeError(f"execute() missing required arguments: got {len(args)} of 5")
            db, uid, password, model, name, *call_args = args
            return self.execute_kw(db, uid, password, model, name, call_args, {}, fault=fault)
        raise NameError(f"Method not available {method}")

    # ---------------------------------------------------------------- object
    def execute_kw(self, db_name, uid, password, model, method, args=None, kw=None, fault=None) -> Any:
        db = self.check_uid(db_name, uid, password)
        return self.call_kw(db, int(uid), model, method, list(args or []), dict(kw or {}), fault=fault)

    def call_kw(self, db: Database, uid: int, model: str, method: str, args: list, kwargs: dict,
                ids: list | None = None, json2: bool = False, fault: str | None = None) -> Any:
        started = time.perf_counter()
        key = f"{model}.{method}"
        try:
            result = db.run(uid, kwargs.pop("context", None) if isinstance(kwargs, dict) else None,
                            lambda env: self._dispatch(env, model, method, args, kwargs, ids, json2, fault))
        except sa.exc.SQLAlchemyError as exc:
            self.stats.record(key, time.perf_counter() - started, error=True)
            raise as_psycopg_error(exc) from None
        except Exception:
            self.stats.record(key, time.perf_counter() - started, error=True)
            raise
        self.stats.record(key, time.perf_counter() - started, records=count_records(method, args, ids, result))
        return result

    def _dispatch(self, env, model_name, method, args, kwargs, ids, json2, fault):
        if fault == "serialization":
            raise SerializationFailure()
        if self.version < 19 and isinstance(method, str) and method.startswith("_"):
            # 17/18 check the method name before looking the model up (check_method_name)
            raise AccessError(f"Private methods (such as {method}) cannot be called remotely.")
        if not isinstance(model_name, str) or model_name not in env:
            if json2:
                raise NotFound(f"the model {model_name!r} does not exist")
            raise UserError(f"Object {model_name} doesn't exist")
        if not isinstance(method, str):
            raise AttributeError(f"The method {method!r} does not exist on model '{model_name}'")
        if method.startswith("_"):  # 19: get_public_method, once the model is known
            raise AccessError(f"Private methods (such as '{model_name}.{method}') cannot be called remotely.")
        model = env[model_name]
        rpc = model.spec.methods.get(method)
        if rpc is None:
            missing = (f"The method '{model_name}.{method}' does not exist" if self.version >= 19
                       else f"The method '{method}' does not exist on the model '{model_name}'")
            # JSON-2 answers an unknown method with 404; the other protocols pass the AttributeError on.
            raise NotFound(missing) if json2 else AttributeError(missing)
        if rpc.access:
            security.check_model_access(env, model_name, rpc.access)
        func = rpc.func
        if json2:
            if rpc.on_records:
                call_args = [model, list(ids or [])]
            elif ids:
                raise UnprocessableEntity(f"cannot call {model_name}.{method} with ids")
            else:
                call_args = [model]
            try:
                bound = _bind(func, call_args, kwargs)
            except TypeError as exc:
                raise UnprocessableEntity(str(exc)) from None  # only signature binding maps to 422
        else:
            bound = _bind(func, [model, *args], kwargs)
        # Internal cascades run as superuser; the caller's rights were checked above.
        result = func(*bound.args, **bound.kwargs)
        if json2 and method == "create" and isinstance(result, int):
            result = [result]
        return result


def _bind(func, args: list, kwargs: dict) -> inspect.BoundArguments:
    try:
        return inspect.signature(func).bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{func.__name__}() {exc}") from None


def count_rpc_records(service_name: str, args: list, result: Any) -> int:
    """count_records for a /jsonrpc or /xmlrpc call (execute_kw's method is its 5th argument)."""
    if service_name != "object" or len(args) < 5:
        return 0
    return count_records(args[4], args[5:6], None, result)


def count_records(method: str, args: list, ids: list | None, result: Any) -> int:
    """Records a call touched, for the statistics and the per-record latency."""
    if method == "load" and isinstance(result, dict):
        return len(result.get("ids") or [])
    if isinstance(result, list):
        return len(result)
    if method in ("write", "unlink"):
        target = ids if ids is not None else (args[0] if args else [])
        return len(target) if isinstance(target, list) else 1
    return 1 if isinstance(result, int) and not isinstance(result, bool) else 0
