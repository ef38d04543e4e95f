"""The one protocol every channel source follows, the way dlt declares an `incremental` cursor and a
Singer tap its `replication_key`.

- A source offers **streams** (`orders`, `customers`, `payouts`): each is a method of the connector,
  named after the stream and called `stream(since=None, after=None)`, yielding `Page`s.
- **`since`** is the incremental position, one name on every source: the stream yields the records
  whose replication value is at or after `since` (inclusive, whatever the platform's own filter is).
  What the replication value is on each platform is the stream's `replication_key` (`Stream` below):
  Shopify `updatedAt`, WooCommerce `date_modified_gmt`, Stripe `created`. A stream without one is a
  full pass every time and refuses `since`.
- **`after`** resumes a pull: every page carries `resume_after`, the token to pass as `after` to
  continue with the page that follows it, so a pull that fails half-way restarts after the last page
  it delivered instead of from the start.
- Every page carries `max_replication_value`, the highest replication value it holds, and names the
  rows the cursor counts (`Stream.entity`) so the flow can advance its watermark record by record
  (`retail_sync.flows.watermark`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol, runtime_checkable

import pyarrow as pa
import pyarrow.compute as pc

from retail_sync.channels.http import ChannelConfig
from retail_sync.channels.timestamps import iso_z


@dataclass(frozen=True)
class Stream:
    """What one stream of a source is and how `since` applies to it."""

    name: str                        # the connector method that reads it
    entity: str                      # the canonical table whose rows the cursor counts
    replication_key: str | None      # the platform's field `since` compares with; None: full pass only
    replication_column: str | None   # that value's canonical column in `entity`
    ordered: bool                    # pages come in ascending replication order (then a half-done pull
                                     # still proves everything before its last page was seen)


@dataclass(frozen=True)
class Page:
    """One page of a stream: its canonical tables, where to resume after it, how far it reaches."""

    stream: Stream
    tables: dict[str, pa.Table]
    resume_after: str | None         # pass as `after` to continue after this page; None: nothing to resume
                                     # (the last page of a paged pull, or a page of a bulk file)
    max_replication_value: str | None   # the highest replication value on this page, ISO-8601 UTC text

    @classmethod
    def of(cls, stream: Stream, tables: dict[str, pa.Table], resume_after: str | None) -> Page:
        return cls(stream, tables, resume_after, max_replication_value(stream, tables[stream.entity]))

    @property
    def records(self) -> pa.Table:
        """The rows the cursor counts (the orders of an order page)."""
        return self.tables[self.stream.entity]

    @property
    def record_count(self) -> int:
        return self.records.num_rows

    def replication_values(self) -> list[tuple[str, str | None]]:
        """(key, replication value as ISO-8601 UTC text) of every record on the page."""
        keys = self.records.column("key").to_pylist()
        if self.stream.replication_column is None:
            return [(key, None) for key in keys]
        values = self.records.column(self.stream.replication_column).to_pylist()
        return [(key, iso_z(value) if value else None) for key, value in zip(keys, values, strict=True)]


def max_replication_value(stream: Stream, records: pa.Table) -> str | None:
    if stream.replication_column is None or records.num_rows == 0:
        return None
    newest = pc.max(records.column(stream.replication_column)).as_py()
    return iso_z(newest) if newest else None


class FullPassOnly(ValueError):
    """`since` was given to a stream the platform cannot filter by time."""


def check_since(platform: str, stream: Stream, since: datetime | None) -> None:
    if since is not None and stream.replication_key is None:
        raise FullPassOnly(f"{platform} {stream.name} cannot be read from a time ('since'): the platform has "
                           f"no filter for it; read it whole")


@runtime_checkable
class Source(Protocol):
    """A channel connector as the flows read it."""

    config: ChannelConfig
    streams: ClassVar[dict[str, Stream]]

    def pages(self, stream: str, since: datetime | None = None, after: str | None = None) -> Iterator[Page]: ...

    def close(self) -> None: ...


class StreamSource:
    """The `Source.pages` every connector shares: one entry point for any of its declared streams."""

    config: ChannelConfig
    streams: ClassVar[dict[str, Stream]] = {}

    def pages(self, stream: str, since: datetime | None = None, after: str | None = None) -> Iterator[Page]:
        declared = self.streams.get(stream)
        if declared is None:
            raise ValueError(f"{self.config.platform} has no stream {stream!r}; it has {sorted(self.streams)}")
        check_since(self.config.platform, declared, since)
        return getattr(self, declared.name)(since=since, after=after)
