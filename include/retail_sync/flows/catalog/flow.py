"""The catalog flow's one entry point: a feed file in, an outcome out.

`CatalogFlow.publish_file` owns the whole unit of work for one file — read → claim → validate (GX) →
map → load (Odoo) → finish (ledger, metrics, dead-letter alert, file moved out of the landing folder).
It knows nothing of Airflow: the DAG's task calls it and turns the outcome into a task state, and the
tests drive exactly this. Expected outcomes (a rejected file, a blocked batch, a file seen before) come
back as values; anything else (Odoo down past the retry budget) raises, gives its claim back and leaves
the file in the landing folder, so a retry or a later run takes it up again.

Claims are exclusive leases in the state store: a run that claimed a file and died keeps it until
`claim_lease_seconds` pass. Files are published in landing order (a later file waits for the files that
landed before it), so when two files carry the same SKU the later file's value is the one that stays.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from retail_sync.alerts.messages import Alert, dead_letter_alert, rejected_file_alert
from retail_sync.feeds.landing import StillWriting, move_if_unchanged, pending_feeds, take
from retail_sync.feeds.pim import Feed, FeedFormatError, read_feed
from retail_sync.flows.catalog.publish import PublishResult, publish_catalog
from retail_sync.flows.catalog.settings import CatalogSettings
from retail_sync.flows.catalog.validate import BatchBlocked, ValidatedFeed, validate_feed
from retail_sync.flows.run_folders import safe_run_id
from retail_sync.odoo.client import OdooClient
from retail_sync.state.store import StateStore

Notify = Callable[[Alert], None]
ConnectOdoo = Callable[[], AbstractContextManager[OdooClient]]


class FileStatus(StrEnum):
    PUBLISHED = "published"                  # good rows loaded (or unchanged); bad rows quarantined/dead-lettered
    ALREADY_PUBLISHED = "already_published"  # these exact bytes were published before: nothing to do
    REJECTED = "rejected"                    # unreadable: nothing of it loaded, moved to rejected/
    BLOCKED = "blocked"                      # a batch gate failed: nothing of it loaded, moved to blocked/
    CLAIMED_ELSEWHERE = "claimed_elsewhere"  # another run holds this file: left alone
    STILL_WRITING = "still_writing"          # the file is still changing: left in landing for a later run
    DEFERRED = "deferred"                    # earlier-landed files still unpublished: left for a later run


@dataclass
class FileOutcome:
    uri: str
    status: FileStatus
    reason: str = ""
    fingerprint: str = ""
    rows: int = 0
    good: int = 0
    quarantined: int = 0
    loaded: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    overrode: int = 0            # rows that replaced a value an earlier file had loaded for the same SKU
    templates_written: int = 0
    rpc_calls: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    quarantine_path: str | None = None
    docs_index: str | None = None

    def to_xcom(self) -> dict:
        """Counts and paths only (never rows); the first 20 failures for the task log."""
        data = asdict(self)
        data["status"] = str(self.status)
        data["failures"] = dict(list(self.failures.items())[:20])
        return data


@dataclass
class CatalogFlow:
    settings: CatalogSettings
    store: StateStore
    connect: ConnectOdoo     # opened only when a file has rows to load
    notify: Notify
    run_id: str

    def pending_files(self) -> list[str]:
        return pending_feeds(self.settings.landing_folder)

    def publish_file(self, uri: str) -> FileOutcome:
        flow = self.settings.flow
        intake = Path(self.settings.staging_root) / flow / safe_run_id(self.run_id) / "intake"
        try:
            snapshot, fingerprint = take(uri, intake, self.settings.settle_seconds)
        except StillWriting as exc:
            return FileOutcome(uri, FileStatus.STILL_WRITING, str(exc))
        except FileNotFoundError:  # another run published (and moved) it since this task was planned
            return FileOutcome(uri, FileStatus.CLAIMED_ELSEWHERE, "another run has taken this file already")
        try:
            return self._publish(uri, snapshot, fingerprint)
        finally:
            Path(snapshot).unlink(missing_ok=True)

    def _publish(self, uri: str, snapshot: str, fingerprint: str) -> FileOutcome:
        flow = self.settings.flow
        try:
            feed = read_feed(snapshot, uri=uri, delimiter=self.settings.csv_delimiter, fingerprint=fingerprint)
        except FeedFormatError as exc:
            return self._reject(uri, exc)
        if not self._claim(feed.fingerprint, uri):
            if self.store.file_status(flow, feed.fingerprint) != "done":
                return FileOutcome(uri, FileStatus.CLAIMED_ELSEWHERE, "another run is publishing this file",
                                   feed.fingerprint)
            move_if_unchanged(uri, feed.fingerprint, "processed")
            return FileOutcome(uri, FileStatus.ALREADY_PUBLISHED, "these exact bytes were published before",
                               feed.fingerprint)
        try:
            return self._publish_claimed(uri, feed)
        except Exception:
            # A failure, not a crash: give the file back at once, so a retry or a later run takes it up (a crashed
            # holder loses it only when its lease runs out).
            self.store.release_file(flow, feed.fingerprint, self.run_id, uri)
            raise

    def _publish_claimed(self, uri: str, feed: Feed) -> FileOutcome:
        flow = self.settings.flow
        run_dir = Path(self.settings.staging_root) / flow / safe_run_id(self.run_id) / feed.fingerprint[:16]
        try:
            validated = self._validated(feed, run_dir)
        except BatchBlocked as exc:
            self.store.finish_file(flow, feed.fingerprint, status="blocked")
            move_if_unchanged(uri, feed.fingerprint, "blocked")
            return FileOutcome(uri, FileStatus.BLOCKED, str(exc), feed.fingerprint, rows=feed.row_count)
        if not self._wait_for_earlier_files(uri):
            self.store.release_file(flow, feed.fingerprint, self.run_id, uri)
            return FileOutcome(uri, FileStatus.DEFERRED, "files that landed earlier are not published yet",
                               feed.fingerprint, rows=feed.row_count)
        if not self._claim(feed.fingerprint, uri):  # renews the lease; false if it ran out and was taken over
            return FileOutcome(uri, FileStatus.CLAIMED_ELSEWHERE, "the claim ran out and another run took the file",
                               feed.fingerprint)
        with self.connect() as client:
            result = publish_catalog(validated.good_path, client, self.store, self.settings, self.run_id)
        moved = self._finish(uri, feed.fingerprint, validated.rows, validated.quarantined, result)
        reason = "" if moved else "the file changed after it was read: left in landing, to be taken as a new file"
        return FileOutcome(uri, FileStatus.PUBLISHED, reason, feed.fingerprint, validated.rows, validated.good,
                           validated.quarantined, result.loaded, result.skipped, result.dead_lettered,
                           result.overrode, result.templates_written, result.rpc_calls, result.failures,
                           validated.quarantine_path, validated.docs_index)

    def _claim(self, fingerprint: str, uri: str) -> bool:
        return self.store.claim_file(self.settings.flow, fingerprint, uri, self.run_id,
                                     self.settings.claim_lease_seconds)

    def _wait_for_earlier_files(self, uri: str) -> bool:
        """Files are published in landing order, so that of two files with the same SKU the later one wins: wait
        while any file that landed before this one is still in its landing folder (not yet published, blocked
        or rejected), whoever is working it. False if that lasts past `order_wait_seconds`."""
        deadline = time.monotonic() + self.settings.order_wait_seconds
        folder = uri.rsplit("/", 1)[0]
        while True:
            pending = pending_feeds(folder)
            if uri not in pending or pending.index(uri) == 0:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(self.settings.order_poll_seconds)

    def _validated(self, feed, run_dir: Path) -> ValidatedFeed:
        """Validate once per run: a retry of this run's task (Odoo was down after validation) resumes from the
        validated file instead of validating, dead-lettering and alerting a second time."""
        manifest = run_dir / "validated.json"
        if manifest.exists():
            validated = ValidatedFeed(**json.loads(manifest.read_text()))
            if Path(validated.good_path).exists():
                return validated
        validated = validate_feed(feed, run_dir, self.settings, self.store, self.run_id, self.notify)
        partial = manifest.with_suffix(".json.tmp")
        partial.write_text(json.dumps(asdict(validated)))
        partial.replace(manifest)  # written whole or not at all: a half manifest is never read
        return validated

    def _reject(self, uri: str, exc: FeedFormatError) -> FileOutcome:
        flow = self.settings.flow
        if self.store.claim_file(flow, exc.fingerprint, uri, self.run_id):
            self.store.finish_file(flow, exc.fingerprint, status="rejected")
            self.notify(rejected_file_alert(flow, self.run_id, uri, str(exc)))
        move_if_unchanged(uri, exc.fingerprint, "rejected")
        return FileOutcome(uri, FileStatus.REJECTED, str(exc), exc.fingerprint or "")

    def _finish(self, uri: str, fingerprint: str, rows: int, quarantined: int, result: PublishResult) -> bool:
        flow = self.settings.flow
        self.store.record_metrics(flow, self.run_id, {
            "rows_read": rows, "rows_quarantined": quarantined, "rows_loaded": result.loaded,
            "rows_skipped": result.skipped, "rows_dead_lettered": result.dead_lettered, "rpc_calls": result.rpc_calls,
            "rows_overridden": result.overrode,
        }, {"file": uri.rsplit("/", 1)[-1]})
        if result.failures:
            self.notify(dead_letter_alert(flow, self.run_id, uri, result.failures))
        self.store.finish_file(flow, fingerprint)
        # Never move bytes that were not the ones published: a file rewritten meanwhile is a new file.
        return move_if_unchanged(uri, fingerprint, "processed")
