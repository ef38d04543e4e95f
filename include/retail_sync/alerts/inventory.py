"""The inventory flow's alert: a snapshot whose rows failed their rules (quarantined, not pushed) or whose
row count left its band (blocked: nothing pushed to any channel)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from retail_sync.alerts.masking import mask_text
from retail_sync.alerts.messages import Alert, Block, Link, compose, docs_link, listed

if TYPE_CHECKING:
    from retail_sync.quality.validation import ValidationReport


def snapshot_alert(flow: str, run_id: str, snapshot: str, report: ValidationReport, quarantined: int,
                   quarantine_path: str | None, blocked_reasons: list[str]) -> Alert:
    verdict = "BLOCKED, nothing pushed" if blocked_reasons else "rows quarantined"
    subject = (f"[retail-sync] {flow}: stock snapshot failed validation ({verdict}) — {quarantined} of "
               f"{report.evaluated_rows} rows")
    blocks: list[Block] = [f"Flow: {flow}", f"Run: {run_id}", f"Snapshot: {mask_text(snapshot)}",
                           f"Rows (product × warehouse) checked: {report.evaluated_rows}; quarantined: {quarantined}"]
    if blocked_reasons:
        blocks += ["The snapshot was blocked: no channel level was changed, and it was not added to the history:",
                   list(blocked_reasons)]
    else:
        blocks.append("The other rows went on to the channels; the quarantined rows' levels were left as they are.")
    blocks.append("Failed rules:")
    blocks.append([f"{result.rule}: {result.unexpected_count} row(s)" for result in report.failed_rules])
    rows = [(result.rule, row) for result in report.failed_rules for row in result.rows]
    if rows:
        blocks.append("Failing rows (product × warehouse, value):")
        blocks += listed(rows, lambda item: f"{mask_text(str(item[1].key))}: {item[0]} — {item[1].column} = "
                                            f"{item[1].value!r}", "the quarantine file")
    if report.docs_index:
        blocks.append(Link("Data Docs", docs_link(report.docs_index, report.docs_page)))
    if quarantine_path:
        blocks.append(f"Quarantine file: {mask_text(quarantine_path)}")
    blocks.append("What happens next: fix the products (SKU) or locations (warehouse) in Odoo; the next hourly "
                  "snapshot picks them up. A blocked snapshot usually means Odoo answered only part of the read: "
                  "check Odoo, then re-run the DAG.")
    return compose(subject, blocks)
