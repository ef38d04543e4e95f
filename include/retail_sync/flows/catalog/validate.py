"""Catalog step: a read feed → GX validation → good rows (canonical Products, Parquet) and quarantine.

Every row ends in exactly one place: the good Parquet file or the quarantine (Parquet + dead letters
with the rules it failed). A batch whose gates fail (row count collapsed, too many bad rows) is
blocked whole. Both alert.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from retail_sync.alerts.messages import Alert, validation_alert
from retail_sync.canonical.keys import feed_row_key, product_key
from retail_sync.feeds.pim import Feed, to_canonical
from retail_sync.flows.catalog.settings import CatalogSettings
from retail_sync.quality import product_suite
from retail_sync.quality.validation import run_suite
from retail_sync.state.store import StateStore

Notify = Callable[[Alert], None]


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


def validate_feed(feed: Feed, run_dir: Path, settings: CatalogSettings, store: StateStore, run_id: str,
                  notify: Notify) -> ValidatedFeed:
    flow = settings.flow
    frame = product_suite.prepare(feed.rows, feed.attribute_columns)
    rules = product_suite.rules()
    previous = store.metrics(flow).get("rows_read")
    if previous:
        rules.append(product_suite.row_count_rule(int(previous), settings.min_row_ratio))
    report = run_suite(frame, "catalog_products", rules, settings.docs_root, key_column="sku")
    bad_rows = set(report.row_failures)
    good = frame[~frame["_row"].isin(bad_rows)]
    quarantined = frame[frame["_row"].isin(bad_rows)]
    run_dir.mkdir(parents=True, exist_ok=True)
    quarantine_path = None
    if len(quarantined):
        quarantine_path = str(run_dir / "quarantine.parquet")
        _write_quarantine(quarantined, feed.rows.columns, report.row_failures, quarantine_path)
        repeated = set(frame["sku"][frame["sku"].duplicated(keep=False)].dropna())
        for row in quarantined.to_dict("records"):
            key = dead_letter_key(row, repeated, feed.fingerprint)
            payload = {c: row.get(c) for c in feed.rows.columns if c != "_problem"}
            store.dead_letter(flow, key, payload, "; ".join(report.row_failures[row["_row"]]), "validate", run_id)
    blocked = [f"failed: {r.rule}" for r in report.batch_failures]
    share = len(quarantined) / max(len(frame), 1)
    if share > settings.max_quarantine_share:
        blocked.append(f"{share:.0%} of rows quarantined, above the {settings.max_quarantine_share:.0%} limit")
    if not report.success or blocked:
        notify(validation_alert(flow, run_id, feed.uri, report, len(quarantined), quarantine_path, blocked))
    if blocked:
        raise BatchBlocked("; ".join(blocked))
    good_path = str(run_dir / "good.parquet")
    pq.write_table(to_canonical(good, feed.attribute_columns), good_path)
    return ValidatedFeed(good_path, quarantine_path, len(frame), len(good), len(quarantined), report.docs_index)


def dead_letter_key(row: dict, repeated_skus: set, fingerprint: str) -> str:
    """One dead letter per SKU; a SKU that appears twice gets one per row, so neither row is lost."""
    sku = row.get("sku")
    if not sku:
        return feed_row_key(fingerprint, row["_row"])
    return f"{product_key(sku)}@row{row['_row']}" if sku in repeated_skus else product_key(sku)


def _write_quarantine(rows, columns, failures, path: str) -> None:
    frame = rows[[c for c in columns]].copy()
    frame["_failed_rules"] = [json.dumps(failures[r]) for r in frame["_row"]]
    frame.astype({c: "string" for c in frame.columns if c != "_row"}).to_parquet(path, index=False)
