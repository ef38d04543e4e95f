"""The project's loader against the Odoo sandbox when `load()` fails for the whole call: the chunk
fails once, every row of it carrying the error, instead of being split into ~1,000 calls; rows that
Odoo names are still taken out one by one and the rest loaded."""

from __future__ import annotations

import pytest

from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.odoo.loader import load_rows
from retail_sync.retry import RetryPolicy
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer

API_KEY = "loader-test-" + "k" * 28


@pytest.fixture(scope="module")
def client():
    sandbox = OdooSandbox(17, credentials=SeedCredentials("admin", integration_api_key=API_KEY))
    with RunningServer(create_app(sandbox)) as server, OdooClient(
            OdooConfig(server.url, "odoo", "retail-sync", API_KEY),
            policy=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, budget_seconds=2)) as odoo:
        odoo.uid  # noqa: B018  (log in before counting calls)
        yield odoo


def rows(prefix: str, count: int) -> list[tuple[str, list]]:
    return [(f"{prefix}:{i}", [f"retail_sync.{prefix}_{i}", f"{prefix} {i}", "1.5"]) for i in range(count)]


def test_a_whole_call_error_fails_the_chunk_once(client):
    before = client.counters.calls
    outcome = load_rows(client, "product.template", ["id", "name", "colour"], rows("unknown", 1000), chunk=500)
    assert client.counters.calls - before == 2  # one call per chunk, no bisection
    assert outcome.ids == {} and len(outcome.failed) == 1000
    assert all("colour" in error and "whole call" in error for error in outcome.failed.values())


def test_named_rows_are_taken_out_and_the_rest_loaded(client):
    batch = rows("named", 6)
    batch[2][1][2] = "cheap"
    batch[4][1][2] = "free"
    before = client.counters.calls
    outcome = load_rows(client, "product.template", ["id", "name", "list_price"], batch, chunk=500)
    assert client.counters.calls - before == 2
    assert sorted(outcome.failed) == ["named:2", "named:4"]
    assert "does not seem to be a number" in outcome.failed["named:2"]
    assert sorted(outcome.ids) == sorted(k for k, _ in batch if k not in ("named:2", "named:4"))
