"""Changes to orders already in Odoo: cancellations and refunds.

- A cancelled order is cancelled in Odoo (`action_cancel`, the confirmation wizard skipped) when nothing of
  it was delivered; once something shipped, cancelling is a person's decision (goods to get back, a refund
  to make): it is dead-lettered (stage `cancel`) with what was delivered.
- A refund becomes a credit note of the order's invoice, cut to the refunded lines and quantities for a
  partial refund, posted, and paid back through the gateway's journal. The page's credit notes are made in one
  `create` of `out_refund` moves built as Odoo's reversal builds them (`_reverse_moves`: `reversed_entry_id`,
  the invoice's partner, journal and lines with their order-line links): the "Credit Note" wizard
  (`account.move.reversal`) takes one reason for all the invoices it reverses, and each credit note must carry
  its own refund's key. The key is in the credit note's reference, so the credit note of a refund is found
  again and never made twice; they are posted in one call and paid back by one "Register Payment" wizard per
  journal. A credit note whose total is not the refunded amount (within a cent) is left as a draft and
  dead-lettered (stage `refund`) with both figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from retail_sync.canonical.keys import shipping_line_key
from retail_sync.flows.orders.payment_state import MOVE_FIELDS, cancel_moves, gateway_of, post_moves, register_payments
from retail_sync.flows.orders.references import MissingReference, References
from retail_sync.odoo.actions import act_on
from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.errors import OdooUserError
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
        """The page's refunds in a few calls: one create for every credit note missing, one post for every
        draft, one "Register Payment" wizard per journal."""
        by_key = {o["key"]: o for o in orders}
        refunds = sorted(refunds, key=lambda r: (r["created_at"], r["key"]))
        order_of = {r["key"]: r["order_key"] for r in refunds}
        failed: dict[str, str] = {}                                         # refund key -> reason
        order_ids = sorted({sale_ids[r["order_key"]] for r in refunds})
        invoice_ids = {r["id"]: r["invoice_ids"] for r in self.client.call(
            "sale.order", "search_read", [["id", "in", order_ids]], ["invoice_ids"])}
        found_moves = sorted({m for found in invoice_ids.values() for m in found})
        moves = self._read_invoices_and_credit_notes(found_moves)
        invoice_of = {}                                                     # refund key -> the invoice to credit
        for refund in refunds:
            invoices = sorted(m for m in invoice_ids.get(sale_ids[refund["order_key"]], [])
                              if m in moves and moves[m]["move_type"] == "out_invoice" and moves[m]["state"] == "posted")
            if invoices:
                invoice_of[refund["key"]] = invoices[0]
            elif not _notes_of(refund, moves):
                failed[refund["key"]] = (f"refund {refund['key']} of {refund['amount']} {refund['currency']}: the "
                                         "order has no posted invoice in Odoo to credit")
        missing = [r for r in refunds if r["key"] in invoice_of and not _notes_of(r, moves)]
        if missing:
            line_ids = {k: e.odoo_id for k, e in self.store.ledger(
                [li["key"] for li in lines] + [shipping_line_key(k) for k in by_key]).items()}
            failed.update(self._credit_notes(missing, invoice_of, moves, by_key, line_ids))
            moves = self._read_invoices_and_credit_notes(found_moves)
        notes = self._keep_one_credit_note(refunds, moves, failed)
        for refund in refunds:          # never an order loaded while one of its refunds is not credited
            if refund["key"] not in notes and refund["key"] not in failed:
                failed[refund["key"]] = f"refund {refund['key']}: its credit note is not in Odoo after it was created"
        drafts = {}
        for refund in refunds:
            note = notes.get(refund["key"])
            if note is None or moves[note]["state"] != "draft":
                continue
            total = Decimal(str(moves[note]["amount_total"]))
            if abs(total - Decimal(refund["amount"])) > CENT:
                failed[refund["key"]] = (f"refund {refund['key']}: the credit note's total is {total} "
                                         f"{refund['currency']}, the refund's is {refund['amount']} "
                                         f"{refund['currency']}; it is left in draft for a person")
            else:
                drafts[refund["key"]] = [note]
        refused: dict[str, tuple[str, str]] = {}
        post_moves(self.client, drafts, refused, REFUND)
        by_journal: dict[int, dict[str, list[int]]] = defaultdict(dict)
        gateways = defaultdict(list)
        for row in payments:
            gateways[row["order_key"]].append(row)
        for refund in refunds:
            key = refund["key"]
            if key not in notes or key in failed or key in refused:
                continue
            try:
                by_journal[self.refs.journal(gateway_of(gateways[refund["order_key"]]))][key] = [notes[key]]
            except MissingReference as exc:
                failed[key] = str(exc)
        for journal, owned in by_journal.items():
            register_payments(self.client, journal, owned, refused, REFUND)
        failed.update((k, why) for k, (_, why) in refused.items())
        settled = [k for owned in by_journal.values() for k in owned if k not in failed]
        self.store.record_loaded([LedgerEntry(k, CREDIT_NOTE, notes[k], REFUNDED) for k in settled], self.run_id)
        outcome.refunded += settled
        for refund in refunds:              # an order refunded twice is dead-lettered with its earliest refund's reason
            if refund["key"] in failed:
                outcome.failed.setdefault(order_of[refund["key"]], (REFUND, failed[refund["key"]]))

    def _read_invoices_and_credit_notes(self, invoices: Iterable[int]) -> dict[int, dict]:
        """These moves and every credit note reversing one of them (lines or not: a credit note cut to nothing
        is found too)."""
        ids = sorted(set(invoices))
        if not ids:
            return {}
        return {r["id"]: r for r in self.client.call(
            CREDIT_NOTE, "search_read", ["|", ["id", "in", ids], ["reversed_entry_id", "in", ids]],
            [*MOVE_FIELDS, "name", "partner_id", "currency_id", "journal_id", "invoice_origin"])}

    def _credit_notes(self, refunds: list[dict], invoice_of: dict[str, int], moves: dict[int, dict],
                      orders: dict[str, dict], line_ids: dict[str, int]) -> dict[str, str]:
        """Create the credit notes of these refunds, all in one call, as Odoo's reversal builds them
        (`_reverse_moves`: the invoice's partner, currency, journal and origin, `reversed_entry_id`, its lines
        with their links to the order lines), cut to the refunded lines and quantities for a partial refund.
        Returns refund key -> Odoo's message for the refunds it refused."""
        rows = self.client.call("account.move.line", "search_read", [
            ["move_id", "in", sorted({invoice_of[r["key"]] for r in refunds})],
            ["display_type", "=", "product"]], INVOICE_LINE_FIELDS)
        invoice_lines = defaultdict(list)
        for row in sorted(rows, key=lambda r: (r["sequence"], r["id"])):
            invoice_lines[row["move_id"][0]].append(row)
        values = {r["key"]: _credit_note_values(r, moves[invoice_of[r["key"]]], invoice_lines[invoice_of[r["key"]]],
                                                orders[r["order_key"]], line_ids) for r in refunds}

        def made(group: list[str]) -> bool:
            found = self._read_invoices_and_credit_notes(invoice_of[k] for k in group)
            return all(_notes_of({"key": k, "order_key": None}, found) for k in group)

        keys = list(values)
        refused = act_on({k: [i] for i, k in enumerate(keys)},
                         lambda group: self.client.call(CREDIT_NOTE, "create", [values[keys[i]] for i in group]),
                         lambda group: made([keys[i] for i in group]))
        return {k: f"refund {k}: Odoo refused the credit note: {why}" for k, why in refused.items()}

    def _keep_one_credit_note(self, refunds: list[dict], moves: dict[int, dict], failed: dict[str, str]
                              ) -> dict[str, int]:
        """The credit note of each refund. Two runs at once may both credit a refund: a posted one stays, else
        the oldest, and the other drafts are cancelled, by both runs alike."""
        notes, extra = {}, {}
        for refund in refunds:
            found = _notes_of(refund, moves)
            if not found or refund["key"] in failed:
                continue
            keep = min((m for m in found if moves[m]["state"] == "posted"), default=found[0])
            notes[refund["key"]] = keep
            if drafts := [m for m in found if m != keep and moves[m]["state"] == "draft"]:
                extra[refund["key"]] = drafts
        try:
            if extra:
                cancel_moves(self.client, [m for drafts in extra.values() for m in drafts])
        except OdooUserError:            # one refused: each refund's duplicates alone, so it is named
            for key, drafts in extra.items():
                try:
                    cancel_moves(self.client, drafts)
                except OdooUserError as exc:
                    failed[key] = f"refund {key}: Odoo refused to cancel a duplicate credit note: {exc.message}"
                    del notes[key]
        return notes


