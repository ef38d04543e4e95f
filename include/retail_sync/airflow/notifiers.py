"""Deliver alerts by email through Airflow's SMTP provider (the `smtp_default` connection), and turn
every failed task and every failed run into one.

Settings (environment):
- `RETAIL_SYNC_ALERT_EMAILS`: comma-separated recipients (default `data-team@localhost`).
- `RETAIL_SYNC_ALERT_FROM`: the sender; default the SMTP connection's `from_email`, else `retail-sync@localhost`.
- `RETAIL_SYNC_UI_BASE_URL`: where people open the Airflow UI; default `[api] base_url`, else http://localhost:8080.

Which callback does what (Airflow 3.3.2): a task-level `on_failure_callback` runs once a task instance
has failed for good (after its last retry, or at once for AirflowFailException), in the task's own
process, and its context carries the exception, so the email can say why. A DAG-level one runs when the
run is marked failed (in the dag-processor; in-process under `dag.test()`) with the last failed task
instance but no exception, and `reason` "task_failure" — or another reason ("timed_out") when no task
failed. So tasks report their own failures and the run-level notifier reports only the rest: one email
per failure, each with its reason.
"""

from __future__ import annotations

import email.policy
import logging
import os
from email.message import EmailMessage
from urllib.parse import quote

from airflow.sdk import BaseNotifier
from airflow.sdk.exceptions import AirflowFailException

from retail_sync.airflow.outcomes import AlertedFailure
from retail_sync.alerts.messages import RUN_LINK, Alert, Link, TaskFailure, run_failure_alert, task_failure_alert

log = logging.getLogger(__name__)

DEFAULT_RECIPIENTS = "data-team@localhost"
DEFAULT_SENDER = "retail-sync@localhost"
# Folding a long subject with non-ASCII characters (the em dash) at 78 columns leaves a doubled space in
# it for the reader; 998 is the line limit RFC 5322 sets.
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)


def recipients() -> list[str]:
    value = os.environ.get("RETAIL_SYNC_ALERT_EMAILS") or DEFAULT_RECIPIENTS
    return [address.strip() for address in value.split(",") if address.strip()]


def ui_base_url() -> str:
    from airflow.sdk.configuration import conf

    base = os.environ.get("RETAIL_SYNC_UI_BASE_URL") or conf.get("api", "base_url", fallback=None)
    return (base or "http://localhost:8080").rstrip("/")


def run_url(dag_id: str, run_id: str) -> str:
    return f"{ui_base_url()}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


def task_url(dag_id: str, run_id: str, task_id: str, map_index: int | None) -> str:
    mapped = f"/mapped/{map_index}" if map_index is not None and map_index >= 0 else ""
    return f"{run_url(dag_id, run_id)}/tasks/{quote(task_id, safe='')}{mapped}"


def email_message(alert: Alert, sender: str, to: list[str]) -> EmailMessage:
    """multipart/alternative: the plain-text part first, the HTML part last (mail clients show the last
    part they can render, so HTML where possible and text everywhere else)."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = alert.subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message.set_content(alert.text)
    message.add_alternative(alert.html, subtype="html")
    return message


def send_alert(alert: Alert, conn_id: str = "smtp_default") -> None:
    """Send an alert; inside a running task, a link to its run in the Airflow UI is added."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    alert = _with_run_link(alert)
    with SmtpHook(smtp_conn_id=conn_id) as smtp:
        sender = os.environ.get("RETAIL_SYNC_ALERT_FROM") or smtp.from_email or DEFAULT_SENDER
        to = recipients()
        # The hook's own send_email_smtp builds an HTML-only message; its logged-in client sends ours.
        smtp._smtp_client.send_message(email_message(alert, sender, to), from_addr=sender, to_addrs=to)
    log.info("alert sent: %s", alert.subject)


def _with_run_link(alert: Alert) -> Alert:
    from airflow.sdk import get_current_context

    if any(isinstance(block, Link) and block.label == RUN_LINK for block in alert.blocks):
        return alert
    try:
        context = get_current_context()
    except RuntimeError:      # not inside a task (a test, a script): no run to link to
        return alert
    return alert.with_link(Link(RUN_LINK, run_url(context["dag"].dag_id, context["run_id"])))


class _UntemplatedNotifier(BaseNotifier):
    """Our notifiers have no template fields. BaseNotifier renders them anyway through the DAG's Jinja
    environment, which the DAG-level callback's DAG lacks under `dag.test()` (a SerializedDAG, 3.3.2)."""

    def render_template_fields(self, context, jinja_env=None) -> None:
        return None


class TaskFailureNotifier(_UntemplatedNotifier):
    """Task-level `on_failure_callback`: one email per task instance that failed for good."""

    def notify(self, context) -> None:
        exception = context.get("exception")
        if isinstance(exception, AlertedFailure):
            log.info("not alerting again: the flow already sent an alert for this outcome")
            return
        ti = context["ti"]
        dag_id, run_id = context["dag"].dag_id, context["run_id"]
        map_index = getattr(ti, "map_index", None)
        name = getattr(ti, "rendered_map_index", None) or (str(map_index) if map_index not in (None, -1) else "")
        task = f"{ti.task_id} [{name}]" if name else ti.task_id
        reason = f"{type(exception).__name__}: {exception}" if exception is not None else "the task failed"
        # Secrets Airflow knows of (connection passwords, extras like api_key) are masked as in task logs;
        # the SDK names this module as the place of `redact` (the execution_time path is deprecated).
        from airflow.sdk._shared.secrets_masker import redact

        reason = str(redact(reason))
        send_alert(task_failure_alert(TaskFailure(
            dag_id=dag_id, run_id=run_id, task=task, reason=reason, tries=int(getattr(ti, "try_number", 0) or 0),
            retried=not isinstance(exception, AirflowFailException), run_url=run_url(dag_id, run_id),
            task_url=task_url(dag_id, run_id, ti.task_id, map_index))))


class RunFailureNotifier(_UntemplatedNotifier):
    """DAG-level `on_failure_callback`: alerts when a run fails without a failed task to report it."""

    def notify(self, context) -> None:
        reason = context.get("reason") or "unknown"
        if reason == "task_failure":    # the failed task's own notifier sent that one, with its reason
            return
        dag_id, run_id = context["dag"].dag_id, context["run_id"]
        send_alert(run_failure_alert(dag_id, run_id, f"the run was marked failed ({reason})", run_url(dag_id, run_id)))
