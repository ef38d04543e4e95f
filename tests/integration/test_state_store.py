"""The state store on SQLite and on PostgreSQL (a throwaway cluster the tests start)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from retail_sync.state import schema
from retail_sync.state.store import LedgerEntry, StateStore


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return StateStore(f"sqlite:///{tmp_path}/state.sqlite")
    return StateStore(request.getfixturevalue("postgres_server")("state"))


def test_schema_is_created_and_versioned(store):
    assert store.schema_version() == schema.CURRENT_VERSION
    StateStore(store.url)  # opening again upgrades nothing and fails nothing
    assert store.schema_version() == schema.CURRENT_VERSION
    assert {"rs_sync_ledger", "rs_watermarks", "rs_dead_letters", "rs_run_metrics"} <= set(
        sa.inspect(store.engine).get_table_names())


def test_ledger_upsert_and_lookup(store):
    store.record_loaded([LedgerEntry("pim:product:A", "product.product", 1, "d1"),
                         LedgerEntry("pim:product:B", "product.product", 2, "d2")], run_id="r1")
    store.record_loaded([LedgerEntry("pim:product:A", "product.product", 1, "d3")], run_id="r2")
    found = store.ledger(["pim:product:A", "pim:product:B", "pim:product:C"])
    assert {k: e.digest for k, e in found.items()} == {"pim:product:A": "d3", "pim:product:B": "d2"}


def test_ledger_lookup_in_chunks(store):
    store.record_loaded([LedgerEntry(f"k{i}", "m", i, "d") for i in range(1_234)])
    assert len(store.ledger(f"k{i}" for i in range(2_000))) == 1_234


def test_two_writers_racing_on_one_ledger_key(store):
    barrier = threading.Barrier(2)
    errors = []

    def writer(digest):
        other = StateStore(store.url)
        barrier.wait()
        for i in range(40):
            try:
                other.record_loaded([LedgerEntry("race:key", "res.partner", 7, f"{digest}{i}")])
            except Exception as exc:  # collected: the test asserts there are none
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(d,)) for d in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entry = store.ledger(["race:key"])["race:key"]
    assert entry.digest in {"a39", "b39"}
    with store.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(schema.sync_ledger)) == 1


def test_watermarks_only_move_forward(store):
    assert store.watermark("orders", "shopify:eu") is None
    assert store.advance_watermark("orders", "shopify:eu", "2026-11-01T10:00:00Z") == "2026-11-01T10:00:00Z"
    assert store.advance_watermark("orders", "shopify:eu", "2026-10-01T00:00:00Z") == "2026-11-01T10:00:00Z"
    assert store.advance_watermark("orders", "shopify:eu", "2026-11-02T00:00:00Z") == "2026-11-02T00:00:00Z"
    assert store.watermark("orders", "shopify:us") is None


def test_dead_letters_count_attempts_and_settle(store):
    store.dead_letter("catalog", "pim:product:X", {"sku": "X", "price": "-1"}, "price below zero", "validate", "r1")
    store.dead_letter("catalog", "pim:product:X", {"sku": "X", "price": "-2"}, "price below zero", "validate", "r2")
    [letter] = store.dead_letters("catalog")
    assert letter.attempts == 2 and letter.payload == {"sku": "X", "price": "-2"} and letter.status == "open"
    assert store.settle_dead_letters("catalog", ["pim:product:X"]) == 1
    assert store.dead_letters("catalog") == []
    assert store.dead_letters("catalog", status="resolved")[0].key == "pim:product:X"


def test_metrics(store):
    store.record_metrics("catalog", "r1", {"rows_loaded": 10, "rows_quarantined": 2}, {"file": "feed.csv"})
    assert store.metrics("catalog", "r1") == {"rows_loaded": 10.0, "rows_quarantined": 2.0}


def test_a_file_is_claimed_once(store):
    assert store.claim_file("catalog", "f" * 64, "landing/feed.csv", run_id="r1") is True
    assert store.claim_file("catalog", "f" * 64, "landing/feed.csv", run_id="r1") is True  # a retry of r1
    # Another run is refused while r1's lease holds; once it ran out (r1 died), the next run takes it over.
    assert store.claim_file("catalog", "f" * 64, "landing/feed.csv", run_id="r2") is False
    assert store.claim_file("catalog", "f" * 64, "landing/feed.csv", run_id="r2", lease_seconds=0) is True
    assert store.claim_file("catalog", "f" * 64, "landing/feed.csv", run_id="r1") is False
    store.finish_file("catalog", "f" * 64)
    assert store.claim_file("catalog", "f" * 64, "landing/feed-copy.csv", run_id="r3") is False
    assert store.file_status("catalog", "f" * 64) == "done"


def test_create_database_command_on_postgresql(postgres_server):
    from retail_sync.state.create_database import main

    url = postgres_server("seed")
    fresh = url.rsplit("/", 1)[0] + "/made_by_init"
    main(fresh)
    main(fresh)  # the second time finds it there
    assert StateStore(fresh).schema_version() == schema.CURRENT_VERSION
