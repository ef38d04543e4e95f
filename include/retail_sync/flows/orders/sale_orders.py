"""A page of orders with their partners → `sale.order` (with lines) in Odoo, once each.

Orders and their lines are upserted by external id with `load()` — one call for the page's orders, one for
their lines — so a create repeated after a lost answer, or raced by another run, updates the order instead
of making a second one. An order already in Odoo is written again only while it is a quotation (an
edited order updates it; lines the edit removed are deleted); once confirmed, an edit of its lines cannot
be applied and is dead-lettered for a person. Every order is then read back: Odoo's `amount_total` must be
the channel's total within a cent, else the order is dead-lettered (stage `amount`) with both figures.

The ledger keeps, per order, the digest of what was written (its lines, then its header, so an edit of the
lines is told from a change of the header or hold note) and the Odoo id of every line (credit notes of
partial refunds are cut to the refunded lines by it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from retail_sync.flows.orders.customers import OrderParties
from retail_sync.flows.orders.payment_state import hold_reason
from retail_sync.flows.orders.references import MissingReference, References
from retail_sync.flows.orders.settings import OrderSettings
from retail_sync.odoo.binder import Binder
from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.loader import load_rows, unlink_records
from retail_sync.odoo.mappers.sale_order import ORDER_COLUMNS, line_columns, line_row, order_row, shipping_row
from retail_sync.state.store import LedgerEntry, StateStore

SALE_ORDER, SALE_LINE = "sale.order", "sale.order.line"
QUOTATION_STATES = ("draft", "sent")
CENT = Decimal("0.01")
# Stages an order can be dead-lettered at here.
MAP, LOAD, EDIT, AMOUNT = "map", "load", "edit", "amount"


@dataclass(frozen=True)
class SaleOrder:
    id: int
    name: str
    state: str
    amount_total: Decimal


@dataclass
class SaleOrdersOutcome:
    orders: dict[str, SaleOrder] = field(default_factory=dict)          # order key -> its sale order
    failed: dict[str, tuple[str, str]] = field(default_factory=dict)    # order key -> (stage, reason)
    created: dict[str, dt.datetime] = field(default_factory=dict)       # order key -> when it was found created


@dataclass
class _Mapped:
    header: tuple[str, list[str]]
    lines: list[tuple[str, list[str]]]
    lines_digest: str
    header_digest: str

    @property
    def digest(self) -> str:
        return f"{self.lines_digest}:{self.header_digest}"


class SaleOrders:
    def __init__(self, client: OdooClient, store: StateStore, settings: OrderSettings, references: References,
                 run_id: str | None = None):
        self.client, self.store, self.settings, self.refs, self.run_id = client, store, settings, references, run_id
        self.binder = Binder(client, settings.chunk)

    def load(self, orders: list[dict], lines: list[dict], parties: dict[str, OrderParties]) -> SaleOrdersOutcome:
        outcome = SaleOrdersOutcome()
        orders = [o for o in orders if o["key"] in parties]
        if not orders:
            return outcome
        keys = [o["key"] for o in orders]
        lines_of: dict[str, list[dict]] = defaultdict(list)
        for line in lines:
            lines_of[line["order_key"]].append(line)
        self.refs.find_products(line["sku"] for line in lines)
        bound = self.binder.resolve(SALE_ORDER, keys)
        before = self._read(list(bound.values()))
        written = self.store.ledger(keys)
        to_write: dict[str, _Mapped] = {}
        for order in orders:
            key = order["key"]
            try:
                mapped = self._map(order, lines_of[key], parties[key])
            except MissingReference as exc:
                outcome.failed[key] = (MAP, str(exc))
                continue
            existing = before.get(bound.get(key))
            entry = written.get(key)
            if existing is None:
                to_write[key] = mapped
            elif existing.state in QUOTATION_STATES:
                if entry is None or entry.odoo_id != existing.id or entry.digest != mapped.digest:
                    to_write[key] = mapped
            elif existing.state != "cancel" and entry is not None and entry.digest.split(":")[0] != mapped.lines_digest:
                outcome.failed[key] = (EDIT, f"the order's lines changed in {order['channel']} after Odoo confirmed "
                                             f"it as {existing.name}: a person must change the sale order")
        loaded = self._write(to_write, bound, outcome)
        found = self._read([*{bound[k] for k in keys if k in bound}, *loaded.values()])
        now = dt.datetime.now(dt.UTC)
        for order in orders:
            key = order["key"]
            odoo_id = loaded.get(key) or bound.get(key)
            if odoo_id is None or odoo_id not in found:
                continue
            sale = found[odoo_id]
            outcome.orders[key] = sale
            if key not in bound:
                outcome.created[key] = now
            if key not in outcome.failed and abs(sale.amount_total - Decimal(order["total"])) > CENT:
                outcome.failed[key] = (AMOUNT, f"Odoo's total for {sale.name} is {sale.amount_total} {order['currency']}"
                                                f", the channel's is {order['total']} {order['currency']}")
        return outcome

    # ------------------------------------------------------------------ mapping
    def _map(self, order: dict, lines: list[dict], parties: OrderParties) -> _Mapped:
        included = order["taxes_included"] if order["taxes_included"] is not None \
            else self.settings.taxes_included_by_default
        pricelist = self.refs.pricelist(order["currency"])
        rows = []
        line_tax = Decimal(0)
        for sequence, line in enumerate(sorted(lines, key=lambda li: li["key"]), start=1):
            base = Decimal(line["unit_price"]) * line["quantity"] - Decimal(line["discount"])
            taxes = self.refs.tax_for(base, Decimal(line["tax"]), included, line["tax_rate"])
            rows.append(line_row(order["key"], sequence * 10, line, self.refs.product(line["sku"]), taxes))
            line_tax += Decimal(line["tax"])
        shipping = Decimal(order["shipping_total"])
        if shipping:
            shipping_tax = Decimal(order["tax_total"]) - line_tax
            taxes = self.refs.tax_for(shipping, shipping_tax, included, None) if shipping_tax > 0 else []
            rows.append(shipping_row(order, (len(lines) + 1) * 10, self.refs.product(self.settings.shipping_sku), taxes))
        header = order_row(order, parties.partner_id, parties.invoice_id, parties.delivery_id, pricelist,
                           hold_reason(order))
        return _Mapped(header, rows, _digest([values for _key, values in rows]), _digest(header[1]))

    # ------------------------------------------------------------------ writing
    def _write(self, to_write: dict[str, _Mapped], bound: dict[str, int], outcome: SaleOrdersOutcome) -> dict[str, int]:
        """Load the orders, then their lines; delete the lines an edit removed. Returns the order ids."""
        if not to_write:
            return {}
        result = load_rows(self.client, SALE_ORDER, ORDER_COLUMNS, [m.header for m in to_write.values()],
                           self.settings.chunk)
        for key, error in result.failed.items():
            outcome.failed[key] = (LOAD, f"Odoo refused the sale order: {error}")
        line_rows = [row for key, m in to_write.items() if key in result.ids for row in m.lines]
        owner = {row[0]: key for key, m in to_write.items() for row in m.lines}
        lines = load_rows(self.client, SALE_LINE, line_columns(self.client.version), line_rows, self.settings.chunk)
        for line_key, error in lines.failed.items():
            outcome.failed.setdefault(owner[line_key], (LOAD, f"Odoo refused line {line_key}: {error}"))
        edited = [result.ids[k] for k in result.ids if k in bound]
        if edited:
            kept = set(lines.ids.values())
            present = self.client.call(SALE_LINE, "search", [["order_id", "in", edited]])
            unlink_records(self.client, SALE_LINE, [i for i in present if i not in kept], self.settings.chunk)
        complete = {k: v for k, v in result.ids.items() if k not in outcome.failed}
        self.store.record_loaded(
            [LedgerEntry(k, SALE_ORDER, v, to_write[k].digest) for k, v in complete.items()]
            + [LedgerEntry(lk, SALE_LINE, v, "") for lk, v in lines.ids.items()], self.run_id)
        return result.ids

    def _read(self, ids: list[int]) -> dict[int, SaleOrder]:
        if not ids:
            return {}
        rows = self.client.call(SALE_ORDER, "search_read", [["id", "in", sorted(set(ids))]],
                                ["name", "state", "amount_total"])
        return {r["id"]: SaleOrder(r["id"], r["name"], r["state"], Decimal(str(r["amount_total"]))) for r in rows}


def _digest(values) -> str:
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]

