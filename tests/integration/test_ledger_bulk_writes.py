"""The ledger's bulk paths (plain driver SQL, a chunk of rows per statement) on SQLite and PostgreSQL: the
upsert keeps its semantics, the timestamp reads back as SQLAlchemy's own, and settling dead letters closes
exactly the open letters of the keys given."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from retail_sync.state import schema
from retail_sync.state.store import LEDGER_CHUNK, LedgerEntry, StateStore, utcnow


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return StateStore(f"sqlite:///{tmp_path}/state.sqlite")
    return StateStore(request.getfixturevalue("postgres_server")("ledger_bulk"))


def test_a_bulk_upsert_keeps_the_last_entry_of_a_key_and_reads_back(store):
    before = utcnow()
    count = LEDGER_CHUNK * 2 + 7     # three statements, the last one short
    entries = [LedgerEntry(f"pim:product:{i}", "product.product", i + 1, f"d{i}") for i in range(count)]
    entries.append(LedgerEntry("pim:product:3", "product.product", 99, "again"))   # the same key twice in one batch
    assert store.record_loaded(entries, run_id="r1") == count
    store.record_loaded([LedgerEntry("pim:product:5", "product.template", 55, "newer")], run_id="r2")
    found = store.ledger([f"pim:product:{i}" for i in range(count + 10)])
    assert len(found) == count
    assert found["pim:product:3"] == LedgerEntry("pim:product:3", "product.product", 99, "again")
    assert found["pim:product:5"] == LedgerEntry("pim:product:5", "product.template", 55, "newer")
    assert found[f"pim:product:{count - 1}"].odoo_id == count
    with store.engine.connect() as conn:
        table = schema.sync_ledger
        loaded_at, run_id = conn.execute(sa.select(table.c.loaded_at, table.c.run_id)
                                         .where(table.c.key == "pim:product:3")).one()
    assert run_id == "r1" and isinstance(loaded_at, dt.datetime)
    assert before.replace(tzinfo=None) <= loaded_at.replace(tzinfo=None) <= utcnow().replace(tzinfo=None)
    assert store.record_loaded([]) == 0 and store.ledger([]) == {}


def test_settling_closes_only_the_open_letters_of_the_keys_given(store):
    for key in ("pim:product:A", "pim:product:B", "pim:product:C"):
        store.dead_letter("catalog", key, {"sku": key}, "refused", "load", "r1")
    store.dead_letter("orders", "pim:product:A", {}, "refused", "load", "r1")     # another flow's letter
    started = utcnow()
    store.dead_letter("catalog", "pim:product:C", {"sku": "C"}, "refused again", "load", "r2")  # written meanwhile
    loaded = {f"pim:product:{i}" for i in range(LEDGER_CHUNK * 2)} | {"pim:product:A", "pim:product:C"}
    assert store.settle_dead_letters("catalog", loaded, before=started) == 1
    assert {letter.key for letter in store.dead_letters("catalog")} == {"pim:product:B", "pim:product:C"}
    assert [letter.key for letter in store.dead_letters("orders")] == ["pim:product:A"]
    assert store.settle_dead_letters("catalog", ["pim:product:C"]) == 1      # no `before`: any open letter
    assert store.settle_dead_letters("catalog", ["pim:product:C"]) == 0      # closed already
    assert store.settle_dead_letters("catalog", []) == 0
