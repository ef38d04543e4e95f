"""Book a run's settlements in Odoo: per payout one bank statement line in the provider's journal and
one journal entry of its fees; per matched charge whose invoice is still open a payment registered in
the provider's journal, per matched refund a payment of its credit note. Lines that are not matched, or
whose payout is not bookable, are left alone and reported with the reason.

Nothing is booked twice. Every booking gets an external id from its provider key
(`stripe:payout:po_…`, `stripe:payout_fees:po_…`, `stripe:settlement_payment:txn_…`), and what is
already bound is not written again: a re-run or an overlapping backfill finds its bookings bound. A write
whose answer was lost (Odoo committed, the client saw a 5xx) leaves a record without its external id: it is
found again by the label it carries (the statement line's label, the entry's reference, the payment's
memo), bound, and only what is truly missing is sent again.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa

from retail_sync.flows.settlement.figures import total_fees
from retail_sync.odoo.binder import Binder
from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.errors import OdooAccessError, OdooOutcomeUnknown, OdooUserError
from retail_sync.odoo.mappers.settlement import (
    fee_entry_values,
    fees_reference,
    payment_register_values,
    payout_label,
    statement_line_values,
)

log = logging.getLogger(__name__)

BOOKED, ALREADY_BOOKED, SKIPPED, FAILED = "booked", "already_booked", "skipped", "failed"
STATEMENT_LINE, FEE_ENTRY, PAYMENT, REFUND, NOTHING = "statement_line", "fee_entry", "payment", "refund", "none"
ATTEMPTS = 3            # sends of one create whose answer was lost and whose record was not found after
DEFAULT_JOURNALS = {"stripe": "STRP", "shopify_payments": "SHPAY"}
VOID_PAYMENT_STATES = ["cancel", "canceled", "rejected"]   # 17's cancelled, 18+'s cancelled and rejected


@dataclass(frozen=True)
class BookingSettings:
    journals: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_JOURNALS))  # provider -> journal code
    fee_account_code: str = "627000"          # the fee expense account
    counterpart_account_code: str = "101403"  # what the provider kept the fees from: Outstanding Receipts
    chunk: int = 500                          # records per create call


@dataclass(frozen=True)
class BookedLine:
    provider: str
    payout_id: str | None
    transaction_id: str | None               # None for what is booked per payout (statement line, fees)
    booking: str                             # statement_line | fee_entry | payment | refund | none
    status: str                              # booked | already_booked | skipped | failed
    reason: str = ""
    odoo_id: int | None = None


@dataclass
class BookingOutcome:
    dry_run: bool
    lines: list[BookedLine] = field(default_factory=list)
    calls: int = 0

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(line.status for line in self.lines)
        return {status: counted.get(status, 0) for status in (BOOKED, ALREADY_BOOKED, SKIPPED, FAILED)}

    def of(self, booking: str, status: str | None = None) -> list[BookedLine]:
        return [line for line in self.lines if line.booking == booking and (status is None or line.status == status)]


@dataclass
class _Work:
    """One booking to make: its key, the values to create it with, the label to find it again by."""
    key: str
    provider: str
    payout_id: str | None
    transaction_id: str | None
    booking: str
    label: str
    values: dict
    move_id: int | None = None               # the invoice or credit note a payment pays


def book_settlements(client: OdooClient, payouts: pa.Table, classified: pa.Table, settings: BookingSettings,
                     dry_run: bool = False) -> BookingOutcome:
    """Book what `classified` says is matched, for the payouts that are valid and paid."""
    booking = _Booking(client, settings, dry_run)
    calls_before = client.counters.calls
    booking.run(payouts.to_pylist(), classified.to_pylist())
    booking.outcome.calls = client.counters.calls - calls_before
    return booking.outcome


class _Booking:
    def __init__(self, client: OdooClient, settings: BookingSettings, dry_run: bool):
        self.client = client
        self.settings = settings
        self.binder = Binder(client)
        self.outcome = BookingOutcome(dry_run)
        self.memo = "ref" if client.version == 17 else "memo"   # 17 keeps a payment's memo in `ref`

    def report(self, work_or_line, status: str, reason: str = "", odoo_id: int | None = None, booking=None) -> None:
        w = work_or_line
        self.outcome.lines.append(BookedLine(w["provider"] if isinstance(w, dict) else w.provider,
                                             w["payout_id"] if isinstance(w, dict) else w.payout_id,
                                             w["transaction_id"] if isinstance(w, dict) else w.transaction_id,
                                             booking or (NOTHING if isinstance(w, dict) else w.booking),
                                             status, reason, odoo_id))

    # ------------------------------------------------------------------ plan
    def run(self, payouts: list[dict], lines: list[dict]) -> None:
        journals = self._journals()
        currencies = self._active_currencies()
        accounts = self._accounts()
        lines_of: dict[tuple, list[dict]] = defaultdict(list)
        for line in lines:
            lines_of[(line["provider"], line["payout_id"])].append(line)
        statement, fees, payments = [], [], []
        seen: set[tuple] = set()
        planned: set[str] = set()
        for payout in payouts:
            ident = (payout["provider"], payout["payout_id"])
            if ident in seen:                  # a payout listed twice is booked once
                continue
            seen.add(ident)
            payout_lines = lines_of.pop(ident, [])
            refusal = self._refusal(payout, journals, currencies)
            if refusal:
                self.report({**payout, "transaction_id": None}, SKIPPED, refusal, booking=STATEMENT_LINE)
                for line in payout_lines:
                    self.report(line, SKIPPED, f"payout {payout['payout_id']} not booked: {refusal}")
                continue
            journal = journals[payout["provider"]]
            arrival = _day(payout["arrival_date"])
            provider, payout_id = ident
            statement.append(_Work(f"{provider}:payout:{payout_id}", provider, payout_id, None, STATEMENT_LINE,
                                   payout_label(provider, payout_id),
                                   statement_line_values(provider, payout_id, Decimal(payout["amount"]), arrival,
                                                         journal["id"])))
            fee_total = total_fees(payout_lines)
            if fee_total:
                missing = [code for code in (self.settings.fee_account_code, self.settings.counterpart_account_code)
                           if code not in accounts]
                if missing:
                    self.report({**payout, "transaction_id": None}, FAILED,
                                f"account {', '.join(missing)} not found in Odoo", booking=FEE_ENTRY)
                else:
                    fees.append(_Work(f"{provider}:payout_fees:{payout_id}", provider, payout_id, None, FEE_ENTRY,
                                      fees_reference(provider, payout_id),
                                      fee_entry_values(provider, payout_id, fee_total, arrival, journal["id"],
                                                       accounts[self.settings.fee_account_code],
                                                       accounts[self.settings.counterpart_account_code])))
            for line in payout_lines:
                work = self._line_work(line, journal["id"], arrival)
                if work and work.key in planned:
                    self.report(line, SKIPPED, f"transaction {work.transaction_id} is listed twice; booked once")
                elif work:
                    planned.add(work.key)
                    payments.append(work)
        for orphan in (line for group in lines_of.values() for line in group):
            # Lines of no payout in this run (missing at the provider, or a payout not in the table).
            self.report(orphan, SKIPPED, _why_not_booked(orphan) if orphan["status"] != "matched"
                        else f"its payout {orphan['payout_id']} is not among this run's payouts")
        self._book_statement_lines(statement)
        self._book_fee_entries(fees)
        self._book_payments(payments, [j["id"] for j in journals.values()])

    def _refusal(self, payout: dict, journals: dict, currencies: dict[str, int]) -> str | None:
        provider, currency = payout["provider"], payout["currency"]
        if provider not in self.settings.journals:
            return f"no Odoo journal configured for provider {provider}"
        if provider not in journals:
            return f"journal {self.settings.journals[provider]} not found in Odoo"
        if not payout["valid"]:
            return f"invalid payout: {payout['reason'] or 'failed validation'}"
        if payout["status"] != "paid":
            return f"payout is {payout['status']}, not paid"
        if currency not in currencies:
            return f"currency {currency} is not active in Odoo"
        journal_currency = journals[provider]["currency"]
        if journal_currency != currency:
            return f"journal {self.settings.journals[provider]} keeps {journal_currency}, the payout is in {currency}"
        return None

    def _line_work(self, line: dict, journal_id: int, arrival: date) -> _Work | None:
        if line["status"] != "matched":
            self.report(line, SKIPPED, _why_not_booked(line))
            return None
        kind, provider, txn = line["type"], line["provider"], line["transaction_id"]
        if kind not in ("charge", "refund"):
            reason = {"fee": "in the payout's fee entry", "payout": "the payout's statement line",
                      "dispute": "disputes are booked by finance", "adjustment": "adjustments are booked by finance"}
            self.report(line, SKIPPED, reason.get(kind, f"{kind} lines are not booked"))
            return None
        target = line["invoice_id"] if kind == "charge" else line["credit_note_id"]
        booking = PAYMENT if kind == "charge" else REFUND
        if line["payment_id"] is not None:
            self.report(line, ALREADY_BOOKED, f"paid in Odoo by payment {line['payment_id']}", line["payment_id"],
                        booking=booking)
            return None
        if target is None:
            what = "invoice" if kind == "charge" else "credit note"
            self.report(line, SKIPPED, f"no posted {what} in Odoo to register it on", booking=booking)
            return None
        # The memo names the charge or refund (the transaction's source), not the balance transaction: that
        # is the id matching finds payments by, and the one a later run counts as settled.
        source = line["source"]
        if not source:
            self.report(line, SKIPPED, f"transaction {txn} names no {kind} to put in the payment's memo",
                        booking=booking)
            return None
        return _Work(f"{provider}:settlement_{booking}:{txn}", provider, line["payout_id"], txn, booking, source,
                     payment_register_values(journal_id, arrival, source), target)

    # ------------------------------------------------------------------ Odoo reads
    def _journals(self) -> dict[str, dict]:
        codes = sorted(set(self.settings.journals.values()))
        rows = self.client.call("account.journal", "search_read", [["code", "in", codes]], ["code", "currency_id"],
                                load=None)
        company = self.client.call("res.company", "search_read", [], ["currency_id"], load=None, limit=1)
        names = self._currency_names()
        by_code = {row["code"]: row for row in rows}
        fallback = company[0]["currency_id"] if company else None
        return {provider: {"id": by_code[code]["id"], "currency": names.get(by_code[code]["currency_id"] or fallback)}
                for provider, code in self.settings.journals.items() if code in by_code}

    def _currency_names(self) -> dict[int, str]:
        rows = self.client.call("res.currency", "search_read", [], ["name"], context={"active_test": False})
        return {row["id"]: row["name"] for row in rows}

    def _active_currencies(self) -> dict[str, int]:
        return {row["name"]: row["id"] for row in self.client.call("res.currency", "search_read", [], ["name"])}

    def _accounts(self) -> dict[str, int]:
        codes = [self.settings.fee_account_code, self.settings.counterpart_account_code]
        rows = self.client.call("account.account", "search_read", [["code", "in", codes]], ["code"])
        return {row["code"]: row["id"] for row in rows}

    # ------------------------------------------------------------------ booking
    def _book_statement_lines(self, work: list[_Work]) -> None:
        def lookup(items: list[_Work]) -> dict[str, int]:
            by_label = {w.label: w.key for w in items}
            rows = self._search_read("account.bank.statement.line", "payment_ref", list(by_label), ["payment_ref"])
            return {by_label[r["payment_ref"]]: r["id"] for r in rows}
        self._create_bound("account.bank.statement.line", work, lookup)

    def _book_fee_entries(self, work: list[_Work]) -> None:
        def lookup(items: list[_Work]) -> dict[str, int]:
            by_ref = {w.label: w.key for w in items}
            rows = self._search_read("account.move", "ref", list(by_ref), ["ref"],
                                     [["move_type", "=", "entry"], ["state", "!=", "cancel"]])
            return {by_ref[r["ref"]]: r["id"] for r in rows}
        done = self._create_bound("account.move", work, lookup)
        if not self.outcome.dry_run:
            self._post_drafts(done)

    def _post_drafts(self, move_ids: list[int]) -> None:
        """Post the fee entries still in draft (created now, or by a run that stopped before posting them)."""
        for _attempt in range(ATTEMPTS):
            drafts = [r["id"] for chunk in _chunks(move_ids, self.settings.chunk)
                      for r in self.client.call("account.move", "search_read",
                                                [["id", "in", chunk], ["state", "=", "draft"]], ["state"])]
            if not drafts:
                return
            try:
                self.client.call("account.move", "action_post", drafts)
                return
            except OdooOutcomeUnknown:
                continue                       # look again at what is still a draft

    def _book_payments(self, work: list[_Work], journal_ids: list[int]) -> None:
        if not work:
            return
        by_memo = {w.label: w.key for w in work}

        def lookup(items: list[_Work]) -> dict[str, int]:
            wanted = {w.label for w in items}
            rows = self._search_read("account.payment", self.memo, sorted(wanted), [self.memo],
                                     [["journal_id", "in", journal_ids], ["state", "not in", VOID_PAYMENT_STATES]])
            return {by_memo[r[self.memo]]: r["id"] for r in rows if r[self.memo] in wanted}

        bound = self.binder.resolve("account.payment", [w.key for w in work])
        found = lookup([w for w in work if w.key not in bound])
        if found and not self.outcome.dry_run:
            self.binder.bind("account.payment", found, bound={})
        open_moves = self._open_moves([w.move_id for w in work if w.key not in bound and w.key not in found])
        to_register = []
        for w in work:
            state = open_moves.get(w.move_id)
            if w.key in bound or w.key in found:
                self.report(w, ALREADY_BOOKED, "", bound.get(w.key) or found.get(w.key))
            elif state is False:
                what = "invoice" if w.booking == PAYMENT else "credit note"
                self.report(w, ALREADY_BOOKED, f"{what} {w.move_id} is already paid in Odoo")
            elif isinstance(state, str):
                self.report(w, FAILED, state)
            elif self.outcome.dry_run:
                self.report(w, SKIPPED, f"dry run: would register a {w.booking} on move {w.move_id}")
            else:
                to_register.append(w)
        self._register(to_register, lookup)

    def _open_moves(self, move_ids: list[int]) -> dict[int, bool | str]:
        """True for a posted invoice/credit note with something left to pay, False when nothing is left,
        the reason when it cannot be paid."""
        result: dict[int, bool | str] = {m: f"move {m} not found in Odoo" for m in move_ids}
        for chunk in _chunks(sorted(set(move_ids)), self.settings.chunk):
            for row in self.client.call("account.move", "read", chunk, ["state", "amount_residual"]):
                if row["state"] != "posted":
                    result[row["id"]] = f"move {row['id']} is {row['state']}, not posted"
                else:
                    result[row["id"]] = bool(row["amount_residual"])
        return result

    def _register(self, work: list[_Work], lookup: Callable[[list[_Work]], dict[str, int]]) -> None:
        """The Register Payment wizard on each invoice (or credit note): a payment of its residual. The
        payments are then found by memo and bound in a few calls; one whose answer was lost and that is not
        found is registered again (Odoo did not run it)."""
        pending = list(work)
        for _attempt in range(ATTEMPTS):
            if not pending:
                return
            sent, lost = [], []
            for w in pending:
                context = {"active_model": "account.move", "active_ids": [w.move_id]}
                try:
                    wizard = self.client.call("account.payment.register", "create", [w.values], context=context)
                    wizard = wizard[0] if isinstance(wizard, list) else wizard
                    self.client.call("account.payment.register", "action_create_payments", [wizard],
                                     context={**context, "dont_redirect_to_payments": True})
                    sent.append(w)
                except OdooOutcomeUnknown:
                    lost.append(w)             # a lost wizard is harmless; a lost payment is found below
                except (OdooUserError, OdooAccessError) as exc:
                    self.report(w, FAILED, _first_line(exc))
            found = lookup(sent + lost)
            if found:
                self.binder.bind("account.payment", found, bound={})
            for w in sent + lost:
                if w.key in found:
                    self.report(w, BOOKED, "", found[w.key])
                elif w in sent:
                    self.report(w, FAILED, f"registered, but no payment with memo {w.label} in the journal")
            pending = [w for w in lost if w.key not in found]
        for w in pending:
            self.report(w, FAILED, "Odoo did not confirm the payment; the next run registers it")

    def _create_bound(self, model: str, work: list[_Work], lookup: Callable[[list[_Work]], dict[str, int]]) -> list[int]:
        """Create what is neither bound nor found by its label, bind it all; returns the ids of all the work."""
        if not work:
            return []
        bound = self.binder.resolve(model, [w.key for w in work])
        found = lookup([w for w in work if w.key not in bound])
        if found and not self.outcome.dry_run:
            self.binder.bind(model, found, bound={})
        done: dict[str, int] = {**bound, **found}
        todo = [w for w in work if w.key not in done]
        for w in work:
            if w.key in done:
                self.report(w, ALREADY_BOOKED, "", done[w.key])
            elif self.outcome.dry_run:
                self.report(w, SKIPPED, f"dry run: would book {w.label}")
        if self.outcome.dry_run:
            return list(done.values())
        for chunk in _chunks(todo, self.settings.chunk):
            created, failed = self._create(model, chunk, lookup)
            if created:
                self.binder.bind(model, created, bound={})
            for w in chunk:
                if w.key in created:
                    self.report(w, BOOKED, "", created[w.key])
                    done[w.key] = created[w.key]
                else:
                    self.report(w, FAILED, failed.get(w.key, "not created"))
        return list(done.values())

    def _create(self, model: str, work: list[_Work], lookup) -> tuple[dict[str, int], dict[str, str]]:
        created: dict[str, int] = {}
        failed: dict[str, str] = {}
        pending = list(work)
        for _attempt in range(ATTEMPTS):
            if not pending:
                break
            try:
                ids = self.client.call(model, "create", [w.values for w in pending])
                created.update(zip((w.key for w in pending), ids))
                pending = []
            except OdooOutcomeUnknown:
                # Odoo may have created them: what it did is found by label, the rest is sent again.
                created.update(lookup(pending))
                pending = [w for w in pending if w.key not in created]
            except (OdooUserError, OdooAccessError) as exc:
                if len(pending) == 1:
                    failed[pending[0].key] = _first_line(exc)
                    pending = []
                else:                          # one refused record refuses the call: find which, one by one
                    for w in pending:
                        one_created, one_failed = self._create(model, [w], lookup)
                        created.update(one_created)
                        failed.update(one_failed)
                    pending = []
        for w in pending:
            failed[w.key] = "Odoo did not confirm the write; the next run books it"
        return created, failed

    def _search_read(self, model: str, column: str, values: list[str], fields: list[str],
                     extra: list | None = None) -> list[dict]:
        rows: list[dict] = []
        for chunk in _chunks(values, self.settings.chunk):
            rows += self.client.call(model, "search_read", [[column, "in", chunk], *(extra or [])], fields)
        return rows


def _why_not_booked(line: dict) -> str:
    reason = line.get("reason") or ""
    return f"{line['status']}: {reason}" if reason else line["status"]


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _first_line(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return next((part.strip() for part in str(text).splitlines() if part.strip()), type(exc).__name__)


def _chunks(items: Iterable, size: int) -> Iterable[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
