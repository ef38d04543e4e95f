"""Catalog publishing, step 1: read a feed file, validate it with GX, split good from quarantined.

Every row ends in exactly one place: the good Parquet file (canonical Products) or the quarantine
(Parquet + dead letters with the rules it failed). A file that cannot be read is rejected whole; a
batch whose gates fail (row count collapsed, too many bad rows) is blocked whole. Both alert.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow.parquet as pq

from retail_sync.alerts.messages import Alert, rejected_file_alert, validation_alert
from retail_sync.feeds.pim import FeedFormatError, read_feed, to_canonical
from retail_sync.flows.catalog.settings import CatalogSettings
from retail_sync.quality import product_suite
from retail_sync.quality.validation import run_suite
from retail_sync.state.store import StateStore

Notify = Callable[[Alert], None]


class FeedRejected(Exception):
    """The file cannot be read at all; it is marked rejected and will not be tried again."""


class BatchBlocked(Exception):
    """A batch gate failed: nothing of this file goes to Odoo until the cause is fixed."""


@dataclass
class ValidatedFeed:
    uri: str
    fingerprint: str
    good_path: str
    quarantine_path: str | None
    rows: int
    good: int
    quarantined: int
    docs_index: str | None

    def to_xcom(self) -> dict:
        return asdict(self)


def validate_feed(uri: str, settings: CatalogSettings, store: StateStore, run_id: str,
                  notify: Notify) -> ValidatedFeed | None:
    """None when this exact file was already published (each file is processed once)."""
    flow = settings.flow
    try:
        feed = read_feed(uri)
    except FeedFormatError as exc:
        if store.claim_file(flow, exc.fingerprint, uri, run_id):
            store.finish_file(flow, exc.fingerprint, status="rejected")
            notify(rejected_file_alert(flow, run_id, uri, str(exc)))
        raise FeedRejected(str(exc)) from None
    if not store.claim_file(flow, feed.fingerprint, uri, run_id):
        return None
    frame = product_suite.prepare(feed.rows, feed.attribute_columns)
    rules = product_suite.rules()
    previous = store.metrics(flow).get("rows_read")
    if previous:
        rules.append(product_suite.row_count_rule(int(previous), settings.min_row_ratio))
    report = run_suite(frame, "catalog_products", rules, settings.docs_root, key_column="sku")
    bad_rows = set(report.row_failures)
    good = frame[~frame["_row"].isin(bad_rows)]
    quarantined = frame[frame["_row"].isin(bad_rows)]
    run_dir = Path(settings.staging_root) / flow / _safe(run_id) / feed.fingerprint[:16]
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
        notify(validation_alert(flow, run_id, uri, report, len(quarantined), quarantine_path, blocked))
    if blocked:
        raise BatchBlocked("; ".join(blocked))
    good_path = str(run_dir / "good.parquet")
    pq.write_table(to_canonical(good, feed.attribute_columns), good_path)
    return ValidatedFeed(uri, feed.fingerprint, good_path, quarantine_path, len(frame), len(good),
                         len(quarantined), report.docs_index)


def dead_letter_key(row: dict, repeated_skus: set, fingerprint: str) -> str:
    """One dead letter per SKU; a SKU that appears twice gets one per row, so neither row is lost."""
    sku = row.get("sku")
    if not sku:
        return f"pim:row:{fingerprint[:12]}:{row['_row']}"
    return f"pim:product:{sku}@row{row['_row']}" if sku in repeated_skus else f"pim:product:{sku}"


def _write_quarantine(rows, columns, failures, path: str) -> None:
    frame = rows[[c for c in columns]].copy()
    frame["_failed_rules"] = [json.dumps(failures[r]) for r in frame["_row"]]
    frame.astype({c: "string" for c in frame.columns if c != "_row"}).to_parquet(path, index=False)


def _safe(run_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in run_id)
