"""The order load under Odoo faults: the answer of every kind of write lost after Odoo committed it (the
sandbox's `after_commit` fault), throttling, gateway errors and serialization failures, and two runs at
once. Each ends as a clean run ends: no second sale order, line, invoice, payment or credit note."""

from __future__ import annotations

import threading
from contextlib import suppress

import pytest

from retail_sync.flows.orders.load import load_page
from retail_sync.flows.orders.payment_state import cancel_moves
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.odoo.errors import OdooError, OdooUserError
from retail_sync.state.store import StateStore
from retail_sync_sandbox.faults import FaultPlan
from tests.integration.catalog_fixtures import API_KEY, FAST
from tests.integration.sale_order_fixtures import FLOW, recording_client, start_order_world, woo_order_key
from tests.order_pages import woo_page

# Each kind of write the load makes, and which of its calls loses its answer (the account.move create is the
# credit note's, the 2nd post the credit note's, the 2nd payment wizard the refund's).
WRITES = [("res.partner.load", 1), ("sale.order.load", 1), ("sale.order.line.load", 1),
          ("sale.order.action_confirm", 1), ("sale.advance.payment.inv.create", 1),
          ("sale.advance.payment.inv.create_invoices", 1), ("account.move.action_post", 1),
          ("account.payment.register.create", 1), ("account.payment.register.action_create_payments", 1),
          ("sale.order.action_cancel", 1), ("account.move.create", 1), ("account.move.action_post", 2),
          ("account.payment.register.create", 2), ("account.payment.register.action_create_payments", 2)]


@pytest.fixture(scope="module")
def mixed(small_world):
    """A paid order refunded in part, an authorized one (held), a cancelled one: every write kind."""
    bad = small_world.truth["bad_orders"]
    good = [o for o in small_world.orders_of("woo-uk") if woo_order_key(o) not in bad]
    refunded = next(o for o in good if o["story"] == "partially_refunded" and len(o["lines"]) > 1)
    held = next(o for o in good if o["story"] == "authorized")
    cancelled = next(o for o in good if o["story"] == "cancelled")
    orders = [refunded, held, cancelled]
    skus = {li["sku"] for o in orders for li in o["lines"]}
    return orders, [p for p in small_world.catalog if p["sku"] in skus]


def snapshot(world) -> dict:
    call = world.client.call
    return {
        "counts": world.counts(),
        "orders": sorted((o["client_order_ref"], o["state"], o["amount_total"]) for o in world.sale_orders()),
        "moves": sorted((m["move_type"], m["state"], m["amount_total"], m["payment_state"], m["amount_residual"])
                        for m in call("account.move", "search_read", [["move_type", "in", ["out_invoice", "out_refund"]],
                                                                      ["state", "!=", "cancel"]],
                                      ["move_type", "state", "amount_total", "payment_state", "amount_residual"])),
        "payments": sorted((p["payment_type"], p["amount"]) for p in world.payments()),
    }


@pytest.fixture(scope="module")
def clean(mixed, tmp_path_factory):
    """A clean run: what Odoo holds after it, and the order of its calls (model.method)."""
    orders, catalog = mixed
    world = start_order_world(tmp_path_factory.mktemp("clean"), catalog)
    world.add_products(catalog)
    sequence: list[str] = []

    client = recording_client(world, sequence)
    try:
        outcome = world.load(woo_page(orders), client=client)
        assert outcome.counts == {"loaded": 3} and outcome.held == [woo_order_key(orders[1])]
        yield snapshot(world), sequence, outcome
    finally:
        client.close()
        world.world.server.stop()


@pytest.fixture
def world(mixed, tmp_path):
    """A fresh Odoo with the mixed page's catalog, stopped after the test."""
    _, catalog = mixed
    order_world = start_order_world(tmp_path, catalog)
    order_world.add_products(catalog)   # before any fault: the clean run's calls are the load's only
    yield order_world
    order_world.world.server.stop()


def position(sequence: list[str], write: str, nth: int) -> int:
    return [i for i, name in enumerate(sequence, start=1) if name == write][nth - 1]


