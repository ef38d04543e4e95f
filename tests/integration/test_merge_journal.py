"""The partner-merge journal in the state store, on SQLite and PostgreSQL: a store from before the journal
gets its table on opening; entries are written before a merge and closed after, and read back whole."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from retail_sync.state import schema
from retail_sync.state.merge_journal import MERGED, REFUSED, SENT, MergeJournal
from retail_sync.state.store import StateStore


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/state.sqlite"
    return request.getfixturevalue("postgres_server")("journal")


def test_an_older_store_gets_the_journal_and_entries_round_trip(url):
    engine = sa.create_engine(url)
    older = [table for name, table in schema.metadata.tables.items() if name != "rs_partner_merges"]
    schema.metadata.create_all(engine, tables=older)
    assert not sa.inspect(engine).has_table("rs_partner_merges")
    engine.dispose()

    journal = MergeJournal(StateStore(url))
    snapshot = {"7": {"name": "Ann", "email": "ann@example.com"}, "9": {"name": "Ann", "email": "ann@example.com"}}
    first = journal.record_sent("7 <- 9", 7, [9], snapshot, 0.995, "run-1")
    second = journal.record_sent("7 <- 11,12", 7, [12, 11], {}, 0.999, "run-1")
    assert [e.status for e in journal.entries()] == [SENT, SENT]
    journal.close(first, MERGED)
    journal.close(second, REFUSED, "All contacts must have the same email.")

    [merged] = journal.entries(status=MERGED)
    assert (merged.destination_id, merged.source_ids, merged.snapshot, merged.probability) == (7, (9,), snapshot, 0.995)
    [refused] = journal.entries(status=REFUSED, run_id="run-1")
    assert refused.source_ids == (11, 12) and refused.error.startswith("All contacts")
    assert MergeJournal(StateStore(url), flow="other").entries() == []
