"""What an operator reads when something needs them: which flow, run and task, what went wrong in a
line, the rows concerned (by key and row number), links that open, and what happens next.

Every alert is written once as blocks (paragraphs, lists, links) and rendered twice: a plain-text part
for any mail client and an HTML part with real list markup. Everything that comes from data — values,
file names, error messages — is masked (emails, phones) and, in HTML, escaped.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from retail_sync.alerts.masking import mask_field, mask_text

if TYPE_CHECKING:
    from retail_sync.quality.validation import ValidationReport

MAX_LISTED = 20   # rows or records listed in one email; the rest are counted
RUN_LINK = "Run in Airflow"
Item = TypeVar("Item")


@dataclass(frozen=True)
class Link:
    label: str
    url: str


Block = str | list[str] | Link     # a paragraph, a bulleted list, or a link


def listed(items: Sequence[Item], line: Callable[[Item], str], rest_in: str) -> list[Block]:
    """The first MAX_LISTED items as a list, a line each, and how many more wait in `rest_in`: an email
    with thousands of lines is not read, and only the listed ones are formatted."""
    blocks: list[Block] = [[line(item) for item in items[:MAX_LISTED]]]
    if len(items) > MAX_LISTED:
        blocks.append(f"… and {len(items) - MAX_LISTED} more in {rest_in}.")
    return blocks


@dataclass(frozen=True)
class Alert:
    subject: str
    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        return _text(self.blocks)

    @property
    def html(self) -> str:
        return _html(self.subject, self.blocks)

    def with_link(self, link: Link) -> Alert:
        """The same alert with a link added before its closing "what happens next" paragraph (the flow
        writes the alert; only the Airflow side knows the run's address)."""
        return Alert(self.subject, (*self.blocks[:-1], link, *self.blocks[-1:]))


def compose(subject: str, blocks: list[Block]) -> Alert:
    return Alert(subject, tuple(blocks))


def _text(blocks: tuple[Block, ...]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Link):
            lines.append(f"{block.label}: {block.url}")
        elif isinstance(block, list):
            lines.extend(f"  - {item}" for item in block)
        else:
            lines.append(block)
    return "\n".join(lines) + "\n"


def _html(subject: str, blocks: tuple[Block, ...]) -> str:
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Link):
            parts.append(f'<p>{html.escape(block.label)}: <a href="{html.escape(block.url, quote=True)}">'
                         f"{html.escape(block.url)}</a></p>")
        elif isinstance(block, list):
            parts.append("<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in block) + "</ul>")
        else:
            parts.append(f"<p>{html.escape(block)}</p>")
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(subject)}</title></head>'
            f"<body>{''.join(parts)}</body></html>")


def file_name(uri: str) -> str:
    return mask_text(uri.rstrip("/").rsplit("/", 1)[-1])


def docs_link(docs_index: str, docs_page: str | None = None) -> str:
    """Where a person opens a Data Docs page: under `RETAIL_SYNC_DOCS_BASE_URL` when the docs folder is
    served (the plugin, a web server), else the file itself (file://) for someone on the same machine."""
    base = os.environ.get("RETAIL_SYNC_DOCS_BASE_URL", "").strip()
    if base and docs_page:
        return f"{base.rstrip('/')}/{docs_page}"
    return Path(docs_index).resolve().as_uri()


def validation_alert(flow: str, run_id: str, source: str, report: ValidationReport, quarantined: int,
                     quarantine_path: str | None, blocked_reasons: list[str]) -> Alert:
    verdict = "BLOCKED" if blocked_reasons else "quarantined rows"
    subject = (f"[retail-sync] {flow}: validation failed ({verdict}) — {quarantined} of {report.evaluated_rows} "
               f"rows — {file_name(source)}")
    blocks: list[Block] = [f"Flow: {flow}", f"Run: {run_id}", f"File: {mask_text(source)}",
                           f"Rows checked: {report.evaluated_rows}; quarantined: {quarantined}"]
    if blocked_reasons:
        blocks += ["The whole file was blocked; nothing of it was written to Odoo:", list(blocked_reasons)]
    else:
        blocks.append("The good rows went on to Odoo; the quarantined rows did not.")
    blocks.append("Failed rules:")
    blocks.append([f"{result.rule}: {result.unexpected_count} row(s)" for result in report.failed_rules])
    rows = [(result.rule, row) for result in report.failed_rules for row in result.rows]
    if rows:
        blocks.append("Failing rows (row number in the file, SKU, value):")
        blocks += listed(rows, lambda rule_row: _row_line(*rule_row), "the quarantine file")
    if report.docs_index:
        blocks.append(Link("Data Docs (values masked)", docs_link(report.docs_index, report.docs_page)))
    if quarantine_path:
        blocks.append(f"Quarantine file: {mask_text(quarantine_path)}")
    blocks.append("What happens next: the quarantined rows wait in the dead-letter queue. Fix them at the source "
                  "and drop the corrected file again (a changed file is a new file), or replay the dead letters.")
    return compose(subject, blocks)


