"""The settlement flow's entry point: one provider's payouts for one window reconciled with Odoo.

`SettlementFlow.reconcile(provider, window)` owns the unit of work — extract (payouts and their balance
transactions, duplicates once) → stage as Parquet → validate (GX; a failing payout is invalid: not booked,
reported) → read Odoo in a few large calls → match and classify every line → remember which provider
transactions were settled (for the missing-at-provider check of later runs) → book unless dry-run → report →
metrics. It knows nothing of Airflow.

Booking and the report belong to `book.py` and `report.py`; `_book_and_report` is the one place this
flow calls them. Bookings carry external ids per payout and transaction: a re-run or an overlapping
backfill books nothing twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from retail_sync.alerts.messages import Alert
from retail_sync.canonical.settlement import LINE_STATUSES
from retail_sync.flows.run_folders import run_folder
from retail_sync.flows.settlement.book import BookingSettings, book_settlements
from retail_sync.flows.settlement.extract import SettlementProvider, extract_window
from retail_sync.flows.settlement.match import classify
from retail_sync.flows.settlement.odoo_ledger import read_ledger
from retail_sync.flows.settlement.report import SettlementReport, write_report
from retail_sync.flows.settlement.settings import SettlementSettings
from retail_sync.flows.settlement.validate import validate_window
from retail_sync.flows.settlement.window import SettlementWindow
from retail_sync.odoo.client import OdooClient
from retail_sync.state.store import StateStore

SETTLED_SCHEMA = pa.schema([pa.field("source", pa.string()), pa.field("odoo_move", pa.int64())])

Notify = Callable[[Alert], None]
ConnectOdoo = Callable[[], AbstractContextManager[OdooClient]]
ConnectProvider = Callable[[str], AbstractContextManager[SettlementProvider]]
log = logging.getLogger("retail_sync.settlement")


@dataclass
class SettlementOutcome:
    provider: str
    window: str
    dry_run: bool
    payouts: int = 0
    invalid_payouts: int = 0
    duplicate_payouts: int = 0
    transactions: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    classified_path: str | None = None
    payouts_path: str | None = None
    odoo_read_calls: int = 0
    match_seconds: float = 0.0
    booked: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)

    def to_xcom(self) -> dict:
        return asdict(self)


@dataclass
class SettlementFlow:
    settings: SettlementSettings
    store: StateStore
    connect: ConnectOdoo
    connect_provider: ConnectProvider
    notify: Notify
    run_id: str
    deliver_report: Callable[[SettlementReport], None] | None = None     # emails it to finance

    def run_dir(self, provider: str, window: SettlementWindow) -> Path:
        return run_folder(self.settings.staging_root, self.settings.flow, self.run_id) / provider / window.label()

    def reconcile(self, provider: str, window: SettlementWindow) -> SettlementOutcome:
        run_dir = self.run_dir(provider, window)
        run_dir.mkdir(parents=True, exist_ok=True)
        with self.connect_provider(provider) as source:
            extracted = extract_window(source, window.start_at, window.end_before)
        pq.write_table(extracted.payouts, run_dir / "extracted-payouts.parquet")
        pq.write_table(extracted.transactions, run_dir / "extracted-transactions.parquet")
        outcome = SettlementOutcome(provider, window.label(), window.dry_run, extracted.payouts.num_rows,
                                    duplicate_payouts=extracted.duplicate_payouts,
                                    transactions=extracted.transactions.num_rows)
        transactions = extracted.transactions
        with self.connect() as client:
            started = time.perf_counter()
            names = pc.unique(transactions.column("order_name").drop_null()).to_pylist()
            sources = pc.unique(transactions.column("source").drop_null()).to_pylist()
            due = window.start - timedelta(days=self.settings.missing_after_days)
            ledger = read_ledger(client, self.settings.journal_code(provider), names, sources, due,
                                 window.end + timedelta(days=1 - self.settings.missing_after_days),
                                 self.settings.odoo_batch)
            validated = validate_window(extracted.payouts, transactions, ledger.active_currencies,
                                        self.settings.docs_root)
            sources_before, moves_before = self.settled_before(provider)
            classified = classify(transactions, validated.payouts, ledger, sources_before,
                                  self.settings.missing_after_days, provider, moves_before)
            outcome.match_seconds = round(time.perf_counter() - started, 3)
            outcome.odoo_read_calls = ledger.calls
            outcome.invalid_payouts = validated.invalid
            outcome.payouts_path = str(run_dir / "payouts.parquet")
            outcome.classified_path = str(run_dir / "classified.parquet")
            pq.write_table(validated.payouts, outcome.payouts_path)
            pq.write_table(classified, outcome.classified_path)
            self.remember_settled(provider, classified)
            counts = classified.group_by("status").aggregate([("status", "count")]).to_pylist()
            outcome.statuses = {status: 0 for status in LINE_STATUSES} | {
                row["status"]: row["status_count"] for row in counts}
            outcome.booked, outcome.report = self._book_and_report(client, outcome, validated.payouts, classified,
                                                                   window)
        booked = {f"booking_{k}": v for k, v in outcome.booked.items()}
        self.store.record_metrics(self.settings.flow, self.run_id, {**booked,
            "payouts": outcome.payouts, "payouts_invalid": outcome.invalid_payouts,
            "payouts_duplicated": outcome.duplicate_payouts, "transactions": outcome.transactions,
            "odoo_read_calls": outcome.odoo_read_calls, "match_seconds": outcome.match_seconds,
            **{f"lines_{status}": n for status, n in outcome.statuses.items()}},
            {"provider": provider, "window": window.label(), "dry_run": window.dry_run})
        log.info("%s %s: %d payouts (%d invalid, %d listed twice), %d transactions: %s%s", provider,
                 window.label(), outcome.payouts, outcome.invalid_payouts, outcome.duplicate_payouts,
                 outcome.transactions, ", ".join(f"{n} {s}" for s, n in outcome.statuses.items() if n),
                 " (dry run: nothing booked)" if window.dry_run else "")
        return outcome

    def _book_and_report(self, client: OdooClient, outcome: SettlementOutcome, payouts: pa.Table,
                         classified: pa.Table, window: SettlementWindow) -> tuple[dict, dict]:
        """The one call site of booking (book.py) and the finance report (report.py). A dry run books
        nothing; its report still says what a real run would book."""
        booking = book_settlements(client, payouts, classified, BookingSettings(journals=self.settings.journals),
                                   dry_run=window.dry_run)
        report = write_report(f"{self.run_id} {outcome.provider} {window.label()}",
                              Path(outcome.classified_path).parent / "report", payouts, classified, booking,
                              window.dry_run)
        if self.deliver_report is not None:
            self.deliver_report(report)
        return ({**booking.counts, "odoo_calls": booking.calls},
                {"exceptions": len(report.exceptions), **{kind: str(path) for kind, path in report.files.items()}})

    def settled_before(self, provider: str) -> tuple[set[str], set[int]]:
        """The charge/refund ids earlier payouts settled, and the Odoo invoices and credit notes they found."""
        folder = self.settings.history_root / provider
        if not folder.exists():
            return set(), set()
        # An explicit schema: files written before odoo_move was kept read it as null.
        seen = ds.dataset(folder, format="parquet", schema=SETTLED_SCHEMA).to_table()
        return set(seen.column("source").to_pylist()), set(seen.column("odoo_move").drop_null().to_pylist())

    def remember_settled(self, provider: str, classified: pa.Table) -> None:
        """Per payout, its charge/refund ids and the invoice (charge) or credit note (refund) each found. One
        file per payout (written again, not added to, when a backfill sees the payout again)."""
        folder = self.settings.history_root / provider
        folder.mkdir(parents=True, exist_ok=True)
        kept = classified.filter(pc.and_(pc.is_valid(classified.column("source")),
                                         pc.is_valid(classified.column("payout_id"))))
        kind = kept.column("type")
        move = pc.if_else(pc.equal(kind, "charge"), kept.column("invoice_id"),
                          pc.if_else(pc.equal(kind, "refund"), kept.column("credit_note_id"),
                                     pa.nulls(len(kept), pa.int64())))
        kept = pa.table({"payout_id": kept.column("payout_id"), "source": kept.column("source"), "odoo_move": move})
        for payout_id in pc.unique(kept.column("payout_id")).to_pylist():
            part = kept.filter(pc.equal(kept.column("payout_id"), payout_id)).select(["source", "odoo_move"])
            temporary = folder / f".{payout_id}.parquet.tmp"
            pq.write_table(part.cast(SETTLED_SCHEMA), temporary)
            temporary.replace(folder / f"{payout_id}.parquet")


