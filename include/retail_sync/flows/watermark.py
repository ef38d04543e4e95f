"""How far an incremental pull may say it has got: the watermark advances only to the highest
replication value up to which every record pulled has an outcome (loaded, skipped as unchanged,
quarantined, dead-lettered), and the next pull starts an overlap window before it.

A flow reads `Watermark.since()`, passes it as `since` to the source, feeds every page to a
`PullProgress`, settles records as their outcomes are known, calls `finish()` once the stream has
run to its last page, and `Watermark.advance(progress)` at the end (or after any batch): a crash at
any point leaves the watermark at or before the first record that has no outcome, so the next run
reads that record again, and the sync ledger makes what it reads twice cost nothing.

What has not been pulled yet matters too. A stream whose pages come in replication order proves,
even half-way, that nothing unseen is older than its last page; a stream in any other order (WooCommerce
by id, Stripe newest first) proves nothing until it is complete, so its watermark waits for `finish()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from retail_sync.channels.source import Page, Stream
from retail_sync.channels.timestamps import parse_iso
from retail_sync.state.store import StateStore

# Sources commit a record's update time before the record is visible to a list (Shopify's search index,
# a WooCommerce write in flight): a record stamped just before the last pull may appear only after it.
DEFAULT_OVERLAP = timedelta(minutes=10)


class Outcome(StrEnum):
    LOADED = "loaded"
    SKIPPED = "skipped"              # unchanged since it was loaded (the ledger's digest matches)
    QUARANTINED = "quarantined"
    DEAD_LETTERED = "dead_lettered"


@dataclass
class PullProgress:
    """The records one pull of one stream delivered, and which of them have an outcome yet."""

    stream: Stream
    # key -> {replication value: outcome or None}: a record updated during the pull comes again with a
    # newer value, and that version needs its own outcome.
    records: dict[str, dict[str | None, Outcome | None]] = field(default_factory=dict)
    seen_up_to: str | None = None    # the highest replication value of any page delivered
    complete: bool = False

    def pulled(self, page: Page) -> None:
        if page.stream != self.stream:
            raise ValueError(f"a page of {page.stream.name} fed to the progress of {self.stream.name}")
        if self.stream.replication_column is None:
            raise ValueError(f"{self.stream.name} is read whole every time: it has no watermark")
        for key, value in page.replication_values():
            self.records.setdefault(key, {}).setdefault(value, None)
        if page.max_replication_value and (self.seen_up_to is None or page.max_replication_value > self.seen_up_to):
            self.seen_up_to = page.max_replication_value

    def settle(self, keys: Iterable[str], outcome: Outcome) -> None:
        """Give every pulled version of these records an outcome."""
        outcome = Outcome(outcome)
        keys = list(keys)
        unknown = [key for key in keys if key not in self.records]
        if unknown:
            raise ValueError(f"{len(unknown)} record(s) settled that this pull never delivered, e.g. {unknown[0]}")
        for key in keys:
            versions = self.records[key]
            for value in versions:
                versions[value] = outcome

    def finish(self) -> None:
        """The stream ran to its last page: nothing more can come from before `seen_up_to`."""
        self.complete = True

    def pending(self) -> list[str]:
        return [key for key, versions in self.records.items() if None in versions.values()]

    def frontier(self) -> str | None:
        """The highest replication value V such that every record at or before V has an outcome, or None."""
        if not self.complete and not self.stream.ordered:
            return None
        settled = [value for versions in self.records.values() for value, outcome in versions.items()
                   if outcome is not None and value is not None]
        waiting = [value for versions in self.records.values() for value, outcome in versions.items()
                   if outcome is None]
        if None in waiting:              # a record without a replication value cannot be placed: wait for it
            return None
        limits = list(waiting)
        if not self.complete and self.seen_up_to is not None:
            # Ordered and half-way: records not delivered yet are at or after the last page's highest value.
            limits.append(self.seen_up_to)
        below = min(limits) if limits else None
        candidates = [value for value in settled if below is None or value < below]
        return max(candidates) if candidates else None


@dataclass(frozen=True)
class Watermark:
    """One flow's position in one channel, kept in the state store."""

    store: StateStore
    flow: str
    channel: str
    overlap: timedelta = DEFAULT_OVERLAP

    def value(self) -> str | None:
        return self.store.watermark(self.flow, self.channel)

    def since(self) -> datetime | None:
        """Where the next pull starts: the watermark, less the overlap window (None: from the beginning)."""
        value = self.value()
        return parse_iso(value) - self.overlap if value else None

    def advance(self, progress: PullProgress) -> str | None:
        """Move the watermark to the pull's frontier (never backwards); returns the watermark now."""
        frontier = progress.frontier()
        if frontier is None:
            return self.value()
        return self.store.advance_watermark(self.flow, self.channel, frontier)
