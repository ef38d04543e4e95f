"""Payment state of orders in Odoo: a paid order is confirmed, invoiced and paid in its gateway's journal;
an unpaid one stays a quotation held with its reason, and is confirmed when a later version is paid."""

from __future__ import annotations

from decimal import Decimal

import pytest

from retail_sync_sandbox.datagen.orders import state_at
from tests.integration.sale_order_fixtures import rows_of, woo_order_key
from tests.order_pages import woo_page


def unpaid(order: dict, story: str = "authorized") -> dict:
    """The order as it was when placed, its payment only authorized (or pending)."""
    return dict(state_at(order, order["created_at"]), story=story)


def test_paid_orders_are_confirmed_invoiced_and_paid_in_the_gateways_journal(order_world, good_orders):
    orders = [o for o in good_orders if o["story"] in ("paid", "fulfilled") and not o["refunds"]][:4]
    outcome = order_world.load(woo_page(orders))
    assert outcome.counts == {"loaded": 4} and outcome.held == []
    stripe = order_world.client.call("account.journal", "search", [["code", "=", "STRP"]])
    sales = order_world.sale_orders()
    assert {s["state"] for s in sales} == {"sale"}
    invoices = order_world.moves("out_invoice")
    assert len(invoices) == 4 and {i["state"] for i in invoices} == {"posted"}
    assert {i["payment_state"] for i in invoices} <= {"in_payment", "paid"} and {i["amount_residual"] for i in invoices} == {0}
    assert sorted(i["amount_total"] for i in invoices) == sorted(float(o["total"]) for o in orders)
    for sale in sales:
        assert len(sale["invoice_ids"]) == 1
    payments = order_world.payments()
    assert {p["journal_id"][0] for p in payments} == set(stripe) and {p["payment_type"] for p in payments} == {"inbound"}
    assert round(sum(p["amount"] for p in payments), 2) == float(sum(Decimal(o["total"]) for o in orders))
    # A picking to ship each one (the warehouse may pick a paid order).
    pickings = order_world.client.call("stock.picking", "search_read", [["sale_id", "in", [s["id"] for s in sales]]],
                                 ["state"])
    assert len(pickings) == 4


@pytest.mark.parametrize("story", ["authorized", "pending_payment"])
def test_an_unpaid_order_is_held_then_confirmed_when_a_later_version_is_paid(order_world, good_orders, story):
    order = next(o for o in good_orders if o["story"] == "paid" and not o["refunds"])
    first = order_world.load(woo_page([unpaid(order, story)]))
    assert first.outcomes == {woo_order_key(order): "loaded"} and first.held == [woo_order_key(order)]
    [sale] = order_world.sale_orders()
    status = "authorized" if story == "authorized" else "pending"
    assert sale["state"] == "draft" and f"On hold: payment {status} in woo-uk" in sale["note"]
    assert order_world.moves("out_invoice") == [] and order_world.payments() == []
    assert order_world.client.call("stock.picking", "search_count", []) == 0       # nothing for the warehouse yet

    # The same unpaid version again: nothing to do. Then the payment is taken.
    assert order_world.load(woo_page([unpaid(order, story)]), "run-2").counts == {"skipped": 1}
    later = order_world.load(woo_page([order]), "run-3")
    assert later.outcomes == {woo_order_key(order): "loaded"} and later.held == []
    [sale] = order_world.sale_orders()
    assert sale["state"] == "sale" and "On hold" not in (sale["note"] or "")
    [invoice] = order_world.moves("out_invoice")
    assert invoice["state"] == "posted" and invoice["amount_residual"] == 0
    assert [p["amount"] for p in order_world.payments()] == [float(order["total"])]
    assert later.latency_seconds == {}          # the sale order existed already: its latency was the first run's
    assert first.latency_seconds[woo_order_key(order)] > 0


def test_a_partially_paid_order_stays_held(order_world, good_orders):
    order = next(o for o in good_orders if o["story"] == "partially_paid")
    outcome = order_world.load(woo_page([order]))
    assert outcome.held == [woo_order_key(order)]
    [sale] = order_world.sale_orders()
    assert sale["state"] == "draft" and "On hold" in sale["note"]


def test_each_payment_names_its_gateway_charge_as_settlement_looks_it_up(order_world, good_orders):
    """The order's gateway id (a Stripe charge) is the sale order's reference, its invoice's payment
    reference and its payment's memo, one per order even when one wizard pays the page: settlement finds a
    charge's payment by that memo, and reports a payment nobody settled as missing at the provider."""
    orders = [o for o in good_orders if o["story"] in ("paid", "fulfilled") and not o["refunds"]][:4]
    page = woo_page(orders)
    charges = {row["name"]: row["payment_reference"] for row in rows_of(page)["orders"]}
    assert all(c and c.startswith("ch_") for c in charges.values()) and len(set(charges.values())) == 4
    assert order_world.load(page).counts == {"loaded": 4}
    memo = "memo" if order_world.client.version >= 18 else "ref"
    sale_of = {s["id"]: s["client_order_ref"] for s in order_world.sale_orders()}
    invoices = order_world.client.call("account.move", "search_read", [["move_type", "=", "out_invoice"]],
                                       ["payment_reference", "line_ids"])
    paid = {}
    for payment in order_world.client.call("account.payment", "search_read", [], [memo, "reconciled_invoice_ids"]):
        [invoice] = payment["reconciled_invoice_ids"]
        paid[invoice] = payment[memo]
    by_order = {}
    for sale in order_world.sale_orders():
        [invoice] = sale["invoice_ids"]
        by_order[sale_of[sale["id"]]] = paid[invoice]
    assert by_order == charges
    assert {i["payment_reference"] for i in invoices} == set(charges.values())
