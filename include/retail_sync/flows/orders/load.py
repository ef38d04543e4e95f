"""One page of canonical orders → Odoo: the order pull's entry point for each page a channel gives.

take_in (versions, validation) → customers (partners and addresses) → sale orders (created or updated,
totals checked) → payment state (confirm, invoice, pay; or hold) → changes (cancel, refunds) → settle
(each order's version recorded with its outcome, so the watermark may pass it).

Every order of the page ends in exactly one of: loaded (its sale order exists and is as the channel says,
held ones included), quarantined (failed validation), dead_lettered (a step could not be done: the stage
and reason go to the dead-letter queue with the raw payload), skipped (unchanged or stale). An error that
is not an order's own (Odoo unreachable past the retry budget) propagates: nothing is settled, and the
re-run finds what was done (external ids, states) and finishes the rest.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

from retail_sync.flows.orders.changes import OrderChanges
from retail_sync.flows.orders.customers import CustomerSync
from retail_sync.flows.orders.intake import settle, take_in
from retail_sync.flows.orders.payment_state import PaymentSync
from retail_sync.flows.orders.references import References
from retail_sync.flows.orders.sale_orders import SaleOrders
from retail_sync.flows.orders.settings import OrderSettings
from retail_sync.flows.orders.validate import OrderValidator
from retail_sync.odoo.client import OdooClient
from retail_sync.state.store import StateStore

LOADED, QUARANTINED, DEAD_LETTERED, SKIPPED = "loaded", "quarantined", "dead_lettered", "skipped"
CUSTOMER = "customer"


@dataclass
class PageOutcome:
    outcomes: dict[str, str] = field(default_factory=dict)       # order key -> loaded | quarantined | …
    reasons: dict[str, str] = field(default_factory=dict)        # order key -> why (quarantined, dead-lettered)
    stages: dict[str, str] = field(default_factory=dict)         # order key -> the stage it was dead-lettered at
    held: list[str] = field(default_factory=list)                # loaded, but held for payment
    sale_orders: dict[str, int] = field(default_factory=dict)    # order key -> sale.order id
    latency_seconds: dict[str, float] = field(default_factory=dict)   # created_at → sale order found in Odoo
    channels: dict[str, str] = field(default_factory=dict)       # order key -> channel (latency per channel)
    odoo_calls: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(self.outcomes.values()))


def load_page(tables: dict[str, pa.Table], client: OdooClient, store: StateStore, settings: OrderSettings,
              flow: str, run_id: str, validator: OrderValidator | None = None) -> PageOutcome:
    calls_before = client.counters.calls
    started = dt.datetime.now(dt.UTC)
    refs = References(client, settings)
    # SKUs known in Odoo: the page's own, in the search mapping needs anyway. A pull passes one validator for
    # all its pages (setting up the GX suite costs seconds); it learns each page's SKUs here.
    known = refs.find_products(tables["lines"].column("sku").to_pylist())
    validator = validator or OrderValidator(set())
    validator.known_skus = set(known) - {settings.shipping_sku}
    intake = take_in(tables, store, validator, flow, run_id)
    page = PageOutcome()
    for order in tables["orders"].select(["key", "channel"]).to_pylist():
        page.channels[order["key"]] = order["channel"]
    for q in intake.quarantined:
        page.outcomes[q.key], page.reasons[q.key] = QUARANTINED, "; ".join(q.reasons)
    for key in intake.unchanged + intake.stale:
        page.outcomes[key] = SKIPPED
    keys = intake.load_keys
    if not keys:
        page.odoo_calls = client.counters.calls - calls_before
        return page

    chosen = intake.to_load
    orders = chosen["orders"].to_pylist()
    lines, payments = chosen["lines"].to_pylist(), chosen["payments"].to_pylist()
    refunds = chosen["refunds"].to_pylist() if "refunds" in chosen else []
    failed: dict[str, tuple[str, str]] = {}

    parties = CustomerSync(client, store, run_id, settings.chunk).match_or_create(chosen["orders"])
    failed.update((k, (CUSTOMER, why)) for k, why in parties.failed.items())
    sale = SaleOrders(client, store, settings, refs, run_id).load(orders, lines, parties.parties)
    for key, found in sale.created.items():
        created_at = next(o["created_at"] for o in orders if o["key"] == key)
        page.latency_seconds[key] = max(0.0, (found - created_at).total_seconds())
    page.sale_orders = {k: s.id for k, s in sale.orders.items()}
    for key, why in sale.failed.items():
        failed.setdefault(key, why)

    def healthy() -> dict[str, int]:
        return {k: v for k, v in page.sale_orders.items() if k not in failed}

    held = PaymentSync(client, refs).apply(orders, payments, healthy())
    for key, why in held.failed.items():
        failed.setdefault(key, why)
    changes = OrderChanges(client, store, refs, run_id).apply(orders, lines, payments, refunds, healthy())
    for key, why in changes.failed.items():
        failed.setdefault(key, why)

    raw = {o["key"]: o["raw"] for o in orders}
    for key, (stage, why) in failed.items():
        store.dead_letter(flow, key, {"raw": raw[key], "sale_order": page.sale_orders.get(key)}, why, stage, run_id)
        page.outcomes[key], page.reasons[key], page.stages[key] = DEAD_LETTERED, why, stage
    loaded = [k for k in keys if k not in failed]
    for key in loaded:
        page.outcomes[key] = LOADED
    page.held = [k for k in held.held if k in loaded]
    settle(store, intake, {k: page.outcomes[k] for k in keys}, run_id)
    store.settle_dead_letters(flow, loaded, before=started)
    page.odoo_calls = client.counters.calls - calls_before
    return page

