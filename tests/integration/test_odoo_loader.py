"""The project's loader against the Odoo sandbox: when `load()` fails for the whole call the chunk
fails once, every row of it carrying the error, instead of being split into ~1,000 calls; rows that
Odoo names are still taken out one by one and the rest loaded; datetimes are loaded as UTC whatever
the integration user's time zone."""

from __future__ import annotations

import pytest

from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.odoo.loader import load_rows
from retail_sync.retry import RetryPolicy
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer
from tests.contract.odoo_target import OdooTarget

API_KEY = "loader-test-" + "k" * 28


@pytest.fixture(scope="module")
def server():
    sandbox = OdooSandbox(17, credentials=SeedCredentials("admin-pw", integration_api_key=API_KEY))
    with RunningServer(create_app(sandbox)) as running:
        yield running


@pytest.fixture(scope="module")
def client(server):
    with OdooClient(
            OdooConfig(server.url, "odoo", "retail-sync", API_KEY),
            policy=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, budget_seconds=2)) as odoo:
        odoo.uid  # noqa: B018  (log in before counting calls)
        yield odoo


def admin(server) -> OdooTarget:
    return OdooTarget(server.url, "odoo", "admin", "admin-pw", 17, admin_login="admin", admin_password="admin-pw")


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


def test_datetimes_are_loaded_as_utc_whatever_the_users_time_zone(client, server):
    odoo = admin(server)
    odoo.admin_call("res.users", "write", [client.uid], {"tz": "Europe/Brussels"})
    pricelist = client.call("product.pricelist", "create", {"name": "Loader tz"})
    columns = ["id", "pricelist_id/.id", "compute_price", "fixed_price", "date_start"]
    outcome = load_rows(client, "product.pricelist.item", columns,
                        [("promo:1", ["retail_sync.loader_tz_promo", str(pricelist), "fixed", "3", "2024-07-01 12:00:00"])])
    stored = client.call("product.pricelist.item", "read", [outcome.ids["promo:1"]], ["date_start"])[0]
    assert stored["date_start"] == "2024-07-01 12:00:00"
    # Without the loader's context Odoo would have read it as Brussels time.
    plain = client.call("product.pricelist.item", "load", columns[1:], [[str(pricelist), "fixed", "3",
                                                                        "2024-07-01 12:00:00"]])
    assert client.call("product.pricelist.item", "read", plain["ids"], ["date_start"])[0]["date_start"] == (
        "2024-07-01 10:00:00")


def partner_xmlid(client, name: str) -> str:
    """An external id bound to a partner: loading a product under it is refused for that row."""
    client.call("res.partner", "load", ["id", "name"], [[f"retail_sync.{name}", name]])
    return f"retail_sync.{name}"


def test_odoos_batch_summary_does_not_dead_letter_the_first_row(client):
    """Odoo repeats a business error first, naming row 0: only the row that caused it fails."""
    batch = rows("summary", 4)
    batch[2][1][0] = partner_xmlid(client, "loader_taken_2")
    raw = client.call("product.template", "load", ["id", "name", "list_price"], [v for _k, v in batch])
    assert [m["record"] for m in raw["messages"]] == [0, 2]  # the summary, then the row itself
    outcome = load_rows(client, "product.template", ["id", "name", "list_price"], batch)
    assert list(outcome.failed) == ["summary:2"] and "different model" in outcome.failed["summary:2"]
    assert sorted(outcome.ids) == ["summary:0", "summary:1", "summary:3"]


def test_a_first_row_that_really_fails_is_still_dead_lettered(client):
    batch = rows("first", 3)
    batch[0][1][0] = partner_xmlid(client, "loader_taken_0")
    outcome = load_rows(client, "product.template", ["id", "name", "list_price"], batch)
    assert list(outcome.failed) == ["first:0"] and sorted(outcome.ids) == ["first:1", "first:2"]


def test_records_named_by_database_id_may_be_archived_only_when_the_caller_says_so(client):
    """By default a load keeps Odoo's active_test (an order's computations search warehouses, taxes, pricelists):
    an archived record named by `.id` is refused as Odoo refuses it. `archived_ok` loads it."""
    partner = client.call("res.partner", "create", {"name": "Archived partner"})
    client.call("res.partner", "write", [partner], {"active": False})
    refused = load_rows(client, "res.partner", [".id", "name"], [("k", [str(partner), "Renamed"])])
    assert "Unknown database identifier" in refused.failed["k"] and not refused.ids
    loaded = load_rows(client, "res.partner", [".id", "name"], [("k", [str(partner), "Renamed"])], archived_ok=True)
    assert loaded.ids == {"k": partner} and not loaded.failed
    assert client.call("res.partner", "read", [partner], ["name"])[0]["name"] == "Renamed"
