"""Sandbox-only guards: the /sandbox/* control token (Odoo, Shopify, WooCommerce, Stripe), the Odoo
login cooldown's clock, a small body cap, and API keys that expire or belong to an archived user."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from retail_sync_sandbox.control import new_control_token
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.login_cooldown import TOO_MANY_FAILURES, LoginCooldown
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer

from ..contract.odoo_target import OdooTarget, RpcError

CREDS = SeedCredentials(admin_password="admin-pw", integration_password="pw", integration_api_key="key-" + "g" * 36)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def served():
    servers = []

    def start(**kw):
        sandbox = OdooSandbox(18, credentials=CREDS, control_token="control-token", **kw)
        server = RunningServer(create_app(sandbox)).start()
        servers.append(server)
        return sandbox, server, OdooTarget(server.url, "odoo", CREDS.integration_login, CREDS.integration_api_key, 18)

    yield start
    for server in servers:
        server.stop()


def test_control_routes_need_the_token(served):
    _sandbox, server, _odoo = served()
    for method, path in (("POST", "/sandbox/reset"), ("GET", "/sandbox/stats"), ("PUT", "/sandbox/faults"),
                         ("POST", "/sandbox/stats/reset")):
        assert httpx.request(method, server.url + path, json={}).status_code == 401
        wrong = httpx.request(method, server.url + path, json={}, headers={"X-Sandbox-Token": "guess"})
        assert wrong.status_code == 401
    assert httpx.get(server.url + "/sandbox/stats", headers={"X-Sandbox-Token": "control-token"}).status_code == 200
    assert httpx.get(server.url + "/sandbox/health").status_code == 200  # liveness stays open


def test_a_generated_token_when_none_is_given(monkeypatch, capsys):
    monkeypatch.delenv("SANDBOX_CONTROL_TOKEN", raising=False)
    first, second = new_control_token(), new_control_token()
    assert len(first) >= 24 and first != second and first in capsys.readouterr().err
    monkeypatch.setenv("SANDBOX_CONTROL_TOKEN", "from-env")
    assert new_control_token() == "from-env" and new_control_token("given") == "given"


def test_login_cooldown_after_five_failures_per_ip(served):
    clock = Clock()
    _sandbox, _server, odoo = served(login_cooldown=LoginCooldown(clock=clock))
    for _ in range(5):
        assert odoo.jsonrpc("common", "authenticate", "odoo", "retail-sync", "wrong", {}) is False
    # on cooldown: even the right key is refused, and the web login says why
    assert odoo.jsonrpc("common", "authenticate", "odoo", "retail-sync", CREDS.integration_api_key, {}) is False
    web = odoo.http.post("/web/session/authenticate", json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "db": "odoo", "login": "retail-sync", "password": "pw"}}).json()
    assert web["error"]["data"]["message"] == TOO_MANY_FAILURES
    clock.now += 61
    assert odoo.jsonrpc("common", "authenticate", "odoo", "retail-sync", CREDS.integration_api_key, {}) == odoo.uid
    # a success cleared the count: one more failure does not lock again
    assert odoo.jsonrpc("common", "authenticate", "odoo", "retail-sync", "wrong", {}) is False
    assert odoo.jsonrpc("common", "authenticate", "odoo", "retail-sync", CREDS.integration_api_key, {}) == odoo.uid


def test_a_chunked_body_over_the_cap_gets_413(served):
    _sandbox, server, _odoo = served(max_content_length=1024)

    def chunks():
        for _ in range(4):
            yield b"x" * 512

    refused = httpx.post(server.url + "/jsonrpc", content=chunks(), headers={"Content-Type": "application/json"})
    assert refused.status_code == 413
    small = httpx.post(server.url + "/jsonrpc", json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "common", "method": "version", "args": []}})
    assert small.status_code == 200 and small.json()["result"]["server_version_info"][0] == 18


def test_expired_keys_and_archived_users_do_not_authenticate(served):
    sandbox, _server, odoo = served()
    db = sandbox.databases["odoo"]
    uid = odoo.uid
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")

    def add_keys(env):
        keys = env["res.users.apikeys"].sudo()
        expired = keys.add_key(uid, "expired")
        keys.write(keys.search([("name", "=", "expired")]), {"expiration_date": past})
        return expired

    expired = db.run(1, None, add_keys)
    assert odoo.jsonrpc("common", "authenticate", "odoo", "retail-sync", expired, {}) is False
    assert odoo.call("res.partner", "search_count", []) >= 1  # the good key, now verified and cached
    # archiving the user drops the cached credentials: the very next call is refused
    db.run(1, None, lambda env: env["res.users"].sudo().write([uid], {"active": False}))
    with pytest.raises(RpcError) as refused:
        odoo.call("res.partner", "search_count", [])
    assert refused.value.name == "odoo.exceptions.AccessDenied"
    assert odoo.jsonrpc("common", "authenticate", "odoo", "retail-sync", CREDS.integration_api_key, {}) is False


@pytest.mark.parametrize("fixture, path", [("shopify", "/sandbox/throttle"), ("shopify", "/sandbox/webhooks"),
                                           ("woo", "/sandbox/webhooks"), ("stripe_sandbox", "/sandbox/reset")])
def test_storefront_and_payment_control_routes_need_the_token(request, fixture, path):
    server, sandbox = request.getfixturevalue(fixture)
    assert httpx.get(server.url + path).status_code == 401
    assert httpx.get(server.url + path, headers={"X-Sandbox-Token": "guess"}).status_code == 401
    allowed = httpx.request("GET" if path != "/sandbox/reset" else "POST", server.url + path,
                            headers={"X-Sandbox-Token": sandbox.control_token})
    assert allowed.status_code == 200
    assert httpx.get(server.url + "/sandbox/health").status_code == 200
