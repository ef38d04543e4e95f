"""Customers of order pages → res.partner in the Odoo sandbox over HTTP: matched by key, email, phone and
name; created once (lost answers, faults, two runs at once); addresses as invoice/delivery contacts."""

from __future__ import annotations

import threading
from contextlib import suppress

import pyarrow as pa
import pytest

from retail_sync.canonical.contacts import normalize_email
from retail_sync.channels.shopify.connector import ShopifyConnector
from retail_sync.flows.orders.customers import BY_EMAIL, BY_KEY, BY_PHONE_NAME, CREATED, CustomerSync
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.state.store import StateStore
from retail_sync_sandbox.faults import FaultPlan
from tests.integration.catalog_fixtures import API_KEY, FAST, start_world
from tests.order_pages import woo_page
from tests.storefront_fixtures import FAST_RETRIES, SHOPIFY_TOKEN, config

PAGE = 30


@pytest.fixture
def orders(small_world):
    return small_world.orders_of("woo-uk")[:PAGE]


def sync(world, run_id="run-1") -> CustomerSync:
    return CustomerSync(world.client, world.store, run_id)


def customers(client) -> list[dict]:
    return client.call("res.partner", "search_read", [["customer_rank", ">", 0]],
                       ["name", "email", "phone", "parent_id", "type"], order="id")


def addresses(client) -> list[dict]:
    return client.call("res.partner", "search_read", [["type", "in", ["invoice", "delivery"]]],
                       ["name", "parent_id", "type", "street", "city", "zip", "country_id"], order="id")


def customer_keys(page) -> set[str]:
    return set(page["orders"].column("customer_key").to_pylist())


def emails_of(page) -> dict[str, str]:
    rows = page["orders"].select(["customer_key", "email"]).to_pylist()
    return {r["customer_key"]: normalize_email(r["email"]).normalized for r in rows}


def test_every_order_gets_its_customer_and_addresses(world, orders):
    page = woo_page(orders)
    before = world.client.counters.calls
    outcome = sync(world).match_or_create(page["orders"])
    calls = world.client.counters.calls - before
    assert outcome.failed == {}
    assert set(outcome.parties) == set(page["orders"].column("key").to_pylist())
    partners = customers(world.client)
    # One partner per customer (accounts and guests alike): one per distinct normalised email here.
    assert len(partners) == len(set(emails_of(page).values())) and len(customer_keys(page)) >= len(partners)
    assert set(outcome.matched_by.values()) == {CREATED}
    by_id = {p["id"]: p for p in partners}
    contacts = {a["id"]: a for a in addresses(world.client)}
    for order in page["orders"].to_pylist():
        parties = outcome.parties[order["key"]]
        partner = by_id[parties.partner_id]
        assert partner["email"] == normalize_email(order["email"]).normalized and partner["parent_id"] is False
        invoice, delivery = contacts[parties.invoice_id], contacts[parties.delivery_id]
        assert (invoice["type"], delivery["type"]) == ("invoice", "delivery")
        assert invoice["parent_id"][0] == delivery["parent_id"][0] == partner["id"]
        assert invoice["country_id"][1] == "United Kingdom" and delivery["street"]
    # Identical addresses are one contact: an invoice and a delivery contact per customer and address.
    assert len(contacts) == 2 * len({(o["customer_key"], o["billing_address"]) for o in page["orders"].to_pylist()})
    # A batch: look-up, email and phone searches, two loads (no binding: nothing matched).
    assert calls <= 6


def test_the_same_page_again_writes_nothing(world, orders):
    page = woo_page(orders)
    first = sync(world).match_or_create(page["orders"])
    world.sandbox.stats.reset()
    again = sync(world, "run-2").match_or_create(page["orders"])
    assert again.parties == first.parties and set(again.matched_by.values()) == {BY_KEY}
    assert world.writes() == 0
    assert world.sandbox.stats.snapshot()["calls"] == 1        # the external-id look-up


def test_a_customer_whose_email_changed_keeps_its_partner(world, orders):
    order = next(o for o in orders if o["customer_id"])
    first = sync(world).match_or_create(woo_page([order])["orders"])
    changed = woo_page([dict(order, email="Brand.New@Example.org", updated_at="2026-11-02T00:00:00Z")])
    second = sync(world, "run-2").match_or_create(changed["orders"])
    key = f"woo-uk:order:{order['id']}"
    assert second.parties[key].partner_id == first.parties[key].partner_id
    assert second.matched_by == {f"woo-uk:customer:{order['customer_id']}": BY_KEY}
    [partner] = customers(world.client)
    assert partner["email"] == "brand.new@example.org"


