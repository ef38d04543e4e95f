"""Payment state of loaded orders → Odoo: a paid order is confirmed (the warehouse may pick it), invoiced
and its payment registered in its gateway's journal; an unpaid one (pending, authorized, partly paid) stays
a quotation, held: the hold and its reason are the first line of the quotation's note (`sale.order.note`,
shown on the quotation), written by the order's mapping, and go when a later version of the order is paid.

Each step looks at the state it would produce before acting, and acts on the whole page at once: the
paid quotations are confirmed in one call, invoiced by one "Create Invoice" wizard (one invoice per order),
the draft invoices posted in one call, and the open invoices paid by one "Register Payment" wizard per
journal. An order that has an invoice is never invoiced again, an invoice with nothing left to pay is
never paid again: a re-run after a crash or a lost answer finishes what is missing and doubles nothing.
When a batch call is refused, each order is tried alone so one order's problem does not hold the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from retail_sync.flows.orders.references import MissingReference, References
from retail_sync.odoo.actions import create_wizard, run_once
from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.errors import OdooUserError

PAID_STATUSES = ("paid", "partially_refunded", "refunded")
CONFIRM, INVOICE, POST, PAY = "confirm", "invoice", "post", "payment"
OPEN_PAYMENT_STATES = ("not_paid", "partial")
MOVE_FIELDS = ["move_type", "state", "payment_state", "amount_residual", "amount_total", "ref", "reversed_entry_id"]


def is_paid(order: dict) -> bool:
    return order["financial_status"] in PAID_STATUSES


def hold_reason(order: dict) -> str | None:
    """Why a quotation waits (None: it does not)."""
    if order.get("cancelled_at") is not None or is_paid(order):
        return None
    status = order["financial_status"].replace("_", " ")
    return (f"On hold: payment {status} in {order['channel']}. retail-sync confirms this order when "
            f"{order['channel']} reports it paid.")


def gateway_of(payments: Iterable[dict]) -> str | None:
    """The gateway that took the money: a successful sale or capture's, else any payment's."""
    rows = list(payments)
    for row in rows:
        if row["kind"] in ("sale", "capture") and row["status"] == "success" and row.get("gateway"):
            return row["gateway"]
    return next((row["gateway"] for row in rows if row.get("gateway")), None)


@dataclass
class PaymentOutcome:
    held: list[str] = field(default_factory=list)
    failed: dict[str, tuple[str, str]] = field(default_factory=dict)   # order key -> (stage, reason)


class PaymentSync:
    def __init__(self, client: OdooClient, references: References):
        self.client, self.refs = client, references

    def apply(self, orders: list[dict], payments: list[dict], sale_ids: dict[str, int]) -> PaymentOutcome:
        """`sale_ids`: the sale order of each order of `orders` that loaded without a problem."""
        outcome = PaymentOutcome()
        paid = []
        for order in orders:
            key = order["key"]
            if key not in sale_ids or order.get("cancelled_at") is not None:
                continue
            (paid if is_paid(order) else outcome.held).append(key)
        if not paid:
            return outcome
        gateways = defaultdict(list)
        for row in payments:
            gateways[row["order_key"]].append(row)
        ids = {key: sale_ids[key] for key in paid}
        states = self.read_orders(ids.values())
        self._confirm({k: v for k, v in ids.items() if states[v]["state"] in ("draft", "sent")}, outcome)
        confirmed = {k: v for k, v in ids.items() if k not in outcome.failed}
        states = self.read_orders(confirmed.values())
        moves = self.read_moves(m for s in states.values() for m in s["invoice_ids"])
        self._invoice({k: v for k, v in confirmed.items() if not _invoices(states[v], moves)}, outcome)
        invoiced = {k: v for k, v in confirmed.items() if k not in outcome.failed}
        states = self.read_orders(invoiced.values())
        moves = self.read_moves(m for s in states.values() for m in s["invoice_ids"])
        invoice_of = {k: _invoices(states[v], moves) for k, v in invoiced.items()}
        drafts = {k: [m for m in found if moves[m]["state"] == "draft"] for k, found in invoice_of.items()}
        self._post({k: v for k, v in drafts.items() if v}, outcome)
        open_moves = {k: [m for m in found if moves[m]["state"] in ("draft", "posted")]
                      for k, found in invoice_of.items() if k not in outcome.failed}
        by_journal: dict[int, dict[str, list[int]]] = defaultdict(dict)
        for key, found in open_moves.items():
            try:
                journal = self.refs.journal(gateway_of(gateways[key]))
            except MissingReference as exc:
                outcome.failed[key] = (PAY, str(exc))
                continue
            by_journal[journal][key] = found
        for journal, owned in by_journal.items():
            register_payments(self.client, journal, owned, outcome.failed)
        return outcome

    # ------------------------------------------------------------------ reading
    def read_orders(self, ids: Iterable[int]) -> dict[int, dict]:
        ids = sorted(set(ids))
        if not ids:
            return {}
        rows = self.client.call("sale.order", "search_read", [["id", "in", ids]], ["name", "state", "invoice_ids"])
        return {r["id"]: r for r in rows}

    def read_moves(self, ids: Iterable[int]) -> dict[int, dict]:
        return read_moves(self.client, ids)

    # ------------------------------------------------------------------ steps
    def _confirm(self, ids: dict[str, int], outcome: PaymentOutcome) -> None:
        def confirmed(group: list[int]) -> bool:
            return all(s["state"] == "sale" for s in self.read_orders(group).values())

        per_key(ids, lambda group: run_once(lambda: self.client.call("sale.order", "action_confirm", group),
                                            lambda: confirmed(group)), CONFIRM, outcome.failed)

    def _invoice(self, ids: dict[str, int], outcome: PaymentOutcome) -> None:
        def invoiced(group: list[int]) -> bool:
            states = self.read_orders(group)
            moves = self.read_moves(m for s in states.values() for m in s["invoice_ids"])
            return all(_invoices(s, moves) for s in states.values())

        def create(group: list[int]) -> None:
            context = {"active_model": "sale.order", "active_ids": group}
            wizard = create_wizard(self.client, "sale.advance.payment.inv", {
                "advance_payment_method": "delivered", "consolidated_billing": False,
                "sale_order_ids": [(6, 0, group)]}, context)
            run_once(lambda: self.client.call("sale.advance.payment.inv", "create_invoices", [wizard], context=context),
                     lambda: invoiced(group))

        per_key(ids, create, INVOICE, outcome.failed)

    def _post(self, drafts: dict[str, list[int]], outcome: PaymentOutcome) -> None:
        post_moves(self.client, drafts, outcome.failed, POST)


def per_key(ids: dict[str, int | list[int]], act, stage: str, failed: dict[str, tuple[str, str]]) -> None:
    """`act(ids)` on the whole batch; if Odoo refuses it, on each key's ids alone, so a refused one is
    named (in `failed`) and the others go through."""
    if not ids:
        return
    flat = [i for value in ids.values() for i in (value if isinstance(value, list) else [value])]
    try:
        act(flat)
        return
    except OdooUserError as exc:
        if len(ids) == 1:
            failed[next(iter(ids))] = (stage, f"Odoo refused to {stage}: {exc.message}")
            return
    for key, value in ids.items():
        try:
            act(value if isinstance(value, list) else [value])
        except OdooUserError as exc:
            failed[key] = (stage, f"Odoo refused to {stage}: {exc.message}")


def read_moves(client: OdooClient, ids: Iterable[int]) -> dict[int, dict]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {r["id"]: r for r in client.call("account.move", "search_read", [["id", "in", ids]], MOVE_FIELDS)}


def post_moves(client: OdooClient, drafts: dict[str, list[int]], failed: dict[str, tuple[str, str]],
               stage: str) -> None:
    def posted(group: list[int]) -> bool:
        return all(m["state"] == "posted" for m in read_moves(client, group).values())

    per_key(drafts, lambda group: run_once(lambda: client.call("account.move", "action_post", group),
                                           lambda: posted(group)), stage, failed)


def register_payments(client: OdooClient, journal: int, moves: dict[str, list[int]],
                      failed: dict[str, tuple[str, str]], stage: str = PAY) -> None:
    """Pay what is left on these posted invoices (or credit notes) through the "Register Payment" wizard in
    `journal`; moves with nothing left are not paid again."""
    def still_open(group: list[int]) -> list[int]:
        return [m["id"] for m in read_moves(client, group).values()
                if m["state"] == "posted" and m["payment_state"] in OPEN_PAYMENT_STATES and m["amount_residual"]]

    def pay(group: list[int]) -> None:
        todo = still_open(group)
        if not todo:
            return
        context = {"active_model": "account.move", "active_ids": todo, "dont_redirect_to_payments": True}
        wizard = create_wizard(client, "account.payment.register", {"journal_id": journal}, context)
        run_once(lambda: client.call("account.payment.register", "action_create_payments", [wizard], context=context),
                 lambda: not still_open(todo))

    per_key(moves, pay, stage, failed)


def _invoices(state: dict, moves: dict[int, dict]) -> list[int]:
    """The order's customer invoices that count (not cancelled)."""
    return [m for m in state["invoice_ids"]
            if m in moves and moves[m]["move_type"] == "out_invoice" and moves[m]["state"] != "cancel"]
