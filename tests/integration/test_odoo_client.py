"""The Odoo client against the sandbox over HTTP: both transports, typed errors, retries, secrecy."""

from __future__ import annotations

import logging

import httpx
import pytest

from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.odoo.errors import (
    OdooAccessError,
    OdooAuthError,
    OdooMissingError,
    OdooProgrammingError,
    OdooRetryableError,
    OdooValidationError,
)
from retail_sync.retry import RetryPolicy
from retail_sync_sandbox.faults import FaultPlan
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer

API_KEY = "client-test-" + "s" * 28
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, budget_seconds=5)


@pytest.fixture(scope="module")
def servers():
    running = {}
    for version in (17, 19):
        sandbox = OdooSandbox(version, credentials=SeedCredentials("admin", integration_api_key=API_KEY))
        running[version] = (RunningServer(create_app(sandbox)).start(), sandbox)
    yield running
    for server, _ in running.values():
        server.stop()


@pytest.fixture(params=[17, 19], ids=["jsonrpc-17", "json2-19"])
def client(request, servers):
    server, sandbox = servers[request.param]
    sandbox.faults.configure(FaultPlan())
    with OdooClient(OdooConfig(server.url, "odoo", "retail-sync", API_KEY), policy=FAST) as odoo:
        odoo.sandbox = sandbox
        yield odoo


def test_version_and_transport_are_detected(client):
    assert client.protocol == ("json2" if client.version >= 19 else "jsonrpc")
    assert isinstance(client.uid, int)


def test_orm_calls_on_either_transport(client):
    ids = client.call("res.partner", "create", [{"name": "Client A"}, {"name": "Client B"}])
    assert len(ids) == 2
    rows = client.call("res.partner", "search_read", [["id", "in", ids]], ["name"], order="name")
    assert [r["name"] for r in rows] == ["Client A", "Client B"]
    assert client.call("res.partner", "write", ids, {"ref": "X"}) is True
    assert {r["ref"] for r in client.call("res.partner", "read", ids, ["ref"])} == {"X"}
    loaded = client.call("product.template", "load", ["id", "name"], [["retail_sync.client_t", "Client T"]])
    assert loaded["messages"] == []


@pytest.mark.parametrize("call, error", [
    (("product.template", "create", {"list_price": 1}), OdooValidationError),
    (("res.groups", "write", [1], {"name": "x"}), OdooAccessError),
    (("res.partner", "create", {"no_such_field": 1}), OdooProgrammingError),
    (("res.partner", "read", [987654], ["name"]), OdooMissingError),
])
def test_typed_errors_are_not_retried(client, call, error):
    model, method, *args = call
    with pytest.raises(error):
        client.call(model, method, *args)
    assert client.counters.retries == 0


def test_bad_api_key_is_an_auth_error_without_the_key(servers):
    for version in (17, 19):
        server, _ = servers[version]
        with OdooClient(OdooConfig(server.url, "odoo", "retail-sync", "wrong-secret-value"), policy=FAST) as odoo:
            with pytest.raises(OdooAuthError) as info:
                odoo.call("res.partner", "search", [])
            assert "wrong-secret-value" not in str(info.value)
            assert "wrong-secret-value" not in repr(odoo.config)


@pytest.mark.parametrize("kind", ["429", "502", "503", "504", "serialization"])
def test_retryable_failures_are_retried(client, kind):
    client.uid  # noqa: B018  (authenticate first, so the plan's call numbers hit the ORM call)
    client.sandbox.faults.configure(FaultPlan(fail_calls={1: kind, 2: kind},
                                                                         retry_after=0.01))
    assert isinstance(client.call("res.partner", "search_count", []), int)
    assert client.counters.retries == 2


def test_retry_after_is_honoured(client, caplog):
    client.uid  # noqa: B018
    client.sandbox.faults.configure(FaultPlan(fail_calls={1: "429"}, retry_after=0.3))
    # the retry is logged by retail_sync.retry (shared with the channels): listen to the whole package
    with caplog.at_level(logging.INFO, logger="retail_sync"):
        client.call("res.partner", "search_count", [])
    assert client.counters.waited_seconds >= 0.3
    assert "res.partner.search_count" in caplog.text and API_KEY not in caplog.text


def test_retry_budget_ends_in_a_retryable_error(client):
    client.uid  # noqa: B018
    client.sandbox.faults.configure(FaultPlan(rate_503=1.0))
    with pytest.raises(OdooRetryableError) as info:
        client.call("res.partner", "search_count", [])
    assert info.value.status == 503
    assert client.counters.retries == FAST.max_attempts - 1


def test_connection_refused_is_retryable():
    policy = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.01)
    with OdooClient(OdooConfig("http://127.0.0.1:9", "odoo", "x", API_KEY, version=17), policy=policy) as odoo:
        with pytest.raises(OdooRetryableError):
            odoo.call("res.partner", "search", [])
        assert odoo.counters.retries == 1


def test_shared_http_client_is_reused(servers):
    server, sandbox = servers[17]
    sandbox.faults.configure(FaultPlan())
    with httpx.Client(base_url=server.url) as http:
        odoo = OdooClient(OdooConfig(server.url, "odoo", "retail-sync", API_KEY), policy=FAST, http=http)
        odoo.call("res.partner", "search", [])
        odoo.call("res.partner", "search", [])
        assert odoo.counters.calls == 4  # version + authenticate + two searches
