"""What an operator reads when validation fails: which flow and run, which rules, how many rows,
a few example values (emails and phones masked), and where the quarantine and Data Docs are."""

from __future__ import annotations

import html
from dataclasses import dataclass

from retail_sync.alerts.masking import mask_field, mask_text
from retail_sync.quality.validation import ValidationReport


@dataclass
class Alert:
    subject: str
    text: str
    html: str


def validation_alert(flow: str, run_id: str, source: str, report: ValidationReport, quarantined: int,
                     quarantine_path: str | None, blocked_reasons: list[str]) -> Alert:
    verdict = "BLOCKED" if blocked_reasons else "quarantined rows"
    subject = f"[retail-sync] {flow}: validation failed ({verdict}) — {quarantined} of {report.evaluated_rows} rows"
    lines = [f"Flow: {flow}", f"Run: {run_id}", f"Source: {source}",
             f"Rows checked: {report.evaluated_rows}; quarantined: {quarantined}"]
    if blocked_reasons:
        lines.append("The whole batch was blocked; nothing was written to Odoo:")
        lines.extend(f"  - {reason}" for reason in blocked_reasons)
    else:
        lines.append("The good rows went on to Odoo; the quarantined rows did not.")
    lines.append("Failed expectations:")
    for result in report.failed_rules:
        examples = ", ".join(repr(mask_field(result.column or "", v))[:80] for v in result.examples[:3])
        lines.append(f"  - {result.rule}: {result.unexpected_count} row(s)" + (f"; e.g. {examples}" if examples else ""))
    if quarantine_path:
        lines.append(f"Quarantine: {quarantine_path}")
    if report.docs_index:
        lines.append(f"Data Docs: {report.docs_index}")
    lines.append("Replay after fixing the source: re-drop the corrected file, or run the flow's replay task.")
    text = "\n".join(lines)
    return Alert(subject, text, _html(text))


def rejected_file_alert(flow: str, run_id: str, source: str, error: str) -> Alert:
    subject = f"[retail-sync] {flow}: input file rejected — {source.rsplit('/', 1)[-1]}"
    text = (f"Flow: {flow}\nRun: {run_id}\nSource: {source}\nThe file could not be read, so nothing of it was "
            f"loaded:\n  {mask_text(error)}\nFix the file and drop it again (a changed file is a new file).")
    return Alert(subject, text, _html(text))


def dead_letter_alert(flow: str, run_id: str, source: str, failures: dict[str, str]) -> Alert:
    subject = f"[retail-sync] {flow}: {len(failures)} record(s) refused by Odoo and dead-lettered"
    lines = [f"Flow: {flow}", f"Run: {run_id}", f"Source: {source}",
             "Odoo refused these records; the rest of the batch loaded:"]
    lines += [f"  - {key}: {mask_text(error)[:300]}" for key, error in list(failures.items())[:20]]
    if len(failures) > 20:
        lines.append(f"  … and {len(failures) - 20} more (see the dead-letter queue)")
    text = "\n".join(lines)
    return Alert(subject, text, _html(text))


def _html(text: str) -> str:
    body = "".join(f"<li>{html.escape(line[4:])}</li>" if line.startswith("  - ") else f"<p>{html.escape(line)}</p>"
                   for line in text.splitlines())
    return f"<html><body>{body}</body></html>"
