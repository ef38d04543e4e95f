"""Deliver alerts through Airflow's SMTP provider on the `smtp_default` connection."""

from __future__ import annotations

import logging
import os

from retail_sync.alerts.messages import Alert

log = logging.getLogger(__name__)


def recipients() -> list[str]:
    return [a.strip() for a in os.environ.get("RETAIL_SYNC_ALERT_EMAILS", "data-team@localhost").split(",") if a.strip()]


def send_alert(alert: Alert, conn_id: str = "smtp_default") -> None:
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    with SmtpHook(smtp_conn_id=conn_id) as smtp:
        smtp.send_email_smtp(to=recipients(), subject=alert.subject, html_content=alert.html,
                             mime_subtype="alternative")
    log.warning("alert sent: %s", alert.subject)
