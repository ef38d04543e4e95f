"""Finance's settlement report: the figures are those of the lines it is given, every line is in the
Parquet and the CSV, every exception is listed with its reason, what the booking could not do is among
them, and the email reaches finance on a real SMTP server (aiosmtpd, loopback) with the HTML as its body,
the CSV attached, and no customer email or phone number in clear anywhere."""

from __future__ import annotations

from decimal import Decimal

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from retail_sync.airflow.finance_mail import send_report
from retail_sync.flows.settlement.book import BookingSettings, book_settlements
from retail_sync.flows.settlement.report import finance_recipients, write_report
from retail_sync_sandbox.mail_sink import RunningMailSink

from .settlement_fixtures import line, payout, start_world, tables

EMAIL, PHONE = "bob.customer@shop.example", "+32 470 12 34 56"


def lines() -> list[dict]:
    return [
        line("po_1", "txn_a", "charge", "100.00", "3.20", invoice_id=1, order_ref="#1001"),
        line("po_1", "txn_b", "charge", "50.00", "1.75", invoice_id=2, order_ref="#1002"),
        line("po_1", "txn_r", "refund", "-20.00", credit_note_id=3, order_ref="#1001"),
        line("po_1", "txn_m", "charge", "30.00", "1.10", invoice_id=4, status="amount_mismatch",
             reason="charged 30.00 EUR, invoice 35.00 EUR", order_ref="#1004"),
        line("po_2", "txn_d", "dispute", "-15.00", "15.00", status="matched", order_ref="#1002"),
        line("po_2", "txn_fee", "fee", "-5.00"),
        line("po_2", "txn_x", "charge", "10.00", "0.59", status="missing_in_odoo",
             reason=f"charge by {EMAIL} (phone {PHONE}) has no order reference", order_ref=EMAIL),
        line(None, None, "charge", "42.00", status="missing_at_provider",
             reason="Odoo payment 17 in STRP has no settlement after 7 days", order_ref="#0999"),
        line("po_3", "txn_u", "charge", "200.00", "6.10", currency="USD", invoice_id=5),
    ]


def payouts() -> list[dict]:
    return [payout("po_1", "153.95"), payout("po_2", "-15.59"), payout("po_3", "193.90", currency="USD"),
            payout("po_4", "10.00", valid=False, reason="transactions sum to 9.00, the payout is 10.00")]


def test_the_figures_are_those_of_the_lines(tmp_path):
    report = write_report("scheduled__2026-03-02T00:00:00+00:00", tmp_path, *tables(payouts(), lines()))
    eur, usd = report.figures
    assert (eur.currency, eur.payouts, eur.payout_total) == ("EUR", 3, Decimal("148.36"))
    assert (eur.gross, eur.refunds, eur.disputes) == (Decimal("232.00"), Decimal("-20.00"), Decimal("-15.00"))
    # fees kept from each line (3.20 + 1.75 + 1.10 + 15.00 + 0.59) and the 5.00 fee line
    assert eur.fees == Decimal("26.64")
    assert eur.net == Decimal("100.00") - Decimal("3.20") + Decimal("48.25") - Decimal("20.00") + Decimal("28.90") \
        - Decimal("30.00") - Decimal("5.00") + Decimal("9.41") + Decimal("42.00")
    assert (eur.matched, eur.settled_lines) == (4, 7)
    assert (usd.currency, usd.payouts, usd.payout_total, usd.gross, usd.fees, usd.net, usd.matched_share) == \
        ("USD", 1, Decimal("193.90"), Decimal("200.00"), Decimal("6.10"), Decimal("193.90"), 1.0)
    assert report.folder == tmp_path / "scheduled__2026-03-02T00_00_00_00_00"
    html = report.html
    assert "<td>EUR</td><td>3</td><td>148.36</td><td>232.00</td><td>26.64</td><td>-20.00</td><td>-15.00</td>" in html
    assert "57.1% (4 of 7)" in html


