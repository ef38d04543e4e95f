"""Finance's report of one settlement run: every classified line as Parquet and CSV, and an HTML summary —
payouts, gross, fees, refunds, disputes, net and the matched share per currency, then every exception with
its reason — written in the run's folder and emailed to finance (HTML body, CSV attached).

Customer emails and phone numbers can reach a reason or an order reference (a storefront's free text):
they are masked in every file and in the email.
"""

from __future__ import annotations

import email.policy
import html
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from retail_sync.alerts.masking import mask_text
from retail_sync.canonical.currencies import minor_unit_exponent
from retail_sync.flows.settlement.book import BookingOutcome
from retail_sync.flows.settlement.figures import ZERO, total_fees, total_of

FREE_TEXT_COLUMNS = ("reason", "order_ref")
SETTLED_TYPES = ("charge", "refund", "dispute")      # the lines matched against Odoo one by one
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
FINANCE_EMAILS_ENV = "RETAIL_SYNC_FINANCE_EMAILS"
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)   # as the alerts: no folded subjects


@dataclass(frozen=True)
class CurrencyFigures:
    currency: str
    payouts: int
    payout_total: Decimal
    gross: Decimal
    fees: Decimal
    refunds: Decimal
    disputes: Decimal
    net: Decimal
    matched: int
    settled_lines: int

    @property
    def matched_share(self) -> float:
        return self.matched / self.settled_lines if self.settled_lines else 1.0


@dataclass(frozen=True)
class Finding:
    """One exception of the run, its text already masked."""
    where: str           # the payout or transaction it concerns
    kind: str            # the line's status, or the booking that failed
    reason: str


@dataclass
class SettlementReport:
    run_id: str
    folder: Path
    figures: list[CurrencyFigures]
    exceptions: list[Finding]
    dry_run: bool
    files: dict[str, Path] = field(default_factory=dict)    # parquet, csv, html

    @property
    def subject(self) -> str:
        payouts = sum(f.payouts for f in self.figures)
        dry = " (dry run)" if self.dry_run else ""
        return (f"[retail-sync] Settlement report {self.run_id}{dry}: {payouts} payout(s), "
                f"{len(self.exceptions)} exception(s)")

    @property
    def html(self) -> str:
        return self.files["html"].read_text(encoding="utf-8")


def write_report(run_id: str, root: Path, payouts: pa.Table, classified: pa.Table,
                 booking: BookingOutcome | None = None, dry_run: bool = False) -> SettlementReport:
    """Write the run's files under `root/<run id>/` and return what they say."""
    folder = Path(root) / (SAFE_NAME.sub("_", run_id).strip("_") or "run")
    folder.mkdir(parents=True, exist_ok=True)
    table = _masked(_with_booking(classified, booking))
    report = SettlementReport(run_id, folder, _figures(payouts.to_pylist(), classified.to_pylist()),
                              _exceptions(payouts.to_pylist(), classified.to_pylist(), booking), dry_run)
    report.files["parquet"] = folder / "settlement_lines.parquet"
    report.files["csv"] = folder / "settlement_lines.csv"
    report.files["html"] = folder / "settlement_summary.html"
    pq.write_table(table, report.files["parquet"])
    pa_csv.write_csv(table, report.files["csv"])
    report.files["html"].write_text(_html(report), encoding="utf-8")
    return report


# ---------------------------------------------------------------------- figures
def _figures(payouts: list[dict], lines: list[dict]) -> list[CurrencyFigures]:
    currencies = sorted({p["currency"] for p in payouts} | {line["currency"] for line in lines})
    figures = []
    for currency in currencies:
        own = [line for line in lines if line["currency"] == currency and line["type"] != "payout"]
        paid = [p for p in payouts if p["currency"] == currency]
        settled = [line for line in own if line["type"] in SETTLED_TYPES]
        figures.append(CurrencyFigures(
            currency, len(paid), sum((Decimal(p["amount"]) for p in paid), ZERO),
            total_of(own, "gross", ("charge",)), total_fees(own), total_of(own, "gross", ("refund",)),
            total_of(own, "gross", ("dispute",)), sum((Decimal(line["net"]) for line in own), ZERO),
            sum(1 for line in settled if line["status"] == "matched"), len(settled)))
    return figures


def _exceptions(payouts: list[dict], lines: list[dict], booking: BookingOutcome | None) -> list[Finding]:
    found = [(f"{p['provider']} payout {p['payout_id']}", "invalid_payout", p["reason"] or "failed validation")
             for p in payouts if not p["valid"]]
    found += [(_line_name(line), line["status"], line["reason"] or "") for line in lines
              if line["status"] not in ("matched", "invalid_payout")]
    if booking is not None:
        found += [(_booked_name(b), f"{b.booking} {b.status}", b.reason) for b in booking.lines
                  if b.status == "failed" or _payout_not_booked(b)]
    return [Finding(mask_text(where), kind, mask_text(reason)) for where, kind, reason in found]


def _payout_not_booked(b) -> bool:
    """A valid payout the booking had to leave (a currency Odoo lacks, no journal): invalid ones are listed
    already, and a dry run leaves every payout on purpose."""
    return (b.status == "skipped" and b.booking == "statement_line"
            and not b.reason.startswith(("dry run", "invalid payout")))


def _line_name(line: dict) -> str:
    where = f"{line['provider']} {line['type']} {line['transaction_id'] or ''}".rstrip()
    if line["payout_id"]:
        where += f" (payout {line['payout_id']})"
    if line["order_ref"]:
        where += f", order {line['order_ref']}"
    return where