def test_the_clean_run_makes_every_write_kind(clean):
    _, sequence, _ = clean
    for write, nth in WRITES:
        assert len([name for name in sequence if name == write]) >= nth, write
    # One call creates the page's sale orders, one their lines: create calls per order 2/3 here, 2/chunk at scale.
    assert sequence.count("sale.order.load") == 1 and sequence.count("sale.order.line.load") == 1


@pytest.mark.parametrize(("write", "nth"), WRITES, ids=[f"{w}#{n}" for w, n in WRITES])
def test_a_lost_answer_on_each_write_kind_doubles_nothing(mixed, clean, world, write, nth):
    orders, _ = mixed
    state, sequence, clean_outcome = clean
    # This world's client logged in before the faults: its calls are the clean run's less the log-in.
    at = position(sequence, write, nth) - sequence.count("common")
    world.world.sandbox.faults.configure(FaultPlan(fail_calls={at: "503"}, after_commit=True))
    try:
        outcome = world.load(woo_page(orders))
    except OdooError:          # the task fails; its retry runs the page again
        world.world.sandbox.faults.configure(FaultPlan())
        outcome = world.load(woo_page(orders), "run-1-retry")
    world.world.sandbox.faults.configure(FaultPlan())
    assert outcome.outcomes == clean_outcome.outcomes, outcome.reasons
    assert snapshot(world) == state


def test_throttling_gateway_errors_and_serialization_failures_are_retried(mixed, clean, world):
    orders, _ = mixed
    state, _, clean_outcome = clean
    world.world.sandbox.faults.configure(FaultPlan(rate_429=0.1, rate_503=0.1, rate_serialization=0.1,
                                                   after_commit=True, retry_after=0.001, seed=5))
    outcome = world.load(woo_page(orders))
    world.world.sandbox.faults.configure(FaultPlan())
    assert world.client.counters.retries > 0
    assert outcome.outcomes == clean_outcome.outcomes and snapshot(world) == state


def test_two_runs_at_once_make_one_of_everything(mixed, clean, world):
    orders, _ = mixed
    state, _, _ = clean
    barrier, errors = threading.Barrier(2), []

    def run(name):
        client = OdooClient(OdooConfig(world.world.server.url, "odoo", "retail-sync", API_KEY), policy=FAST)
        try:
            barrier.wait()
            load_page(woo_page(orders), client, StateStore(world.store.url), world.settings, FLOW, name)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            with suppress(Exception):
                client.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in ("scheduled", "manual")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:               # a run that lost a race fails its task; the retry finishes the page
        world.load(woo_page(orders), "retry")
    assert snapshot(world) == state
    # What one run made twice meanwhile is a cancelled draft; neither run took the other's work for a failure.
    assert {m["state"] for m in world.moves("out_refund") + world.moves("out_invoice")
            if m["state"] not in ("posted",)} <= {"cancel"}
    assert world.store.dead_letters(FLOW) == []
    versions = world.store.order_versions([woo_order_key(o) for o in orders])
    assert {v.outcome for v in versions.values()} == {"loaded"} and len(versions) == 3


def test_a_duplicate_draft_both_runs_cancel_is_cancelled_once_without_a_failure(mixed, world):
    """Two runs that both find the same duplicate credit note both cancel it; the second cancel is refused by
    Odoo ("Only draft journal entries can be cancelled") and is no failure, since the draft is cancelled."""
    orders, _ = mixed
    world.load(woo_page(orders))
    credit_note = next(m["id"] for m in world.moves("out_refund"))
    call = world.client.call
    invoice = call("account.move", "read", [credit_note], ["reversed_entry_id"])[0]["reversed_entry_id"][0]
    context = {"active_model": "account.move", "active_ids": [invoice]}
    wizard = call("account.move.reversal", "create", {"reason": "duplicate"}, context=context)
    call("account.move.reversal", "refund_moves", [wizard], context=context)
    duplicate = max(m["id"] for m in world.moves("out_refund"))
    assert duplicate != credit_note
    cancel_moves(world.client, [duplicate])
    cancel_moves(world.client, [duplicate])          # the other run's cancel: refused by Odoo, taken as done
    with pytest.raises(OdooUserError, match="Only draft journal entries"):
        call("account.move", "button_cancel", [duplicate])   # what the second run's call meets
    assert {m["id"]: m["state"] for m in world.moves("out_refund")} == {credit_note: "posted", duplicate: "cancel"}