@pytest.mark.parametrize(("in_odoo", "in_order"), [
    ("anna.peeters@example.com", "anna.peeters@example.com"),
    ("Anna.Peeters@EXAMPLE.com", "anna.peeters@example.com"),      # typed by hand, in another case
    ("jo@xn--bcher-kva.example", "Jo@Bücher.example"),            # an IDN domain kept in punycode
])
def test_an_existing_partner_is_found_by_email(world, orders, in_odoo, in_order):
    order = dict(orders[0], email=in_order)
    existing = world.client.call("res.partner", "create", [{"name": "Entered by hand", "email": in_odoo}])[0]
    world.client.call("res.partner", "create", [{"name": "Look-alike", "email": in_odoo.replace(".", "_", 1)}])
    outcome = sync(world).match_or_create(woo_page([order])["orders"])
    assert outcome.parties[f"woo-uk:order:{order['id']}"].partner_id == existing
    assert list(outcome.matched_by.values()) == [BY_EMAIL]
    assert len(customers(world.client)) == 1      # the hand-made partner, now a customer: no second one


def test_an_existing_partner_is_found_by_phone_and_name_not_by_phone_alone(world, small_world):
    mine, theirs = [o for o in small_world.orders_of("woo-uk") if o["customer_id"]][:2]
    phone = "+44 20 7946 0958"
    mine, theirs = dict(mine, phone=phone), dict(theirs, phone=phone, first_name="Someone", last_name="Else")
    existing = world.client.call("res.partner", "create", [{
        "name": f"  {mine['first_name'].upper()} {mine['last_name']} ", "phone": "+442079460958",
        "email": "old.address@example.net"}])[0]
    outcome = sync(world).match_or_create(woo_page([mine, theirs])["orders"])
    assert outcome.parties[f"woo-uk:order:{mine['id']}"].partner_id == existing
    assert outcome.matched_by[f"woo-uk:customer:{mine['customer_id']}"] == BY_PHONE_NAME
    assert outcome.parties[f"woo-uk:order:{theirs['id']}"].partner_id != existing
    assert outcome.matched_by[f"woo-uk:customer:{theirs['customer_id']}"] == CREATED


def test_guests_are_matched_by_email(world, small_world):
    guest = next(o for o in small_world.orders_of("woo-uk") if o["customer_id"] is None)
    first = sync(world).match_or_create(woo_page([guest])["orders"])
    again = dict(guest, id=guest["id"] + 10_000, number=guest["number"] + 10_000, email=guest["email"].upper())
    second = sync(world, "run-2").match_or_create(woo_page([again])["orders"])
    assert second.parties[f"woo-uk:order:{again['id']}"].partner_id == \
        first.parties[f"woo-uk:order:{guest['id']}"].partner_id
    assert len(customers(world.client)) == 1


def test_shopify_guests_and_accounts_over_the_connector(world, shopify):
    server, _ = shopify
    with ShopifyConnector(config("shopify", "shopify-eu", server.url, "shopify_eu"), SHOPIFY_TOKEN,
                          policy=FAST_RETRIES) as shop:
        page = next(iter(shop.pages("orders")))
    orders = page.tables["orders"]
    assert None in orders.column("customer_key").to_pylist()                 # Shopify guests have no key
    outcome = sync(world).match_or_create(orders)
    assert outcome.failed == {} and len(outcome.parties) == orders.num_rows
    emails = {normalize_email(e).normalized for e in orders.column("email").to_pylist()}
    assert len(customers(world.client)) == len(emails)


def test_unicode_names_are_kept_as_given(world, small_world):
    order = dict(small_world.orders_of("woo-uk")[0], first_name="محمد", last_name="العلي 🚀")
    outcome = sync(world).match_or_create(woo_page([order])["orders"])
    partner_id = outcome.parties[f"woo-uk:order:{order['id']}"].partner_id
    assert world.client.call("res.partner", "read", [partner_id], ["name"])[0]["name"] == "محمد العلي 🚀"


def test_a_new_shipping_address_is_a_new_delivery_contact(world, orders):
    order = next(o for o in orders if o["customer_id"])
    first = sync(world).match_or_create(woo_page([order])["orders"])
    moved = dict(order, id=order["id"] + 10_000, number=order["number"] + 10_000, street="1 New Road")
    second = sync(world, "run-2").match_or_create(woo_page([moved])["orders"])
    a, b = first.parties[f"woo-uk:order:{order['id']}"], second.parties[f"woo-uk:order:{moved['id']}"]
    assert a.partner_id == b.partner_id and a.delivery_id != b.delivery_id
    assert len(addresses(world.client)) == 4


def test_an_order_without_account_or_email_gets_no_partner(world, small_world):
    guest = next(o for o in small_world.orders_of("woo-uk") if o["customer_id"] is None)
    other = next(o for o in small_world.orders_of("woo-uk") if o["customer_id"] is None and o is not guest)
    page = woo_page([dict(guest, email=""), dict(other, email="not an email")])
    # The WooCommerce mapper still keys these guests (by the text it got); a Shopify guest has no key.
    assert all(":guest:" in k for k in page["orders"].column("customer_key").to_pylist())
    shopify_like = page["orders"].set_column(page["orders"].schema.get_field_index("customer_key"), "customer_key",
                                             pa.array([None, None], pa.string()))
    for orders in (page["orders"], shopify_like):
        outcome = sync(world).match_or_create(orders)
        assert outcome.parties == {}
        assert all("no valid email" in outcome.failed[key_of(o)] for o in (guest, other))
    assert customers(world.client) == []


