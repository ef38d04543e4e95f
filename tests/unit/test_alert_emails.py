"""Alert emails as a person receives them, delivered to a real SMTP server (aiosmtpd) on loopback:
a text part and an HTML part, lists as lists, rows named by row number and SKU, links that open,
the configured sender and recipients, and no personal data or live markup from a feed."""

from __future__ import annotations

import pytest

from retail_sync.airflow.notifiers import send_alert
from retail_sync.alerts.dedupe import merges_refused_alert
from retail_sync.alerts.messages import (
    TaskFailure,
    dead_letter_alert,
    rejected_file_alert,
    task_failure_alert,
    validation_alert,
)
from retail_sync.alerts.orders import order_alert
from retail_sync.quality.validation import FailingRow, RuleResult, ValidationReport
from retail_sync_sandbox.mail_sink import RunningMailSink


@pytest.fixture
def mail(monkeypatch):
    with RunningMailSink() as sink:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", sink.connection_json())
        yield sink


def _report(docs_index: str | None = None, docs_page: str | None = None) -> ValidationReport:
    rows = [FailingRow(2, "bob@shop.example", "sku", "bob@shop.example"),
            FailingRow(4, "<script>alert(1)</script>", "sku", "<script>alert(1)</script>"),
            FailingRow(7, None, "sku", None)]
    results = [RuleResult("SKU well-formed", "sku", False, 3, rows),
               RuleResult("list price present", "list_price", False, 1,
                          [FailingRow(9, "MUG", "list_price", None)]),
               RuleResult("name present", "name", True, 0)]
    return ValidationReport("catalog_products", False, 10, results, {2: ["x"], 4: ["x"], 7: ["x"], 9: ["x"]},
                            docs_index, docs_page)


def _parts(message):
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]   # text first
    return tuple(p.get_content().replace("\r\n", "\n") for p in parts)


def test_validation_alert_names_rows_and_links_its_docs(mail, monkeypatch, tmp_path):
    monkeypatch.setenv("RETAIL_SYNC_ALERT_EMAILS", "ops@example.com, dq@example.com")
    monkeypatch.setenv("RETAIL_SYNC_ALERT_FROM", "Retail Sync <alerts@retail.example>")
    page = tmp_path / "docs" / "catalog_products" / "run 1" / "feed.html"
    alert = validation_alert("catalog", "run-1", "/landing/feed-jane@customer.example.csv",
                             _report(str(page), "catalog_products/run 1/feed.html"), 4, str(tmp_path / "q.parquet"), [])
    send_alert(alert)

    [message] = mail.messages
    assert message["To"] == "ops@example.com, dq@example.com"
    assert message["From"] == "Retail Sync <alerts@retail.example>"
    assert message["Subject"] == ("[retail-sync] catalog: validation failed (quarantined rows) — 4 of 10 rows — "
                                  "f***@customer.example.csv")
    text, html = _parts(message)
    assert "  - row 2, SKU b***@shop.example: SKU well-formed — sku = 'b***@shop.example'" in text
    assert "  - row 7, SKU (no SKU): SKU well-formed" in text
    assert "  - row 9, SKU MUG: list price present — list_price = ''" in text
    assert f"Data Docs (values masked): {page.as_uri()}" in text and "%20" in page.as_uri()
    assert "<ul><li>SKU well-formed: 3 row(s)</li><li>list price present: 1 row(s)</li></ul>" in html
    assert f'<a href="{page.as_uri()}">' in html
    for body in (text, html):
        assert "bob@shop.example" not in body and "jane@" not in body
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "What happens next" in text


def test_docs_link_follows_the_configured_base_url(monkeypatch, tmp_path):
    monkeypatch.setenv("RETAIL_SYNC_DOCS_BASE_URL", "https://airflow.example/retail-sync/docs/")
    alert = validation_alert("catalog", "run-1", "feed.csv", _report(str(tmp_path / "p.html"), "catalog_products/a/p.html"),
                             4, None, ["failed: row count"])
    assert "Data Docs (values masked): https://airflow.example/retail-sync/docs/catalog_products/a/p.html" in alert.text
    assert "BLOCKED" in alert.subject and "  - failed: row count" in alert.text


def test_many_failing_rows_are_counted_not_listed():
    rows = [FailingRow(n, f"SKU-{n}", "sku", f"SKU-{n}") for n in range(1, 31)]
    report = ValidationReport("s", False, 30, [RuleResult("rule", "sku", False, 30, rows)], {}, None)
    alert = validation_alert("catalog", "run-1", "feed.csv", report, 30, None, [])
    assert alert.text.count("  - row ") == 20 and "… and 10 more in the quarantine file." in alert.text


def test_rejected_file_and_dead_letter_alerts_are_one_line_reasons(mail):
    send_alert(rejected_file_alert("catalog", "run-1", "/in/0470123456.csv",
                                   "line 3: bad UTF-8\nTraceback (most recent call last):\n  File x"))
    send_alert(dead_letter_alert("catalog", "run-1", "feed.csv",
                                 {"pim:product:A": "ValidationError: barcode used by jane@x.example\nmore"}))
    rejected, dead = mail.messages
    text, html = _parts(rejected)
    assert "Reason: line 3: bad UTF-8\n" in text and "Traceback" not in text
    assert "***56.csv" in rejected["Subject"] and "0470123456" not in text + html
    text, html = _parts(dead)
    assert "<ul><li>pim:product:A: ValidationError: barcode used by j***@x.example</li></ul>" in html


def test_task_failure_alert_says_what_where_why_and_next():
    alert = task_failure_alert(TaskFailure(
        dag_id="catalog_publish", run_id="manual__2026-11-27T10:00:00+00:00", task="publish [feed.csv]",
        reason="OdooUnavailable: 503 Service Unavailable after 6 attempts\n  at line …", tries=4, retried=True,
        run_url="http://airflow.example/dags/catalog_publish/runs/manual__2026", task_url=None))
    assert alert.subject == ("[retail-sync] catalog_publish: task publish [feed.csv] failed — "
                             "OdooUnavailable: 503 Service Unavailable after 6 attempts")
    assert "Reason: OdooUnavailable: 503 Service Unavailable after 6 attempts\n" in alert.text
    assert "Run in Airflow: http://airflow.example/dags/catalog_publish/runs/manual__2026" in alert.text
    assert "failed 4 time(s)" in alert.text


@pytest.mark.parametrize("make_alert", [
    lambda many: dead_letter_alert("catalog", "run-1", "feed.csv", many),
    lambda many: order_alert("orders", "run-1", "shopify", {}, {key: ("sale_order", why) for key, why in many.items()}),
    lambda many: order_alert("orders", "run-1", "shopify", many, {}),
    lambda many: merges_refused_alert("customer_dedupe", "run-1", many, 0),
], ids=["catalog dead letters", "order dead letters", "quarantined orders", "refused merges"])
def test_every_long_list_names_the_first_twenty_and_counts_the_rest(make_alert):
    many = {f"key-{n}": f"refused for jane.doe{n}@shop.example" for n in range(1, 26)}
    alert = make_alert(many)
    assert "key-20" in alert.text and "key-21" not in alert.text
    assert "… and 5 more in the dead-letter queue." in alert.text
    assert "jane.doe" not in alert.text and "jane.doe" not in alert.html
