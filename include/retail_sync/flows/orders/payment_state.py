"""Payment state of loaded orders → Odoo: a paid order is confirmed (the warehouse may pick it), invoiced
and its payment registered in its gateway's journal; an unpaid one (pending, authorized, partly paid) stays
a quotation, held: the hold and its reason are the first line of the quotation's note (`sale.order.note`,
shown on the quotation), written by the order's mapping, and go when a later version of the order is paid.

Each step looks at the state it would produce before acting, and acts on the whole page at once: the
paid quotations are confirmed in one call, invoiced by one "Create Invoice" wizard (one invoice per order),
the draft invoices posted in one call, and the open invoices paid by one "Register Payment" wizard per
journal. An order that has an invoice is never invoiced again, an invoice with nothing left to pay is
never paid again: a re-run after a crash or a lost answer finishes what is missing and doubles nothing.
When a batch call is refused, each order is tried alone so one order's problem does not hold the others;
a refusal because the state is there already (another run confirmed or posted it meanwhile) is no failure.
Two runs at once may both invoice an order: before posting, the oldest invoice is kept and the other drafts
cancelled, by both runs alike; a second payment is refused by Odoo (nothing left to pay) and taken as done.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from retail_sync.flows.orders.references import MissingReference, References
from retail_sync.odoo.actions import act_on, create_wizard, run_once
from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.errors import OdooUserError

PAID_STATUSES = ("paid", "partially_refunded", "refunded")
CONFIRM, INVOICE, POST, PAY = "confirm", "invoice", "post", "payment"
OPEN_PAYMENT_STATES = ("not_paid", "partial")
CENT = Decimal("0.01")
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
        self._keep_one_invoice(invoice_of, moves)
        for key, found in invoice_of.items():
            invoiced_total = sum((Decimal(str(moves[m]["amount_total"])) for m in found), Decimal(0))
            order_total = Decimal(str(states[invoiced[key]]["amount_total"]))
            if abs(invoiced_total - order_total) > CENT:
                outcome.failed[key] = (INVOICE, f"Odoo invoiced {invoiced_total} of the order's {order_total} (products "
                                                "invoiced on delivery?): the invoice is left in draft for a person")
        drafts = {k: [m for m in found if moves[m]["state"] == "draft"] for k, found in invoice_of.items()
                  if k not in outcome.failed}
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
        rows = self.client.call("sale.order", "search_read", [["id", "in", ids]],
                                ["name", "state", "invoice_ids", "amount_total"])
        return {r["id"]: r for r in rows}

    def read_moves(self, ids: Iterable[int]) -> dict[int, dict]:
        return read_moves(self.client, ids)

    # ------------------------------------------------------------------ steps
    def _confirm(self, ids: dict[str, int], outcome: PaymentOutcome) -> None:
        def confirmed(group: list[int]) -> bool:
            return all(s["state"] == "sale" for s in self.read_orders(group).values())

        refused = act_on({k: [v] for k, v in ids.items()},
                         lambda group: self.client.call("sale.order", "action_confirm", group), confirmed)
        outcome.failed.update((k, (CONFIRM, f"Odoo refused to confirm: {why}")) for k, why in refused.items())

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
            self.client.call("sale.advance.payment.inv", "create_invoices", [wizard], context=context)

        refused = act_on({k: [v] for k, v in ids.items()}, create, invoiced)
        outcome.failed.update((k, (INVOICE, f"Odoo refused to invoice: {why}")) for k, why in refused.items())

    def _keep_one_invoice(self, invoice_of: dict[str, list[int]], moves: dict[int, dict]) -> None:
        """Two runs at once may both invoice an order: the oldest invoice stays, the other drafts are
        cancelled (a posted one is never touched). Both runs keep the same one, whichever looks first."""
        for key, found in invoice_of.items():
            if len(found) < 2:
                continue
            keep = min((m for m in found if moves[m]["state"] == "posted"), default=min(found))
            extra = [m for m in found if m != keep and moves[m]["state"] == "draft"]
            if extra:
                cancel_moves(self.client, extra)
            invoice_of[key] = [m for m in found if m == keep or moves[m]["state"] == "posted"]

    def _post(self, drafts: dict[str, list[int]], outcome: PaymentOutcome) -> None:
        post_moves(self.client, drafts, outcome.failed, POST)


def read_moves(client: OdooClient, ids: Iterable[int]) -> dict[int, dict]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {r["id"]: r for r in client.call("account.move", "search_read", [["id", "in", ids]], MOVE_FIELDS)}


def cancel_moves(client: OdooClient, drafts: list[int]) -> None:
    """Cancel these duplicate drafts. Two runs that found the same duplicates both cancel them: Odoo refuses
    to cancel a move that is cancelled already ("Only draft journal entries can be cancelled"), and that
    refusal is no failure when every move is cancelled."""
    def cancelled() -> bool:
        return all(m["state"] == "cancel" for m in read_moves(client, drafts).values())

    try:
        run_once(lambda: client.call("account.move", "button_cancel", drafts), cancelled)
    except OdooUserError:
        if not cancelled():
            raise


def post_moves(client: OdooClient, drafts: dict[str, list[int]], failed: dict[str, tuple[str, str]],
               stage: str) -> None:
    def posted(group: list[int]) -> bool:
        return all(m["state"] == "posted" for m in read_moves(client, group).values())

    refused = act_on(drafts, lambda group: client.call("account.move", "action_post", group), posted)
    failed.update((k, (stage, f"Odoo refused to post: {why}")) for k, why in refused.items())


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
        client.call("account.payment.register", "action_create_payments", [wizard], context=context)

    refused = act_on(moves, pay, lambda group: not still_open(group))
    failed.update((k, (stage, f"Odoo refused the payment: {why}")) for k, why in refused.items())


def _invoices(state: dict, moves: dict[int, dict]) -> list[int]:
    """The order's customer invoices that count (not cancelled)."""
    return [m for m in state["invoice_ids"]
            if m in moves and moves[m]["move_type"] == "out_invoice" and moves[m]["state"] != "cancel"]