def test_every_line_is_in_the_parquet_and_the_csv_and_every_exception_is_listed(tmp_path):
    report = write_report("run-1", tmp_path, *tables(payouts(), lines()))
    stored = pq.read_table(report.files["parquet"])
    csv = pa_csv.read_csv(report.files["csv"])
    assert stored.num_rows == csv.num_rows == len(lines())
    assert sorted(stored.column("transaction_id").to_pylist(), key=str) == \
        sorted((x["transaction_id"] for x in lines()), key=str)
    assert sum(stored.column("gross").to_pylist()) == sum(x["gross"] for x in lines())
    assert [(x.kind, x.reason) for x in report.exceptions] == [
        ("invalid_payout", "transactions sum to 9.00, the payout is 10.00"),
        ("amount_mismatch", "charged 30.00 EUR, invoice 35.00 EUR"),
        ("missing_in_odoo", "charge by b***@shop.example (phone ***56) has no order reference"),
        ("missing_at_provider", "Odoo payment 17 in STRP has no settlement after 7 days")]
    html = report.html
    assert "Exceptions (4)" in html and "charged 30.00 EUR, invoice 35.00 EUR" in html
    for path in report.files.values():       # masked in every file
        content = path.read_bytes()
        assert EMAIL.encode() not in content and b"470 12 34 56" not in content
    assert "b***@shop.example" in html and "***56" in html


def test_the_report_emails_finance_with_the_summary_and_the_csv(tmp_path, monkeypatch):
    report = write_report("run-1", tmp_path, *tables(payouts(), lines()))
    with RunningMailSink() as sink:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", sink.connection_json())
        send_report(report, finance_recipients("finance@retail.example, controller@retail.example"))
    [message] = sink.messages
    assert message["To"] == "finance@retail.example, controller@retail.example"
    assert message["Subject"] == "[retail-sync] Settlement report run-1: 4 payout(s), 4 exception(s)"
    body = message.get_body(preferencelist=("html",))
    assert body.get_content_type() == "text/html"
    assert "<td>EUR</td><td>3</td><td>148.36</td>" in body.get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "EUR: 3 payout(s), paid out 148.36; gross 232.00, fees 26.64" in text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "settlement_lines.csv" and attachment.get_content_type() == "text/csv"
    csv = attachment.get_content()
    csv = csv.decode() if isinstance(csv, bytes) else csv
    assert csv.count("\n") == len(lines()) + 1 and "txn_m" in csv
    raw = message.as_string()
    assert EMAIL not in raw and "470 12 34 56" not in raw and "b***@shop.example" in raw


def test_no_finance_address_is_refused(tmp_path, monkeypatch):
    report = write_report("run-1", tmp_path, *tables(payouts(), lines()))
    monkeypatch.delenv("RETAIL_SYNC_FINANCE_EMAILS", raising=False)
    for configured in (" , ", None):
        with pytest.raises(ValueError, match="no finance address"):
            send_report(report, finance_recipients(configured))


def test_the_finance_address_comes_from_the_environment_when_not_given(monkeypatch):
    monkeypatch.setenv("RETAIL_SYNC_FINANCE_EMAILS", "finance@retail.example , ap@retail.example")
    assert finance_recipients() == ["finance@retail.example", "ap@retail.example"]
    assert finance_recipients("cfo@retail.example") == ["cfo@retail.example"]


def test_the_report_shows_what_the_booking_left_and_a_dry_run_says_so(tmp_path):
    world = start_world(18)
    try:
        invoice = world.invoice(100.0)
        booked_lines = [line("po_1", "txn_a", "charge", "100.00", "3.20", invoice_id=invoice),
                        line("po_j", "txn_j", "charge", "1000", "30", currency="JPY", invoice_id=invoice)]
        payouts_in = [payout("po_1", "96.80"), payout("po_j", "970", currency="JPY")]
        payout_table, classified = tables(payouts_in, booked_lines)
        dry = book_settlements(world.client, payout_table, classified, BookingSettings(), dry_run=True)
        dry_report = write_report("dry", tmp_path, payout_table, classified, dry, dry_run=True)
        assert "Dry run:" in dry_report.html and "(dry run)" in dry_report.subject
        outcome = book_settlements(world.client, payout_table, classified, BookingSettings())
    finally:
        world.stop()
    report = write_report("run-2", tmp_path, payout_table, classified, outcome)
    assert [(x.where, x.kind, x.reason) for x in report.exceptions] == [
        ("stripe payout po_j", "statement_line skipped", "currency JPY is not active in Odoo")]
    rows = {r["transaction_id"]: (r["booking"], r["booking_status"], r["booking_reason"])
            for r in pq.read_table(report.files["parquet"]).to_pylist()}
    assert rows == {"txn_a": ("payment", "booked", None),
                    "txn_j": ("none", "skipped", "payout po_j not booked: currency JPY is not active in Odoo")}
    jpy = next(f for f in report.figures if f.currency == "JPY")
    assert (jpy.gross, jpy.fees) == (Decimal("1000"), Decimal("30"))
    assert "<td>JPY</td><td>1</td><td>970</td><td>1,000</td><td>30</td>" in report.html
