"""The order suite on real pulls: every bad order of the demo world is quarantined whole, with its raw
payload and the reason; the awkward but valid ones (emoji and right-to-left names, a long note) pass."""

from __future__ import annotations

import dataclasses
import json

import pyarrow as pa
import pytest

from retail_sync.channels.shopify.connector import ShopifyConnector
from retail_sync.channels.woocommerce.connector import WooCommerceConnector
from retail_sync.flows.orders.validate import OrderValidator, dead_letter
from retail_sync.state.store import StateStore
from retail_sync_sandbox.datagen.world import Mess, build_world
from tests.order_pages import woo_page
from tests.storefront_fixtures import FAST_RETRIES, SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, config

EXPECTED_RULE = {
    "unknown_sku": "every SKU is a product in Odoo: NOPE-",
    "bad_quantity": "every quantity is above 0",
    "bad_totals": "lines + shipping + tax − discount = total (within a cent)",
    "invalid_email": "email is a valid address",
    "unknown_currency": "currency is an ISO-4217 code: XXQ",
}


@pytest.fixture(scope="module")
def validator(small_world):
    return OrderValidator({p["sku"] for p in small_world.catalog})


def whole_pull(connector) -> dict[str, pa.Table]:
    with connector as shop:
        pages = list(shop.pages("orders"))
    return {name: pa.concat_tables([p.tables[name] for p in pages]) for name in pages[0].tables}


def check_against_truth(validated, tables, world, channel: str) -> None:
    bad = {k: v for k, v in world.truth["bad_orders"].items() if k.startswith(f"{channel}:")}
    assert bad, "the world should plant bad orders in this store"
    quarantined = {q.key: q for q in validated.quarantined}
    assert set(quarantined) == set(bad)
    for key, knob in bad.items():
        assert any(reason.startswith(EXPECTED_RULE[knob]) for reason in quarantined[key].reasons), (key, knob)
        assert quarantined[key].lines and all(li["order_key"] == key for li in quarantined[key].lines)
        assert json.loads(quarantined[key].raw)                            # the payload as it came
    # The rest passes whole: every order either passed or was quarantined, no line of a bad order passed.
    good = set(validated.good_keys)
    assert good | set(quarantined) == set(tables["orders"].column("key").to_pylist())
    assert not good & set(quarantined)
    for name in ("lines", "payments", "refunds", "shipments"):
        owners = set(validated.good[name].column("order_key").to_pylist())
        assert owners <= good
        assert validated.good[name].num_rows == sum(
            1 for k in tables[name].column("order_key").to_pylist() if k in good)


def test_shopify_bad_orders_are_quarantined_and_awkward_ones_pass(shopify, small_world, validator):
    server, _ = shopify
    tables = whole_pull(ShopifyConnector(config("shopify", "shopify-eu", server.url, "shopify_eu"), SHOPIFY_TOKEN,
                                         policy=FAST_RETRIES))
    validated = validator.validate(tables)
    check_against_truth(validated, tables, small_world, "shopify-eu")
    awkward = {k for k in small_world.truth["awkward_orders"] if k.startswith("shopify-eu:")}
    assert awkward and awkward <= set(validated.good_keys)
    kinds = {small_world.truth["awkward_orders"][k] for k in awkward}
    assert kinds == {"unicode_names", "long_note"}


def test_woocommerce_bad_orders_are_quarantined(woo, small_world, validator):
    server, _ = woo
    tables = whole_pull(WooCommerceConnector(config("woocommerce", "woo-uk", server.url, "woo_uk"), WOO_KEY,
                                             WOO_SECRET, policy=FAST_RETRIES))
    check_against_truth(validator.validate(tables), tables, small_world, "woo-uk")


def test_unknown_currency_long_note_and_unicode_names():
    # WooCommerce's currency is free text (Shopify's is an enum): the knob lives there only.
    world = build_world(seed=5, scale=0.05, mess=dataclasses.replace(
        Mess.none(), unknown_currency=0.3, unicode_names=0.3, long_note=0.3))
    orders = world.orders_of("woo-uk")
    tables = woo_page(orders)
    validated = OrderValidator({p["sku"] for p in world.catalog}).validate(tables)
    check_against_truth(validated, tables, world, "woo-uk")
    awkward = {k: v for k, v in world.truth["awkward_orders"].items() if k.startswith("woo-uk:")}
    assert set(awkward.values()) == {"unicode_names", "long_note"}
    assert set(awkward) <= set(validated.good_keys)
    notes = validated.good["orders"].column("note").to_pylist()
    assert max(len(n or "") for n in notes) == 10_000                        # kept whole, not cut


def test_orders_failing_several_rules_name_each(validator, small_world):
    order = dict(small_world.orders_of("woo-uk")[0])
    line = dict(order["lines"][0], sku="NOPE-1", quantity=-1, unit_price="-5.00")
    order.update(lines=[line, *order["lines"][1:]], email="not an email")
    [quarantined] = validator.validate(woo_page([order])).quarantined
    assert {r.split(":")[0] for r in quarantined.reasons} >= {
        "every SKU is a product in Odoo", "every quantity is above 0",
        "prices, discounts, taxes and totals are not negative", "email is a valid address"}


def test_a_guest_without_email_cannot_be_matched_and_is_quarantined(validator, small_world):
    guest = next(o for o in small_world.orders_of("woo-uk") if o["customer_id"] is None)
    [quarantined] = validator.validate(woo_page([dict(guest, email="")])).quarantined
    assert "customer is identifiable (an account, or an email)" in quarantined.reasons


def test_quarantined_orders_become_dead_letters_with_their_payload(validator, small_world, tmp_path):
    bad_key = next(k for k, v in small_world.truth["bad_orders"].items() if k.startswith("woo-uk:"))
    order = next(o for o in small_world.orders_of("woo-uk") if f"woo-uk:order:{o['id']}" == bad_key)
    validated = validator.validate(woo_page([order, small_world.orders_of("woo-uk")[1]]))
    store = StateStore(f"sqlite:///{tmp_path}/state.sqlite")
    dead_letter(store, "order_pull", "run-1", validated.quarantined)
    [letter] = store.dead_letters("order_pull")
    assert (letter.key, letter.stage) == (bad_key, "validate")
    assert json.loads(letter.payload["raw"])["id"] == order["id"] and letter.payload["lines"]
    assert letter.error == "; ".join(validated.quarantined[0].reasons)


def test_tax_included_prices_add_up_without_adding_the_tax_again(validator, small_world):
    from decimal import Decimal

    from retail_sync.channels.frames import OrderRows
    from retail_sync.channels.woocommerce import mapping
    from retail_sync_sandbox.woocommerce.records import order_docs

    order = next(o for o in small_world.orders_of("woo-uk") if f"woo-uk:order:{o['id']}"
                 not in small_world.truth["bad_orders"] and Decimal(o["tax_total"]) > 0)
    body = order_docs(order, {})[0].body
    # A tax-inclusive store: the same lines and total, the tax being part of them.
    body = dict(body, prices_include_tax=True, total=str(Decimal(body["total"]) - Decimal(body["total_tax"])))
    verdicts = {}
    for included in (True, False):
        rows = OrderRows()
        mapping.add_order(rows, "woo-uk", dict(body, prices_include_tax=included), [])
        assert rows.orders[0]["taxes_included"] is included
        verdicts[included] = [q.reasons for q in validator.validate(rows.tables()).quarantined]
    assert verdicts[True] == []
    assert verdicts[False] == [["lines + shipping + tax − discount = total (within a cent)"]]
