"""An Odoo sandbox database file an older sandbox made (`make up` keeps its files between runs) is made
again when this sandbox's schema has a column it lacks, instead of failing every call that touches it."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from retail_sync_sandbox.odoo.database import Database
from retail_sync_sandbox.odoo.seed import SeedCredentials, seed_demo


def database(path) -> Database:
    creds = SeedCredentials(admin_password="admin-" + "x" * 10)
    return Database("odoo", f"sqlite:///{path}", 17, lambda env: seed_demo(env, creds))


def columns(path, table: str) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[1] for row in conn.execute(f"pragma table_info({table})")}


def test_a_database_without_a_column_of_this_sandbox_is_made_again(tmp_path, caplog):
    path = tmp_path / "odoo.sqlite"
    database(path).ensure_schema()
    with sqlite3.connect(path) as conn:      # as a sandbox made before account.move had the column
        for (index,) in conn.execute("select name from sqlite_master where type = 'index' "
                                     "and sql like '%sequence_prefix%'").fetchall():
            conn.execute(f"drop index {index}")
        conn.execute("alter table account_move drop column sequence_prefix")
        conn.execute("insert into res_partner (name, active) values ('left by the old sandbox', 1)")
    assert "sequence_prefix" not in columns(path, "account_move")
    database(path).ensure_schema()
    assert "sequence_prefix" in columns(path, "account_move")
    assert "making it again" in caplog.text and "account_move.sequence_prefix" in caplog.text
    with sqlite3.connect(path) as conn:
        assert conn.execute("select count(*) from res_partner where name = 'left by the old sandbox'").fetchone() == (0,)
        assert conn.execute("select count(*) from res_users").fetchone()[0] > 0


def test_a_current_database_is_kept_as_it_is(tmp_path):
    path = tmp_path / "odoo.sqlite"
    database(path).ensure_schema()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("insert into res_partner (name, active) values ('kept', 1)"))
    engine.dispose()
    database(path).ensure_schema()
    with sqlite3.connect(path) as conn:
        assert conn.execute("select count(*) from res_partner where name = 'kept'").fetchone() == (1,)
