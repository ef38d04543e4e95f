"""Send finance's settlement report through the Airflow SMTP connection the alerts use."""

from __future__ import annotations

import logging

from retail_sync.flows.settlement.report import SettlementReport, report_email

log = logging.getLogger(__name__)


def send_report(report: SettlementReport, to: list[str], conn_id: str = "smtp_default",
                sender: str | None = None) -> None:
    """Email the report (HTML body, CSV attached) to finance's addresses."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    if not to:
        raise ValueError("no finance address to send the settlement report to: set the flow's finance email "
                         "(RETAIL_SYNC_FINANCE_EMAILS)")
    with SmtpHook(smtp_conn_id=conn_id) as smtp:
        sender = sender or smtp.from_email or "retail-sync@localhost"
        # The hook's own send_email_smtp builds an HTML-only message; its logged-in client sends ours.
        smtp._smtp_client.send_message(report_email(report, sender, to), from_addr=sender, to_addrs=to)
    log.info("settlement report sent to %d finance address(es): %s", len(to), report.subject)