def _row_line(rule: str, row) -> str:
    key = mask_text(row.key) if row.key not in (None, "") else "(no SKU)"
    value = "" if row.column is None else f" — {row.column} = {mask_field(row.column, row.value)[:80]!r}"
    return f"row {row.row}, SKU {key}: {rule}{value}"


def rejected_file_alert(flow: str, run_id: str, source: str, error: str) -> Alert:
    subject = f"[retail-sync] {flow}: input file rejected — {file_name(source)}"
    blocks: list[Block] = [f"Flow: {flow}", f"Run: {run_id}", f"File: {mask_text(source)}",
                           f"Reason: {_one_line(error)}",
                           "The file could not be read, so nothing of it was loaded; it was moved to rejected/."]
    blocks.append("What happens next: nothing, until a corrected file is dropped (a changed file is a new file).")
    return compose(subject, blocks)


def dead_letter_alert(flow: str, run_id: str, source: str, failures: dict[str, str]) -> Alert:
    subject = f"[retail-sync] {flow}: {len(failures)} record(s) refused by Odoo and dead-lettered — {file_name(source)}"
    blocks: list[Block] = [f"Flow: {flow}", f"Run: {run_id}", f"File: {mask_text(source)}",
                           "Odoo refused these records; the rest of the file loaded:",
                           *listed(list(failures.items()), lambda item: f"{mask_text(item[0])}: {_one_line(item[1])}",
                                   "the dead-letter queue")]
    blocks.append("What happens next: the records wait in the dead-letter queue; fix the cause in Odoo or in the "
                  "source, then replay them.")
    return compose(subject, blocks)


@dataclass(frozen=True)
class TaskFailure:
    """A task that failed for good (its retries used up, or a failure retrying cannot change)."""

    dag_id: str
    run_id: str
    task: str                 # task id, with the mapped item's name or index when mapped
    reason: str
    tries: int
    retried: bool             # False when the failure was marked not worth retrying
    run_url: str
    task_url: str | None = None


def task_failure_alert(failure: TaskFailure) -> Alert:
    subject = f"[retail-sync] {failure.dag_id}: task {failure.task} failed — {_one_line(failure.reason, 120)}"
    if failure.retried:
        next_step = (f"It failed {failure.tries} time(s), retries included, and will not be retried in this run. "
                     "The next scheduled run tries again; to retry now, fix the cause and clear the task in the "
                     "Airflow UI.")
    else:
        next_step = ("It was not retried: retrying cannot change this outcome. Fix the cause, then clear the task "
                     "in the Airflow UI (or wait for the next scheduled run).")
    blocks: list[Block] = [f"Flow: {failure.dag_id}", f"Run: {failure.run_id}", f"Task: {failure.task}",
                           f"Reason: {_one_line(failure.reason)}", Link(RUN_LINK, failure.run_url)]
    if failure.task_url:
        blocks.append(Link("Task log", failure.task_url))
    blocks.append(f"What happens next: {next_step}")
    return compose(subject, blocks)


def run_failure_alert(dag_id: str, run_id: str, reason: str, run_url: str) -> Alert:
    """A run that failed without a failed task (it timed out, or was marked failed)."""
    subject = f"[retail-sync] {dag_id}: run failed — {_one_line(reason, 120)}"
    return compose(subject, [f"Flow: {dag_id}", f"Run: {run_id}", f"Reason: {_one_line(reason)}",
                             Link(RUN_LINK, run_url),
                             "What happens next: the next scheduled run starts as usual; unfinished work of this run "
                             "is picked up by it. To retry now, clear the run in the Airflow UI."])


def _one_line(text: str, limit: int = 300) -> str:
    first = next((line.strip() for line in str(text).splitlines() if line.strip()), "")
    first = mask_text(first)
    return first if len(first) <= limit else first[: limit - 1] + "…"
