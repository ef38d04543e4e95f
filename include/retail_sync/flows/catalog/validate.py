"""Catalog step: a read feed → GX validation → good rows (canonical Products, Parquet) and quarantine.

Every row ends in exactly one place: the good Parquet file or the quarantine (Parquet + dead letters
with the rules it failed). A batch whose gates fail (row count collapsed, too many bad rows) is
blocked whole. Both alert.

The file is validated in batches of `settings.validate_batch_rows` rows, so memory stays a small
multiple of one batch rather than of the file: each batch is checked with GX, its good rows appended
to the good Parquet, its bad rows to the quarantine. The rules across rows (SKU unique in the file, one
SKU per variant, the row-count and quarantine-share gates) use the whole file's figures, which the reader
kept while parsing the file (its key columns), so a batch boundary changes nothing. Data Docs are built for the batches that
have failures (a clean batch adds nothing a person needs to open).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from retail_sync.alerts.messages import Alert, validation_alert
from retail_sync.canonical.keys import feed_row_key, product_key
from retail_sync.canonical.product import PRODUCT_SCHEMA
from retail_sync.feeds.pim import Feed, to_canonical
from retail_sync.flows.catalog.settings import CatalogSettings
from retail_sync.quality import product_suite
from retail_sync.quality.validation import SHOWN_ROWS, FailingRow, RuleResult, SuiteRunner, ValidationReport
from retail_sync.state.store import StateStore

Notify = Callable[[Alert], None]
SUITE = "catalog_products"
CONVERSION_RULE = "row converts to a product (decimals, dates, flags)"


class BatchBlocked(Exception):
    """A batch gate failed: nothing of this file goes to Odoo until the cause is fixed."""


@dataclass
class ValidatedFeed:
    good_path: str
    quarantine_path: str | None
    rows: int
    good: int
    quarantined: int
    docs_index: str | None


@dataclass
class _Tally:
    """The batches' reports folded into one, for the alert: counts and the first examples per rule."""

    results: dict[str, RuleResult] = field(default_factory=dict)
    rows: int = 0
    docs_index: str | None = None

    def add(self, report: ValidationReport) -> None:
        self.rows += report.evaluated_rows
        self.docs_index = report.docs_index or self.docs_index
        for result in report.results:
            self.count(result.rule, result.column, result.unexpected_count, result.rows, result.success)

    def count(self, rule: str, column: str | None, unexpected: int, rows: list[FailingRow], success: bool) -> None:
        total = self.results.setdefault(rule, RuleResult(rule, column, True, 0, []))
        total.success = total.success and success
        total.unexpected_count += unexpected
        total.rows = (total.rows + list(rows))[:SHOWN_ROWS]

    def report(self) -> ValidationReport:
        results = list(self.results.values())
        return ValidationReport(SUITE, all(r.success for r in results), self.rows, results, {}, self.docs_index)


