"""A small raw client for the contract suite: it speaks the wire protocols directly, so the suite
checks the server (sandbox or a real Odoo), not retail-sync's own client."""

from __future__ import annotations

import itertools
import xmlrpc.client
from dataclasses import dataclass, field

import httpx


class RpcError(Exception):
    def __init__(self, error: dict):
        super().__init__(error.get("data", {}).get("message") or error.get("message"))
        self.error = error
        self.name = error.get("data", {}).get("name")
        self.code = error.get("code")


@dataclass
class OdooTarget:
    url: str
    db: str
    login: str
    secret: str                      # the integration user's API key (works wherever a password does over RPC)
    version: int
    admin_login: str | None = None
    admin_password: str | None = None
    password: str | None = None      # the integration user's password, for the interactive web login
    is_sandbox: bool = False
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _uid: int | None = None

    @property
    def http(self) -> httpx.Client:
        client = getattr(self, "_http", None)
        if client is None:
            client = self._http = httpx.Client(base_url=self.url, timeout=30)
        return client

    def jsonrpc_raw(self, service: str, method: str, *args) -> dict:
        body = {"jsonrpc": "2.0", "method": "call", "id": next(self._ids),
                "params": {"service": service, "method": method, "args": list(args)}}
        response = self.http.post("/jsonrpc", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def jsonrpc(self, service: str, method: str, *args):
        payload = self.jsonrpc_raw(service, method, *args)
        if "error" in payload:
            raise RpcError(payload["error"])
        return payload.get("result")

    @property
    def uid(self) -> int:
        if self._uid is None:
            self._uid = self.jsonrpc("common", "authenticate", self.db, self.login, self.secret, {})
            assert isinstance(self._uid, int), "the integration credentials were refused"
        return self._uid

    def call(self, model: str, method: str, *args, **kwargs):
        return self.jsonrpc("object", "execute_kw", self.db, self.uid, self.secret, model, method, list(args), kwargs)

    def admin_call(self, model: str, method: str, *args, **kwargs):
        uid = self.jsonrpc("common", "authenticate", self.db, self.admin_login, self.admin_password, {})
        return self.jsonrpc("object", "execute_kw", self.db, uid, self.admin_password, model, method, list(args),
                            kwargs)

    def xmlrpc(self, service: str) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/{service}", allow_none=False)

    def xmlrpc_call(self, model: str, method: str, *args, **kwargs):
        return self.xmlrpc("object").execute_kw(self.db, self.uid, self.secret, model, method, list(args), kwargs)

    def storable(self) -> dict:
        """Values for a stock-tracked product, in this version's words."""
        return {"detailed_type": "product"} if self.version == 17 else {"type": "consu", "is_storable": True}
