"""The watermark helper on pages built by hand: it moves only as far as every record has an outcome,
waits for unordered streams to finish, and refuses what it cannot place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from retail_sync.channels.source import Page, Stream
from retail_sync.flows.watermark import Outcome, PullProgress, Watermark
from retail_sync.state.store import StateStore

ORDERED = Stream("orders", "orders", replication_key="updatedAt", replication_column="updated_at", ordered=True)
UNORDERED = Stream("orders", "orders", replication_key="date_modified_gmt", replication_column="updated_at",
                   ordered=False)
FULL_PASS = Stream("customers", "customers", replication_key=None, replication_column=None, ordered=False)
SCHEMA = pa.schema([("key", pa.string()), ("updated_at", pa.timestamp("s", tz="UTC"))])


def at(minute: int) -> datetime:
    return datetime(2026, 11, 1, 12, minute, tzinfo=UTC)


def iso(minute: int) -> str:
    return f"2026-11-01T12:{minute:02d}:00Z"


def page(stream: Stream, records: dict[str, int], resume_after: str | None = "next") -> Page:
    table = pa.Table.from_pylist([{"key": k, "updated_at": at(m)} for k, m in records.items()], schema=SCHEMA)
    return Page.of(stream, {stream.entity: table}, resume_after)


def test_a_page_carries_its_highest_replication_value_and_each_records_value():
    p = page(ORDERED, {"a": 3, "b": 7, "c": 5})
    assert p.max_replication_value == iso(7)
    assert p.replication_values() == [("a", iso(3)), ("b", iso(7)), ("c", iso(5))]
    assert page(ORDERED, {}).max_replication_value is None


def test_everything_settled_on_a_complete_pull_reaches_the_newest_record():
    progress = PullProgress(UNORDERED)
    progress.pulled(page(UNORDERED, {"a": 9, "b": 2}))
    progress.pulled(page(UNORDERED, {"c": 5}, resume_after=None))
    progress.settle(["a", "c"], Outcome.LOADED)
    progress.settle(["b"], Outcome.QUARANTINED)
    progress.finish()
    assert progress.frontier() == iso(9)


def test_a_record_without_an_outcome_holds_the_watermark_below_it_even_on_a_tie():
    progress = PullProgress(UNORDERED)
    progress.pulled(page(UNORDERED, {"a": 1, "b": 4, "tie": 4, "c": 6, "d": 8}, resume_after=None))
    progress.finish()
    progress.settle(["a", "tie", "c", "d"], Outcome.LOADED)
    assert progress.pending() == ["b"]
    assert progress.frontier() == iso(1)           # not 4: "b" at 4 has no outcome yet
    progress.settle(["b"], Outcome.DEAD_LETTERED)
    assert progress.frontier() == iso(8)


def test_nothing_settled_means_nothing_to_advance():
    progress = PullProgress(ORDERED)
    progress.pulled(page(ORDERED, {"a": 1}, resume_after=None))
    progress.finish()
    assert progress.frontier() is None


def test_an_ordered_pull_cut_half_way_advances_below_its_last_page_only():
    progress = PullProgress(ORDERED)
    progress.pulled(page(ORDERED, {"a": 1, "b": 2}))
    progress.pulled(page(ORDERED, {"c": 3, "d": 4}))
    progress.settle(["a", "b", "c", "d"], Outcome.SKIPPED)
    # The next, undelivered page may hold more records at 12:04: the watermark stays below it.
    assert progress.frontier() == iso(3)


def test_an_unordered_pull_cut_half_way_does_not_advance_at_all():
    progress = PullProgress(UNORDERED)
    progress.pulled(page(UNORDERED, {"a": 5, "b": 2}))
    progress.settle(["a", "b"], Outcome.LOADED)
    assert progress.frontier() is None
    progress.finish()
    assert progress.frontier() == iso(5)


def test_a_record_updated_during_the_pull_needs_an_outcome_for_its_new_version():
    progress = PullProgress(ORDERED)
    progress.pulled(page(ORDERED, {"a": 1, "b": 2}))
    progress.settle(["a", "b"], Outcome.LOADED)
    progress.pulled(page(ORDERED, {"c": 3, "a": 6}, resume_after=None))
    progress.finish()
    progress.settle(["c"], Outcome.LOADED)
    assert progress.pending() == ["a"] and progress.frontier() == iso(3)
    progress.settle(["a"], Outcome.LOADED)
    assert progress.frontier() == iso(6)


def test_bad_inputs_are_refused():
    progress = PullProgress(ORDERED)
    progress.pulled(page(ORDERED, {"a": 1}))
    with pytest.raises(ValueError, match="never delivered"):
        progress.settle(["a", "zz"], Outcome.LOADED)
    assert progress.pending() == ["a"]             # a refused call settles nothing
    with pytest.raises(ValueError):
        progress.settle(["a"], "half-loaded")
    with pytest.raises(ValueError, match="fed to the progress"):
        progress.pulled(page(UNORDERED, {"b": 2}))
    with pytest.raises(ValueError, match="no watermark"):
        PullProgress(FULL_PASS).pulled(page(FULL_PASS, {"c": 3}))


def test_a_record_without_a_replication_value_holds_the_watermark():
    progress = PullProgress(ORDERED)
    table = pa.Table.from_pylist([{"key": "a", "updated_at": at(1)}, {"key": "b", "updated_at": None}], schema=SCHEMA)
    progress.pulled(Page.of(ORDERED, {"orders": table}, None))
    progress.finish()
    progress.settle(["a"], Outcome.LOADED)
    assert progress.frontier() is None
    progress.settle(["b"], Outcome.QUARANTINED)
    assert progress.frontier() == iso(1)


def test_the_watermark_moves_forward_only_and_the_next_read_overlaps(tmp_path):
    mark = Watermark(StateStore(f"sqlite:///{tmp_path}/state.sqlite"), "orders", "shopify-eu",
                     overlap=timedelta(minutes=2))
    assert mark.since() is None
    progress = PullProgress(ORDERED)
    progress.pulled(page(ORDERED, {"a": 30, "b": 40}, resume_after=None))
    progress.finish()
    assert mark.advance(progress) is None          # no outcome yet: nothing written
    progress.settle(["a", "b"], Outcome.LOADED)
    assert mark.advance(progress) == iso(40)
    assert mark.since() == at(38)
    older = PullProgress(ORDERED)
    older.pulled(page(ORDERED, {"c": 10}, resume_after=None))
    older.finish()
    older.settle(["c"], Outcome.LOADED)
    assert mark.advance(older) == iso(40)          # an older pull never moves it back
