"""Every object the Stripe sandbox serves has the fields of Stripe's published example object and
their types (tests/contract/data/stripe_fixture_shapes.json, extracted from stripe/openapi's
fixtures3.json), from its list endpoint and from `GET /v1/<resource>/<id>`."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.storefront_fixtures import STRIPE_KEY

SHAPES = json.loads((Path(__file__).parent / "data" / "stripe_fixture_shapes.json").read_text())
RESOURCES = {"payout": "payouts", "balance_transaction": "balance_transactions", "charge": "charges",
             "refund": "refunds", "dispute": "disputes"}
JSON_TYPES = {"integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
              "string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
              "object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
              "null": lambda v: v is None}


def shape_errors(kind: str, obj: dict) -> list[str]:
    """What differs between `obj` and Stripe's example object of `kind`: extra, missing, mistyped fields."""
    expected = SHAPES[kind]
    errors = [f"{kind}.{name} is not a Stripe field" for name in obj.keys() - expected.keys()]
    errors += [f"{kind}.{name} is missing" for name in expected.keys() - obj.keys()]
    for name, types in expected.items():
        if name in obj and not any(JSON_TYPES[t](obj[name]) for t in types.split("|")):
            errors.append(f"{kind}.{name} = {obj[name]!r} is not {types}")
    return errors


def get(server, path: str, **params) -> httpx.Response:
    return httpx.get(f"{server.url}/v1{path}", params=params, headers={"Authorization": f"Bearer {STRIPE_KEY}"})


def test_the_checker_refuses_a_foreign_field_a_missing_one_and_a_wrong_type():
    good = {name: {"integer": 1, "number": 1.5, "string": "x", "boolean": True, "object": {}, "array": []}[
        types.split("|")[0]] for name, types in SHAPES["balance_transaction"].items()}
    assert shape_errors("balance_transaction", good) == []
    bad = {**good, "payout": "po_1", "amount": "100"}
    del bad["exchange_rate"]
    assert sorted(shape_errors("balance_transaction", bad)) == [
        "balance_transaction.amount = '100' is not integer", "balance_transaction.exchange_rate is missing",
        "balance_transaction.payout is not a Stripe field"]


@pytest.mark.parametrize("kind", sorted(RESOURCES))
def test_listed_and_retrieved_objects_have_stripes_shape(stripe_sandbox, kind):
    server, _ = stripe_sandbox
    listed = get(server, f"/{RESOURCES[kind]}", limit=100).json()["data"]
    assert listed, f"the demo world has no {kind}"
    for obj in listed:
        assert shape_errors(kind, obj) == [], obj["id"]
    retrieved = get(server, f"/{RESOURCES[kind]}/{listed[-1]['id']}")
    assert retrieved.status_code == 200 and retrieved.json() == listed[-1]
    missing = get(server, f"/{RESOURCES[kind]}/{listed[-1]['id']}x")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "resource_missing"


def test_balance_transactions_say_their_payout_only_through_the_filter(stripe_sandbox, small_world):
    server, _ = stripe_sandbox
    payout = small_world.stripe["payouts"][0]
    paid_out = get(server, "/balance_transactions", payout=payout["id"], limit=100).json()["data"]
    expected = {bt["id"] for bt in small_world.stripe["balance_transactions"] if bt["payout"] == payout["id"]}
    assert {bt["id"] for bt in paid_out} == expected
    assert all("payout" not in bt and "exchange_rate" in bt for bt in paid_out)


def test_disputes_carry_their_balance_transactions_as_objects(stripe_sandbox, small_world):
    server, _ = stripe_sandbox
    dispute = get(server, "/disputes", limit=1).json()["data"][0]
    assert dispute["balance_transactions"]
    for bt in dispute["balance_transactions"]:
        assert shape_errors("balance_transaction", bt) == []


def test_a_created_refund_and_its_transaction_have_stripes_shape(stripe_sandbox, small_world):
    server, _ = stripe_sandbox
    charge = next(c for c in small_world.stripe["charges"] if not c["refunded"])
    refund = httpx.post(f"{server.url}/v1/refunds", data={"charge": charge["id"], "amount": "100"},
                        headers={"Authorization": f"Bearer {STRIPE_KEY}"}).json()
    assert shape_errors("refund", refund) == []
    bt = get(server, f"/balance_transactions/{refund['balance_transaction']}").json()
    assert shape_errors("balance_transaction", bt) == [] and bt["source"] == refund["id"]
    after = get(server, f"/charges/{charge['id']}").json()
    assert shape_errors("charge", after) == []
    assert after["refunds"]["data"][0] == refund and after["amount_refunded"] == charge["amount_refunded"] + 100
