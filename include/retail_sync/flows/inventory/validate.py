"""Inventory step: a snapshot → GX validation → the rows fit to push, the quarantined rows, and whether the
batch gate (row count within its band of the previous snapshot) blocks everything."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from retail_sync.alerts.inventory import snapshot_alert
from retail_sync.alerts.messages import Alert
from retail_sync.flows.inventory.settings import InventorySettings
from retail_sync.quality import inventory_suite
from retail_sync.quality.validation import ROW_ID, SuiteRunner

Notify = Callable[[Alert], None]
SUITE = "inventory_snapshot"


@dataclass
class ValidatedSnapshot:
    good: pa.Table
    quarantined: int
    quarantine_path: str | None
    blocked: list[str] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)    # rule -> failing rows
    docs_index: str | None = None


def validate_snapshot(snapshot: pa.Table, previous_rows: int | None, settings: InventorySettings, run_dir: Path,
                      source: str, run_id: str, notify: Notify) -> ValidatedSnapshot:
    frame = inventory_suite.prepare(snapshot.to_pandas(), settings.negative_allowed)
    runner = SuiteRunner(SUITE, inventory_suite.rules(previous_rows, settings.min_row_ratio, settings.max_row_ratio),
                         key_column="_key")
    report = runner.run(frame, settings.docs_root, docs_for_passing=False)
    blocked = [f"failed: {r.rule} — this snapshot has {snapshot.num_rows} rows" for r in report.batch_failures]
    bad_rows = sorted(report.row_failures)
    mask = pa.array(~frame[ROW_ID].isin(bad_rows).to_numpy())
    good = snapshot.filter(mask)
    quarantine_path = None
    if bad_rows:
        run_dir.mkdir(parents=True, exist_ok=True)
        quarantine_path = str(run_dir / "quarantine.parquet")
        bad = snapshot.filter(pc.invert(mask))
        reasons = ["; ".join(report.row_failures[row]) for row in bad_rows]
        pq.write_table(bad.append_column("_failed_rules", pa.array(reasons, pa.string())), quarantine_path)
    if not report.success:
        notify(snapshot_alert(settings.flow, run_id, source, report, len(bad_rows), quarantine_path, blocked))
    return ValidatedSnapshot(good, len(bad_rows), quarantine_path, blocked,
                             {r.rule: r.unexpected_count for r in report.failed_rules}, report.docs_index)