def validate_feed(feed: Feed, run_dir: Path, settings: CatalogSettings, store: StateStore, run_id: str,
                  notify: Notify, batch_rows: int | None = None) -> ValidatedFeed:
    """Validate `feed` in batches of `batch_rows` (default: the settings'; 0: the whole file at once)."""
    flow = settings.flow
    size = settings.validate_batch_rows if batch_rows is None else batch_rows
    keys = product_suite.FileKeys.of(feed.keys, feed.attribute_columns)
    run_dir.mkdir(parents=True, exist_ok=True)
    good_path, quarantine_path = str(run_dir / "good.parquet"), str(run_dir / "quarantine.parquet")
    tally = _Tally()
    good = quarantined = 0
    quarantine_schema = pa.schema([*(pa.field(c, pa.string()) for c in feed.columns),
                                   pa.field("_row", pa.int64()), pa.field("_raw", pa.string()),
                                   pa.field("_failed_rules", pa.string())])
    with pq.ParquetWriter(good_path, PRODUCT_SCHEMA) as good_writer, \
            _LazyWriter(quarantine_path, quarantine_schema) as quarantine_writer:
        runner = SuiteRunner(SUITE, product_suite.rules(feed.attribute_columns), key_column="sku")
        for batch in feed.batches(size):
            frame = product_suite.prepare(batch, feed.attribute_columns, keys)
            # Data Docs show the batches that failed; clean batches skip the costly site build.
            report = runner.run(frame, settings.docs_root, docs_for_passing=False)
            tally.add(report)
            problems = dict(zip(frame["_row"], frame["_problem"]))
            failures = {row: [f"{name}: {problems[row]}" if name == product_suite.READABLE and problems.get(row)
                              else name for name in names] for row, names in report.row_failures.items()}
            passed = frame[~frame["_row"].isin(failures)]
            table, unconverted = to_canonical(passed)
            skus = dict(zip(frame["_row"], frame["sku"]))
            tally.count(CONVERSION_RULE, None, len(unconverted),
                        [FailingRow(int(row), skus.get(row), "value", reason) for row, reason in unconverted.items()],
                        not unconverted)
            for row, reason in unconverted.items():
                failures[row] = [f"{CONVERSION_RULE}: {reason}"]
            good_writer.write_table(table)
            good += table.num_rows
            bad = frame[frame["_row"].isin(failures)]
            if len(bad):
                quarantined += len(bad)
                quarantine_writer.write(_quarantine_table(bad, feed.columns, failures, quarantine_schema))
                for row in bad.to_dict("records"):
                    payload = {c: row.get(c) for c in [*feed.columns, "_row", "_raw"]}
                    store.dead_letter(flow, dead_letter_key(row, keys.repeated_skus, feed.fingerprint), payload,
                                      "; ".join(failures[row["_row"]]), "validate", run_id)
    blocked = _gates(feed.row_count, quarantined, store.metrics(flow).get("rows_read"), settings, tally)
    report = tally.report()
    if not report.success or blocked:
        notify(validation_alert(flow, run_id, feed.uri, report, quarantined,
                                quarantine_path if quarantined else None, blocked))
    if blocked:
        raise BatchBlocked("; ".join(blocked))
    return ValidatedFeed(good_path, quarantine_path if quarantined else None, feed.row_count, good, quarantined,
                         report.docs_index)


def _gates(rows: int, quarantined: int, previous_rows, settings: CatalogSettings, tally: _Tally) -> list[str]:
    """The file-wide gates, on the whole file's counts."""
    blocked = []
    if previous_rows:
        minimum = int(int(previous_rows) * settings.min_row_ratio)
        rule = f"row count at least {settings.min_row_ratio:.0%} of the previous feed ({int(previous_rows)} rows)"
        tally.count(rule, None, 0, [], rows >= minimum)
        if rows < minimum:
            blocked.append(f"failed: {rule}")
    share = quarantined / max(rows, 1)
    if share > settings.max_quarantine_share:
        blocked.append(f"{share:.0%} of rows quarantined, above the {settings.max_quarantine_share:.0%} limit")
    return blocked


def dead_letter_key(row: dict, repeated_skus: set, fingerprint: str) -> str:
    """One dead letter per SKU; a SKU that appears twice gets one per row, so neither row is lost."""
    sku = row.get("sku")
    if not sku:
        return feed_row_key(fingerprint, row["_row"])
    return f"{product_key(sku)}@row{row['_row']}" if sku in repeated_skus else product_key(sku)


def _quarantine_table(rows, columns: list[str], failures: dict, schema: pa.Schema) -> pa.Table:
    data = {c: [None if v is None else str(v) for v in rows[c]] for c in columns}
    data["_row"] = [int(r) for r in rows["_row"]]
    data["_raw"] = [None if v is None else str(v) for v in rows["_raw"]]
    data["_failed_rules"] = [json.dumps(failures[r]) for r in data["_row"]]
    return pa.table(data, schema=schema)


class _LazyWriter:
    """A Parquet writer that creates its file only when the first table comes (no empty quarantine)."""

    def __init__(self, path: str, schema: pa.Schema):
        self.path, self.schema, self.writer = path, schema, None

    def write(self, table: pa.Table) -> None:
        self.writer = self.writer or pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(table)

    def __enter__(self) -> _LazyWriter:
        return self

    def __exit__(self, *exc) -> None:
        if self.writer is not None:
            self.writer.close()
