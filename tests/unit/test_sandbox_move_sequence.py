"""The sandbox's journal numbering (account.move's sequence prefix and number, as sequence.mixin stores
them): how a name splits, and that the next number is one lookup in the (journal, prefix, number) index —
the cost of posting must not grow with the journal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from retail_sync_sandbox.demo_orders import odoo_caller
from retail_sync_sandbox.odoo.app import OdooSandbox
from retail_sync_sandbox.odoo.models.account_move import split_sequence
from retail_sync_sandbox.odoo.seed import SeedCredentials


@pytest.mark.parametrize("name,expected", [
    ("INV/2026/00042", ("INV/2026/", 42)),
    ("PBNK1/2026/00001", ("PBNK1/2026/", 1)),
    ("/", ("", 0)),                           # no digits: all of it is the suffix
    ("", ("", 0)),
    (None, ("", 0)),
    ("2026-0007-A", ("2026-", 7)),          # a suffix without digits stays out of the number
    ("X1234567890123", ("X1234", 567890123)),   # at most nine digits: the rest is prefix
])
def test_a_name_splits_as_sequence_mixin_splits_it(name, expected):
    assert split_sequence(name) == expected


@pytest.fixture(scope="module")
def sandbox():
    return OdooSandbox(18, credentials=SeedCredentials("pw"))


def test_posted_names_are_stored_split_and_written_names_too(sandbox):
    odoo = odoo_caller(sandbox)
    partner = odoo("res.partner", "create", [{"name": "Split"}])[0]
    moves = odoo("account.move", "create", [{"move_type": "out_invoice", "partner_id": partner,
                                             "invoice_line_ids": [(0, 0, {"name": "x", "price_unit": 5.0})]}
                                            for _ in range(3)])
    odoo("account.move", "action_post", moves)
    rows = odoo("account.move", "read", moves, ["name", "sequence_prefix", "sequence_number"])
    assert [(r["sequence_prefix"], r["sequence_number"]) for r in rows] == [split_sequence(r["name"]) for r in rows]
    assert [r["sequence_number"] for r in rows] == [rows[0]["sequence_number"] + n for n in range(3)]
    [draft] = odoo("account.move", "create", [{"move_type": "entry", "name": "MISC/2026/0099"}])
    row = odoo("account.move", "read", [draft], ["sequence_prefix", "sequence_number"])[0]
    assert (row["sequence_prefix"], row["sequence_number"]) == ("MISC/2026/", 99)
    odoo("account.move", "write", [draft], {"name": "MISC/2026/0100"})
    assert odoo("account.move", "read", [draft], ["sequence_number"])[0]["sequence_number"] == 100


def test_the_last_number_of_a_prefix_is_read_from_the_index(sandbox):
    """SQLite's plan for the query _Sequences runs: a search of the index, not a scan of the journal."""
    db = sandbox.databases["odoo"]
    table = db.registry.specs["account.move"].table
    query = sa.select(sa.func.max(table.c.sequence_number)).where(
        table.c.journal_id == 1, table.c.sequence_prefix == "INV/2026/")
    with db.engine.connect() as conn:
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "SEARCH" in plan and "account_move_journal_id_sequence_prefix_sequence_number_index" in plan, plan
