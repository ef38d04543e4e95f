"""Changes to orders already in Odoo: cancellations and refunds.

- A cancelled order is cancelled in Odoo (`action_cancel`, the confirmation wizard skipped) when nothing of
  it was delivered; once something shipped, cancelling is a person's decision (goods to get back, a refund
  to make): it is dead-lettered (stage `cancel`) with what was delivered.
- A refund becomes a credit note of the order's invoice (the "Credit Note" wizard, `account.move.reversal`),
  cut to the refunded lines and quantities for a partial refund, posted, and paid back through the
  gateway's journal. The refund's key is written into the credit note's reference (the wizard's reason), so
  the credit note of a refund is found again and never made twice; a credit note whose total is not the
  refunded amount (within a cent) is left as a draft and dead-lettered (stage `refund`) with both figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from retail_sync.canonical.keys import shipping_line_key
from retail_sync.flows.orders.payment_state import cancel_moves, gateway_of, post_moves, read_moves, register_payments
from retail_sync.flows.orders.references import MissingReference, References
from retail_sync.odoo.actions import act_on, create_wizard, run_once
from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.errors import OdooMissingError, OdooUserError
from retail_sync.state.store import LedgerEntry, StateStore

CANCEL, REFUND = "cancel", "refund"
CENT = Decimal("0.01")
CREDIT_NOTE = "account.move"
REFUNDED = "refunded"            # the ledger digest of a refund whose credit note is posted and paid back


def refund_tag(refund_key: str) -> str:
    return f"[{refund_key}]"


@dataclass
class ChangesOutcome:
    cancelled: list[str] = field(default_factory=list)
    refunded: list[str] = field(default_factory=list)                  # refund keys settled in this run
    failed: dict[str, tuple[str, str]] = field(default_factory=dict)   # order key -> (stage, reason)


class OrderChanges:
    def __init__(self, client: OdooClient, store: StateStore, references: References, run_id: str | None = None):
        self.client, self.store, self.refs, self.run_id = client, store, references, run_id

    def apply(self, orders: list[dict], lines: list[dict], payments: list[dict], refunds: list[dict],
              sale_ids: dict[str, int]) -> ChangesOutcome:
        outcome = ChangesOutcome()
        self._cancel([o for o in orders if o.get("cancelled_at") is not None and o["key"] in sale_ids], sale_ids,
                     outcome)
        done = self.store.ledger(r["key"] for r in refunds)
        pending = [r for r in refunds if r["order_key"] in sale_ids and r["order_key"] not in outcome.failed
                   and (r["key"] not in done or done[r["key"]].digest != REFUNDED)]
        if pending:
            self._refund(orders, lines, payments, pending, sale_ids, outcome)
        return outcome

    # ------------------------------------------------------------------ cancellations
    def _cancel(self, orders: list[dict], sale_ids: dict[str, int], outcome: ChangesOutcome) -> None:
        if not orders:
            return
        ids = {o["key"]: sale_ids[o["key"]] for o in orders}
        states = {r["id"]: r["state"] for r in self.client.call(
            "sale.order", "search_read", [["id", "in", sorted(ids.values())]], ["state"])}
        open_ids = {k: v for k, v in ids.items() if states.get(v) != "cancel"}
        if not open_ids:
            return
        delivered = defaultdict(list)
        for row in self.client.call("sale.order.line", "search_read",
                                    [["order_id", "in", sorted(open_ids.values())], ["qty_delivered", ">", 0]],
                                    ["order_id", "qty_delivered", "name"]):
            delivered[row["order_id"][0]].append(f"{row['qty_delivered']:g} × {row['name'].splitlines()[0]}")
        cancellable = {}
        for key, odoo_id in open_ids.items():
            if delivered.get(odoo_id):
                outcome.failed[key] = (CANCEL, "cancelled in the channel, but Odoo has already delivered "
                                               f"{', '.join(delivered[odoo_id])}: a person must decide")
            else:
                cancellable[key] = odoo_id

        def cancelled(group: list[int]) -> bool:
            rows = self.client.call("sale.order", "search_read", [["id", "in", group]], ["state"])
            return all(r["state"] == "cancel" for r in rows)

        refused = act_on({k: [v] for k, v in cancellable.items()},
                         lambda group: self.client.call("sale.order", "action_cancel", group,
                                                        context={"disable_cancel_warning": True}), cancelled)
        outcome.failed.update((k, (CANCEL, f"Odoo refused to cancel: {why}")) for k, why in refused.items())
        outcome.cancelled += [k for k in cancellable if k not in outcome.failed]

    # ------------------------------------------------------------------ refunds
    def _refund(self, orders: list[dict], lines: list[dict], payments: list[dict], refunds: list[dict],
                sale_ids: dict[str, int], outcome: ChangesOutcome) -> None:
        by_key = {o["key"]: o for o in orders}
        order_ids = sorted({sale_ids[r["order_key"]] for r in refunds})
        invoice_ids = {r["id"]: r["invoice_ids"] for r in self.client.call(
            "sale.order", "search_read", [["id", "in", order_ids]], ["invoice_ids"])}
        moves = read_moves(self.client, (m for found in invoice_ids.values() for m in found))
        line_ids = {k: e.odoo_id for k, e in self.store.ledger(
            [li["key"] for li in lines] + [shipping_line_key(k) for k in by_key]).items()}
        gateways = defaultdict(list)
        for row in payments:
            gateways[row["order_key"]].append(row)
        for refund in sorted(refunds, key=lambda r: (r["created_at"], r["key"])):
            key = refund["order_key"]
            if key in outcome.failed:
                continue
            found = invoice_ids.get(sale_ids[key], [])
            notes = sorted(m for m in found if moves[m]["move_type"] == "out_refund" and moves[m]["state"] != "cancel"
                           and refund_tag(refund["key"]) in (moves[m]["ref"] or ""))
            invoices = [m for m in found if moves[m]["move_type"] == "out_invoice" and moves[m]["state"] == "posted"]
            try:
                if len(notes) > 1:   # two runs at once both credited it: the oldest stays, other drafts go
                    cancel_moves(self.client, [m for m in notes[1:] if moves[m]["state"] == "draft"])
                if notes:
                    credit_note = notes[0]
                elif invoices:
                    credit_note = self._credit_note(invoices[0], refund)
                else:
                    outcome.failed[key] = (REFUND, f"refund {refund['key']} of {refund['amount']} "
                                                   f"{refund['currency']}: the order has no posted invoice in Odoo "
                                                   "to credit")
                    continue
                if self._settle(credit_note, refund, by_key[key], line_ids, gateways[key], outcome):
                    outcome.refunded.append(refund["key"])
            except OdooUserError as exc:
                outcome.failed[key] = (REFUND, f"refund {refund['key']}: Odoo refused: {exc.message}")

    def _credit_note(self, invoice: int, refund: dict) -> int:
        tag = refund_tag(refund["key"])
        context = {"active_model": "account.move", "active_ids": [invoice]}

        def made() -> list[int]:
            return sorted(self.client.call(CREDIT_NOTE, "search", [
                ["move_type", "=", "out_refund"], ["reversed_entry_id", "=", invoice], ["ref", "ilike", tag],
                ["state", "!=", "cancel"]]))

        wizard = create_wizard(self.client, "account.move.reversal",
                               {"reason": f"{refund.get('note') or 'Refund'} {tag}"}, context)
        run_once(lambda: self.client.call("account.move.reversal", "refund_moves", [wizard], context=context),
                 lambda: bool(made()))
        notes = made()
        if len(notes) > 1:       # another run credited the same refund meanwhile: the oldest stays
            cancel_moves(self.client, [m for m in notes[1:] if read_moves(self.client, [m])[m]["state"] == "draft"])
        return notes[0]

    def _settle(self, credit_note: int, refund: dict, order: dict, line_ids: dict[str, int], payments: list[dict],
                outcome: ChangesOutcome) -> bool:
        """Cut (a draft), check, post and pay back the credit note; True once it is all done."""
        key = order["key"]
        move = read_moves(self.client, [credit_note])[credit_note]
        if move["state"] == "draft":
            if not _full(refund, order):
                self._cut(credit_note, refund, line_ids)
                move = read_moves(self.client, [credit_note])[credit_note]
            total = Decimal(str(move["amount_total"]))
            if abs(total - Decimal(refund["amount"])) > CENT:
                outcome.failed[key] = (REFUND, f"refund {refund['key']}: the credit note's total is {total} "
                                               f"{refund['currency']}, the refund's is {refund['amount']} "
                                               f"{refund['currency']}; it is left in draft for a person")
                return False
            post_moves(self.client, {key: [credit_note]}, outcome.failed, REFUND)
            if key in outcome.failed:
                return False
        try:
            journal = self.refs.journal(gateway_of(payments))
        except MissingReference as exc:
            outcome.failed[key] = (REFUND, str(exc))
            return False
        register_payments(self.client, journal, {key: [credit_note]}, outcome.failed, REFUND)
        if key in outcome.failed:
            return False
        self.store.record_loaded([LedgerEntry(refund["key"], CREDIT_NOTE, credit_note, REFUNDED)], self.run_id)
        return True

    def _cut(self, credit_note: int, refund: dict, line_ids: dict[str, int]) -> None:
        """Keep only the refunded lines of a draft credit note, at the refunded quantities. Written again from
        what the credit note holds if a first write was lost (its deletions then find nothing to delete)."""
        wanted = {line_ids[li["line_key"]]: li["quantity"] for li in refund["lines"] if li["line_key"] in line_ids}
        for attempt in (1, 2):
            rows = self.client.call("account.move.line", "search_read",
                                    [["move_id", "=", credit_note], ["display_type", "=", "product"]],
                                    ["sale_line_ids", "quantity"])
            commands = []
            for row in rows:
                quantity = next((wanted[s] for s in row["sale_line_ids"] if s in wanted), None)
                if quantity is None:
                    commands.append((2, row["id"], 0))
                elif row["quantity"] != quantity:
                    commands.append((1, row["id"], {"quantity": quantity}))
            if not commands:
                return
            try:
                self.client.call(CREDIT_NOTE, "write", [credit_note], {"invoice_line_ids": commands})
                return
            except OdooMissingError:
                if attempt == 2:
                    raise


def _full(refund: dict, order: dict) -> bool:
    """A refund of the whole order: the credit note stays the invoice's full reversal (shipping included)."""
    return Decimal(refund["amount"]) >= Decimal(order["total"]) - CENT
