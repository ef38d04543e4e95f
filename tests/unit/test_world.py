"""The demo world is deterministic and consistent, except exactly where a mess knob says otherwise."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from retail_sync_sandbox.datagen.orders import financial_status, fulfillment_status
from retail_sync_sandbox.datagen.world import Mess, build_world, write_world


@pytest.fixture(scope="module")
def world():
    return build_world(seed=5, scale=0.6)


def digest(directory) -> str:
    h = hashlib.sha256()
    for path in sorted(directory.iterdir()):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_world_byte_for_byte(tmp_path):
    a = write_world(build_world(seed=3, scale=0.2), tmp_path / "a")
    b = write_world(build_world(seed=3, scale=0.2), tmp_path / "b")
    c = write_world(build_world(seed=4, scale=0.2), tmp_path / "c")
    assert digest(a) == digest(b) != digest(c)
    assert {p.name for p in a.iterdir()} >= {"catalog.csv", "orders.jsonl", "truth.json", "stripe_payouts.jsonl"}


def test_every_status_store_and_currency_is_present(world):
    stories = Counter(o["story"] for o in world.orders)
    assert set(stories) == {"pending_payment", "authorized", "partially_paid", "paid", "partially_refunded",
                            "refunded", "cancelled", "partially_fulfilled", "fulfilled"}
    assert {o["store"] for o in world.orders} == {"shopify-eu", "shopify-us", "woo-uk"}
    assert {"EUR", "USD", "GBP"} <= {o["currency"] for o in world.orders}
    statuses = {(financial_status(o), fulfillment_status(o)) for o in world.orders}
    assert ("partially_paid", "unfulfilled") in statuses and ("paid", "partial") in statuses


def test_payouts_equal_their_transactions_except_the_planted_mismatches(world):
    nets = defaultdict(int)
    for bt in world.stripe["balance_transactions"]:
        if bt["payout"] and bt["type"] != "payout":
            nets[bt["payout"]] += bt["net"]
    wrong = {p["id"] for p in world.stripe["payouts"] if nets[p["id"]] != p["amount"]}
    assert wrong == set(world.truth["bad_payouts"]) and wrong


def test_charges_match_captured_money_of_their_orders(world):
    charged = defaultdict(int)
    for charge in world.stripe["charges"]:
        if charge["metadata"]:
            charged[(charge["metadata"]["channel"], charge["metadata"]["order_id"])] += charge["amount"]
    for order in world.orders:
        captured = sum(Decimal(t["amount"]) for t in order["transactions"]
                       if t["status"] == "success" and t["kind"] in ("sale", "capture"))
        if order["currency"] in ("EUR", "USD", "GBP"):
            assert charged.get((order["store"], str(order["id"])), 0) == int(captured * 100)


def test_stock_covers_open_orders_and_channels_show_it_unless_drifted(world):
    on_hand = {r["sku"]: r["quantity"] for r in world.stock if r["location"] == "WH"}
    committed = defaultdict(int)
    skus = set(on_hand)
    for order in world.orders:
        if order["cancelled_at"]:
            continue
        sent = {li["line_id"]: li["quantity"] for f in order["fulfillments"] for li in f["lines"]}
        for line in order["lines"]:
            if line["sku"] in skus and line["quantity"] > 0:
                committed[line["sku"]] += line["quantity"] - sent.get(line["id"], 0)
    for row in world.stock:
        if row["location"] == "WH":
            assert row["quantity"] >= committed[row["sku"]]
            continue
        expected = on_hand[row["sku"]] - committed[row["sku"]]
        drift = world.truth["stock_drift"].get(f"{row['location']}:{row['sku']}")
        assert row["quantity"] == (drift["shown"] if drift else expected)


def test_every_mess_knob_plants_records_and_says_so(world):
    truth = world.truth
    assert set(truth["bad_orders"].values()) == {"unknown_sku", "bad_quantity", "bad_totals", "unknown_currency",
                                                 "invalid_email"}
    assert {"unicode_names", "long_note"} <= set(truth["awkward_orders"].values())
    kinds = {c["kind"] for c in truth["customer_clusters"].values()}
    assert kinds == {"typo", "case_whitespace", "nickname", "swapped_names", "phone_format", "changed_surname",
                     "new_email"}
    assert all(len(c["records"]) == 2 for c in truth["customer_clusters"].values())
    assert truth["duplicate_deliveries"] and truth["out_of_order_deliveries"]
    assert len(truth["charges_without_order"]) == 2 and len(truth["refunds_for_unknown_orders"]) == 2
    by_key = {f"{o['store']}:order:{o['id']}": o for o in world.orders}
    for key, reason in truth["bad_orders"].items():
        order = by_key[key]
        if reason == "unknown_currency":
            assert order["currency"] == "XXQ" and order["store"] == "woo-uk"
        if reason == "bad_quantity":
            assert order["lines"][0]["quantity"] <= 0
    long_notes = [by_key[k] for k, r in truth["awkward_orders"].items() if r == "long_note"]
    assert all(len(o["note"]) == 10_000 for o in long_notes)


def test_out_of_order_deliveries_really_arrive_late(world):
    seen: dict = {}
    late = 0
    for d in world.deliveries:
        key = (d["store"], d["id"])
        if key in seen and d["at"] < seen[key]:
            late += 1
        seen[key] = max(seen.get(key, d["at"]), d["at"])
    assert late >= len(world.truth["out_of_order_deliveries"]) > 0


def test_a_clean_world_has_no_mess():
    clean = build_world(seed=5, scale=0.2, mess=Mess.none())
    assert not any(clean.truth[k] for k in ("bad_orders", "awkward_orders", "customer_clusters", "bad_payouts",
                                             "charges_without_order", "stock_drift"))


def test_every_customer_phone_is_a_real_number_of_its_country_in_any_spelling(world):
    """A storefront keeps numbers its checkout accepted: valid ones. (The US numbers had 9 digits: none was a
    number, so two accounts sharing one did not share a phone once standardized.)"""
    from retail_sync.canonical.contacts import normalize_phone

    by_cluster = defaultdict(set)
    for account in world.customers:
        phone = normalize_phone(account["phone"], account["country"])
        assert phone.valid, (account["country"], account["phone"])
        by_cluster[account["cluster"]].add(phone.e164)
    assert {c["country"] for c in world.customers} >= {"BE", "DE", "FR", "NL", "US", "GB"}
    # A duplicate account with its number in national format ("(415) 555-0123", "0470 12 34 56") is the same number.
    assert all(len(numbers) == 1 for numbers in by_cluster.values())