def _booked_name(b) -> str:
    return f"{b.provider} {b.transaction_id}" if b.transaction_id else f"{b.provider} payout {b.payout_id}"


def amount(value: Decimal, currency: str) -> str:
    try:
        places = minor_unit_exponent(currency)
    except (KeyError, ValueError):
        places = 2
    return f"{Decimal(value):,.{places}f}"


# ---------------------------------------------------------------------- files
def _with_booking(classified: pa.Table, booking: BookingOutcome | None) -> pa.Table:
    """Each line with what the booking did for it, when it ran (a dry run says what it would do)."""
    if booking is None:
        return classified
    by_line = {(b.provider, b.payout_id, b.transaction_id): b for b in booking.lines if b.transaction_id}
    keys = zip(classified.column("provider").to_pylist(), classified.column("payout_id").to_pylist(),
               classified.column("transaction_id").to_pylist())
    done = [by_line.get(key) for key in keys]
    return (classified
            .append_column("booking", pa.array([b.booking if b else None for b in done], pa.string()))
            .append_column("booking_status", pa.array([b.status if b else None for b in done], pa.string()))
            .append_column("booking_reason", pa.array([b.reason or None if b else None for b in done], pa.string())))


def _masked(table: pa.Table) -> pa.Table:
    for name in (*FREE_TEXT_COLUMNS, "booking_reason"):
        if name in table.column_names:
            index = table.column_names.index(name)
            values = [None if v is None else mask_text(v) for v in table.column(name).to_pylist()]
            table = table.set_column(index, name, pa.array(values, pa.string()))
    return table.sort_by([("provider", "ascending"), ("payout_id", "ascending"), ("transaction_id", "ascending")]) \
        if table.num_rows else table


def _html(report: SettlementReport) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(f.currency)}</td><td>{f.payouts}</td><td>{amount(f.payout_total, f.currency)}</td>"
        f"<td>{amount(f.gross, f.currency)}</td><td>{amount(f.fees, f.currency)}</td>"
        f"<td>{amount(f.refunds, f.currency)}</td><td>{amount(f.disputes, f.currency)}</td>"
        f"<td>{amount(f.net, f.currency)}</td><td>{f.matched_share:.1%} ({f.matched} of {f.settled_lines})</td></tr>"
        for f in report.figures)
    exceptions = "".join(f"<tr><td>{e(x.where)}</td><td>{e(x.kind)}</td><td>{e(x.reason)}</td></tr>"
                         for x in report.exceptions)
    dry = "<p><strong>Dry run:</strong> nothing was booked in Odoo.</p>" if report.dry_run else ""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{e(report.subject)}</title></head><body>"
        f"<h1>Settlement report</h1><p>Run: {e(report.run_id)}</p>{dry}"
        "<h2>Summary</h2><table border=\"1\" cellpadding=\"4\"><thead><tr><th>Currency</th><th>Payouts</th>"
        "<th>Paid out</th><th>Gross</th><th>Fees</th><th>Refunds</th><th>Disputes</th><th>Net</th>"
        "<th>Matched</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f"<h2>Exceptions ({len(report.exceptions)})</h2>"
        + (f'<table border="1" cellpadding="4"><thead><tr><th>What</th><th>Kind</th><th>Reason</th></tr></thead>'
           f"<tbody>{exceptions}</tbody></table>" if report.exceptions else "<p>None: every line is explained.</p>")
        + f"<p>Every line: {e(report.files['csv'].name)} (attached), {e(report.files['parquet'].name)} in "
          f"{e(str(report.folder))}.</p></body></html>")


def _text(report: SettlementReport) -> str:
    lines = [f"Settlement report, run {report.run_id}"]
    if report.dry_run:
        lines.append("Dry run: nothing was booked in Odoo.")
    for f in report.figures:
        lines.append(f"{f.currency}: {f.payouts} payout(s), paid out {amount(f.payout_total, f.currency)}; "
                     f"gross {amount(f.gross, f.currency)}, fees {amount(f.fees, f.currency)}, "
                     f"refunds {amount(f.refunds, f.currency)}, disputes {amount(f.disputes, f.currency)}, "
                     f"net {amount(f.net, f.currency)}; matched {f.matched_share:.1%} ({f.matched} of {f.settled_lines})")
    lines.append(f"Exceptions: {len(report.exceptions)}")
    lines += [f"  - {x.where}: {x.kind}: {x.reason}" for x in report.exceptions]
    lines.append(f"Every line: {report.files['csv'].name} (attached).")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- email
def report_email(report: SettlementReport, sender: str, to: list[str]) -> EmailMessage:
    """The summary as the body (a text part, and the HTML last so mail clients show it), the CSV attached."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = report.subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message.set_content(_text(report))
    message.add_alternative(report.html, subtype="html")
    message.add_attachment(report.files["csv"].read_bytes(), maintype="text", subtype="csv",
                           filename=report.files["csv"].name)
    return message


def finance_recipients(value: str | None = None) -> list[str]:
    """Finance's address(es), comma-separated: the value given (a DAG param), else
    `RETAIL_SYNC_FINANCE_EMAILS`."""
    if value is None:
        value = os.environ.get(FINANCE_EMAILS_ENV, "")
    return [address.strip() for address in value.split(",") if address.strip()]

