"""One Odoo client over JSON-RPC (`/jsonrpc`, Odoo 17/18/19) or JSON-2 (`/json/2`, Odoo 19+).

`call(model, method, *args, **kwargs)` takes execute_kw's shape on both transports: for JSON-2
the positional arguments of the standard ORM methods are sent under their parameter names, and a
record method's first argument becomes `ids`. The API key is sent, never logged or put in errors.

Retries: a call that failed retryably is sent again only if sending it twice leaves Odoo as sending it
once would (`safe_to_repeat`), or if Odoo surely did not run it (429, refused connection, serialization
failure). Otherwise — a `create` whose answer was lost to a 5xx — it raises `OdooOutcomeUnknown`, and
the loader or binder looks up by key before sending what is still missing.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import msgspec

from retail_sync.odoo.errors import (
    NOT_PROCESSED_STATUSES,
    RETRYABLE_STATUSES,
    OdooAuthError,
    OdooError,
    OdooOutcomeUnknown,
    OdooRetryableError,
    OdooServerError,
    from_odoo,
)
from retail_sync.retry import RetryCounters, RetryPolicy, retry_after_seconds, with_retries

log = logging.getLogger(__name__)

# JSON-2 takes named arguments only: the names of the standard methods' positional parameters.
POSITIONAL_NAMES = {
    "search": ["domain", "offset", "limit", "order"],
    "search_count": ["domain", "limit"],
    "search_read": ["domain", "fields", "offset", "limit", "order"],
    "read": ["fields", "load"],
    "create": ["vals_list"],
    "write": ["vals"],
    "load": ["fields", "data"],
    "fields_get": ["allfields", "attributes"],
    "name_search": ["name", "domain", "operator", "limit"],
    "default_get": ["fields_list"],
}
MODEL_METHODS = {"search", "search_count", "search_read", "create", "load", "fields_get", "name_search",
                 "default_get"}
DEFAULT_TIMEOUT = 60.0               # seconds per call, unless the connection says otherwise
JSON_HEADERS = {"Content-Type": "application/json"}

# Calls that change nothing, or end in the same state however often they run: a repeated `write` sets the
# same values, a repeated `unlink` finds its records gone (loader.unlink_records takes that as done).
REPEATABLE_METHODS = {"search", "search_count", "search_read", "read", "fields_get", "name_search",
                      "default_get", "context_get", "check_object_reference", "write", "unlink"}


def safe_to_repeat(method: str, args: tuple, kwargs: dict) -> bool:
    """Whether a second copy of this call, after a first one whose answer was lost, is harmless.

    `load` keyed by external id (an `id` column) is an upsert: the second call updates what the first
    created; keyed by database id (a `.id` column) it updates existing records only. `create`, `load` without
    either and business methods (confirm, post, …) are not.
    """
    if method in REPEATABLE_METHODS:
        return True
    if method == "load":
        fields = args[0] if args else kwargs.get("fields", [])
        return "id" in fields or ".id" in fields
    return False


@dataclass(frozen=True)
class OdooConfig:
    url: str
    database: str
    login: str
    api_key: str
    version: int | None = None          # None: ask the server
    protocol: str = "auto"              # auto (JSON-2 from 19 on) | jsonrpc | json2
    timeout: float = DEFAULT_TIMEOUT

    def __repr__(self) -> str:  # keep the key out of logs and tracebacks
        return (f"OdooConfig(url={self.url!r}, database={self.database!r}, login={self.login!r}, "
                f"version={self.version!r}, protocol={self.protocol!r})")


class OdooClient:
    def __init__(self, config: OdooConfig, policy: RetryPolicy | None = None, http: httpx.Client | None = None):
        self.config = config
        self.policy = policy or RetryPolicy()
        self.counters = RetryCounters()
        self._http = http or httpx.Client(base_url=config.url.rstrip("/"), timeout=config.timeout,
                                          headers={"User-Agent": "retail-sync"})
        self._ids = itertools.count(1)
        self._version = config.version
        self._uid: int | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OdooClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ identity
    @property
    def version(self) -> int:
        if self._version is None:
            info = self._retrying("common.version", lambda: self._jsonrpc("common", "version", []))
            self._version = int(info["server_version_info"][0])
        return self._version

    @property
    def protocol(self) -> str:
        if self.config.protocol != "auto":
            return self.config.protocol
        return "json2" if self.version >= 19 else "jsonrpc"

    @property
    def uid(self) -> int:
        if self._uid is None:
            if self.protocol == "json2":
                self._uid = int(self.call("res.users", "context_get")["uid"])
            else:
                cfg = self.config
                uid = self._retrying("common.authenticate", lambda: self._jsonrpc(
                    "common", "authenticate", [cfg.database, cfg.login, cfg.api_key, {}]))
                if not uid:
                    raise OdooAuthError(f"Odoo refused the login {cfg.login!r} on database {cfg.database!r}: "
                                        "check the Airflow connection's login and API key")
                self._uid = int(uid)
        return self._uid

    # ------------------------------------------------------------------ calls
    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        what = f"{model}.{method}"
        repeatable = safe_to_repeat(method, args, kwargs)
        if self.protocol == "json2":
            return self._retrying(what, lambda: self._json2(model, method, list(args), dict(kwargs)), repeatable)
        cfg, uid = self.config, self.uid
        return self._retrying(what, lambda: self._jsonrpc(
            "object", "execute_kw", [cfg.database, uid, cfg.api_key, model, method, list(args), kwargs]), repeatable)

    def _retrying(self, what: str, func, repeatable: bool = True):
        def counted():
            self.counters.calls += 1
            try:
                return func()
            except OdooRetryableError as exc:
                if repeatable or not exc.may_have_committed:
                    raise
                raise OdooOutcomeUnknown(f"{what}: {exc.message}; Odoo may have run it, so it is not sent again "
                                         "before looking up what exists", odoo_name=exc.odoo_name,
                                         status=exc.status) from None
        return with_retries(counted, self.policy, self.counters, what)

    def _post(self, path: str, **kwargs) -> httpx.Response:
        try:
            response = self._http.post(path, **kwargs)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            # A connection never made sent nothing; one cut after sending may have left a committed call behind.
            sent = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
            raise OdooRetryableError(f"connection to Odoo failed: {type(exc).__name__}",
                                     may_have_committed=sent) from None
        # httpx binds a response's stream to the response, a reference cycle that only the cyclic collector frees:
        # while a batch keeps it paused, every answer and its request body would stay in memory (a first load's
        # bodies are MiBs). The answer is read, so the stream is done with: unbind it.
        response.stream = httpx.ByteStream(b"")
        if response.status_code in RETRYABLE_STATUSES:
            retry_after = response.headers.get("Retry-After")
            raise OdooRetryableError(f"Odoo answered HTTP {response.status_code}", status=response.status_code,
                                     retry_after=retry_after_seconds(retry_after),
                                     may_have_committed=response.status_code not in NOT_PROCESSED_STATUSES)
        return response

    def _jsonrpc(self, service: str, method: str, args: list) -> Any:
        body = {"jsonrpc": "2.0", "method": "call", "id": next(self._ids),
                "params": {"service": service, "method": method, "args": args}}
        response = self._post("/jsonrpc", content=encode_body(body), headers=JSON_HEADERS)
        if response.status_code != 200:
            raise OdooServerError(f"Odoo answered HTTP {response.status_code} on /jsonrpc", status=response.status_code)
        payload = decode_body(response.content)
        error = payload.get("error")
        if error:
            data = error.get("data") or {}
            raise from_odoo(data.get("name"), data.get("message") or error.get("message", "Odoo error"))
        return payload.get("result")

    def _json2(self, model: str, method: str, args: list, kwargs: dict) -> Any:
        body = dict(kwargs)
        if method not in MODEL_METHODS and args:
            body["ids"], args = args[0], args[1:]
        names = POSITIONAL_NAMES.get(method, [])
        if len(args) > len(names):
            raise OdooError(f"{model}.{method}: JSON-2 needs named arguments beyond {names}")
        body.update(zip(names, args))
        headers = {"Authorization": f"bearer {self.config.api_key}", "X-Odoo-Database": self.config.database,
                   **JSON_HEADERS}
        response = self._post(f"/json/2/{model}/{method}", content=encode_body(body),
                              headers=headers)
        if response.status_code == 200:
            return decode_body(response.content)
        try:
            data = decode_body(response.content)
        except ValueError:
            data = {}
        raise from_odoo(data.get("name"), data.get("message") or f"HTTP {response.status_code}",
                        status=response.status_code)




# Request and answer bodies go through msgspec (which Airflow itself installs): a first load sends every row of the
# file and reads back every id, and the standard library's json took ~7 µs of client CPU per row doing it.


def _float_subclass(value: Any) -> Any:
    """msgspec refuses a float subclass (numpy.float64) the standard library wrote as its number: write it so."""
    if isinstance(value, float):
        return float(value)
    raise TypeError(f"Encoding objects of type {type(value).__name__} is unsupported")


_encode = msgspec.json.Encoder(enc_hook=_float_subclass).encode
# What msgspec writes for a non-finite value: `null` for a float, the texts "NaN", "sNaN", "Infinity" for a Decimal.
_NON_FINITE_MARKS = (b"null", b'aN"', b'nity"')
_decode = msgspec.json.Decoder().decode


def encode_body(body: Any) -> bytes:
    """Compact JSON of a request body. A NaN or infinity is refused, as the standard library's `allow_nan=False`
    does: msgspec writes one as `null`, which Odoo would take as an empty value (a price cleared)."""
    data = _encode(body)
    # These marks are rare in a body: only then is it looked through.
    if any(mark in data for mark in _NON_FINITE_MARKS) and _has_non_finite(body):
        raise ValueError("a NaN or infinite number cannot be sent to Odoo")
    return data


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (dict, list, tuple, set, frozenset)):
        items = value.values() if isinstance(value, dict) else value
        # Texts and integers (most of a body: ids, row values) are passed over without a call each.
        return any(_has_non_finite(item) for item in items if not isinstance(item, (str, int)))
    if isinstance(value, Decimal):
        return not value.is_finite()
    if value is None or isinstance(value, (str, int, bytes)):
        return False
    return _has_non_finite(msgspec.to_builtins(value))   # a dataclass or Struct: the fields msgspec writes


def decode_body(content: bytes) -> Any:
    """An answer's JSON. Odoo's own encoder may write NaN or an out-of-range number, which only the standard
    library reads (as Python floats); a body that is not JSON raises ValueError either way."""
    try:
        return _decode(content)
    except msgspec.MsgspecError:
        return json.loads(content)