INVOICE_LINE_FIELDS = ["move_id", "sequence", "display_type", "name", "product_id", "quantity", "price_unit", "discount",
                       "tax_ids", "sale_line_ids"]


def _notes_of(refund: dict, moves: dict[int, dict]) -> list[int]:
    """The refund's credit notes (its key is in their reference), oldest first, cancelled ones left out."""
    tag = refund_tag(refund["key"])
    return sorted(m for m, row in moves.items() if row["move_type"] == "out_refund" and row["state"] != "cancel"
                  and tag in (row["ref"] or ""))


def _credit_note_values(refund: dict, invoice: dict, lines: list[dict], order: dict, line_ids: dict[str, int]) -> dict:
    """The credit note of a refund: the invoice's lines reversed for a full refund (shipping included), else
    only the refunded lines at the refunded quantities."""
    if _full(refund, order):
        kept = [(row, row["quantity"]) for row in lines]
    else:
        wanted = {line_ids[li["line_key"]]: li["quantity"] for li in refund["lines"] if li["line_key"] in line_ids}
        kept = [(row, next(wanted[s] for s in row["sale_line_ids"] if s in wanted)) for row in lines
                if row["display_type"] == "product" and any(s in wanted for s in row["sale_line_ids"])]
    reason = f"{refund.get('note') or 'Refund'} {refund_tag(refund['key'])}"
    return {
        "move_type": "out_refund", "reversed_entry_id": invoice["id"], "ref": f"Reversal of: {invoice['name']}, {reason}",
        "partner_id": invoice["partner_id"][0], "currency_id": invoice["currency_id"][0],
        "journal_id": invoice["journal_id"][0], "invoice_origin": invoice["invoice_origin"] or False,
        "invoice_line_ids": [(0, 0, {
            "display_type": row["display_type"], "sequence": row["sequence"], "name": row["name"],
            "product_id": row["product_id"][0] if row["product_id"] else False, "quantity": quantity,
            "price_unit": row["price_unit"], "discount": row["discount"], "tax_ids": [(6, 0, row["tax_ids"])],
            "sale_line_ids": [(6, 0, row["sale_line_ids"])]}) for row, quantity in kept]}


def _full(refund: dict, order: dict) -> bool:
    """A refund of the whole order: the credit note stays the invoice's full reversal (shipping included)."""
    return Decimal(refund["amount"]) >= Decimal(order["total"]) - CENT