def snapshot(client) -> tuple:
    people = customers(client)
    names = {p["id"]: p["name"] for p in people}
    return (sorted((p["name"], p["email"], p["phone"]) for p in people),
            sorted((names[a["parent_id"][0]], a["type"], a["street"]) for a in addresses(client)),
            client.call("ir.model.data", "search_count", [["module", "=", "retail_sync"]]))


@pytest.fixture(scope="module")
def clean(tmp_path_factory, small_world):
    """One clean run: its calls in order, and what Odoo holds after it."""
    world = start_world(tmp_path_factory.mktemp("clean"))
    try:
        world.client.uid  # noqa: B018
        world.sandbox.faults.configure(FaultPlan())
        sync(world).match_or_create(woo_page(small_world.orders_of("woo-uk")[:PAGE])["orders"])
        return world.sandbox.faults.snapshot()["calls"], snapshot(world.client)
    finally:
        world.server.stop()


def test_a_lost_answer_on_any_call_leaves_one_partner_per_customer(tmp_path, small_world, clean):
    calls, state = clean
    page = woo_page(small_world.orders_of("woo-uk")[:PAGE])
    for position in range(1, calls + 1):
        world = start_world(tmp_path / str(position))
        try:
            world.client.uid  # noqa: B018
            # That call commits in Odoo, but the client sees a 503 instead of its answer.
            world.sandbox.faults.configure(FaultPlan(fail_calls={position: "503"}, after_commit=True))
            outcome = sync(world).match_or_create(page["orders"])
            assert outcome.failed == {} and len(outcome.parties) == PAGE
            world.sandbox.faults.configure(FaultPlan())
            assert snapshot(world.client) == state, position
        finally:
            world.server.stop()


def test_mixed_faults_end_like_a_clean_run(world, small_world, clean):
    _, state = clean
    world.sandbox.faults.configure(FaultPlan(rate_429=0.1, rate_503=0.15, rate_serialization=0.1, after_commit=True,
                                             retry_after=0.001, seed=3))
    outcome = sync(world).match_or_create(woo_page(small_world.orders_of("woo-uk")[:PAGE])["orders"])
    assert world.client.counters.retries > 0 and outcome.failed == {}
    world.sandbox.faults.configure(FaultPlan())
    assert snapshot(world.client) == state


def test_two_runs_at_once_make_one_partner_per_customer(world, small_world, clean):
    _, state = clean
    page = woo_page(small_world.orders_of("woo-uk")[:PAGE])
    barrier, results, errors = threading.Barrier(2), {}, []

    def run(name):
        client = OdooClient(OdooConfig(world.server.url, "odoo", "retail-sync", API_KEY), policy=FAST)
        try:
            barrier.wait()
            results[name] = CustomerSync(client, StateStore(world.store.url), name).match_or_create(page["orders"])
        except Exception as exc:  # reported below, with the other run's outcome
            errors.append(exc)
        finally:
            with suppress(Exception):
                client.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in ("scheduled", "manual")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results["scheduled"].parties == results["manual"].parties
    assert snapshot(world.client) == state


@pytest.mark.parametrize("size", [5, 80])
def test_the_calls_per_page_do_not_grow_with_its_size(world, small_world, size):
    page = woo_page(small_world.orders_of("woo-uk")[:size])
    before = world.client.counters.calls
    outcome = sync(world).match_or_create(page["orders"])
    assert len(outcome.parties) + len(outcome.failed) == size and len(outcome.parties) >= size - 2
    assert world.client.counters.calls - before <= 6


@pytest.mark.parametrize("version", [17, 19])   # 18 is every other test's; 19 speaks JSON-2
def test_other_odoo_versions(tmp_path, small_world, version):
    world = start_world(tmp_path, version=version)
    try:
        orders = small_world.orders_of("woo-uk")[:10]
        first = sync(world).match_or_create(woo_page(orders)["orders"])
        assert first.failed == {} and len(first.parties) == 10
        moved = [dict(o, email=f"new.{o['email']}", updated_at="2026-11-03T00:00:00Z") for o in orders]
        second = sync(world, "run-2").match_or_create(woo_page(moved)["orders"])
        # Accounts keep their partner by key; the guest (a new key with the new email) by phone and name.
        assert {k: p.partner_id for k, p in second.parties.items()} == \
            {k: p.partner_id for k, p in first.parties.items()}
        assert all(p["email"].startswith("new.") for p in customers(world.client))
    finally:
        world.server.stop()


def test_a_customer_odoo_refuses_fails_its_orders_only(world, small_world):
    accounts = [o for o in small_world.orders_of("woo-uk") if o["customer_id"]]
    good = accounts[0]
    odd = next(o for o in accounts if o["customer_id"] != good["customer_id"])
    outcome = sync(world).match_or_create(woo_page([good, dict(odd, country="ZZ")])["orders"])
    assert set(outcome.parties) == {key_of(good)}
    assert outcome.failed[key_of(odd)].startswith("Odoo refused the customer:")
    assert [p["email"] for p in customers(world.client)] == [normalize_email(good["email"]).normalized]


def key_of(order) -> str:
    return f"woo-uk:order:{order['id']}"
