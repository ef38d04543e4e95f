"""One served Odoo database: its SQL engine, registry, seed, and the one-transaction-per-call rule."""

from __future__ import annotations

import functools
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable
from contextlib import nullcontext
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from . import models  # noqa: F401  (declares the models)
from .constraints import integrity_message
from .exceptions import SerializationFailure, ValidationError
from .registry import Env, Registry

RETRYABLE_PGCODES = {"40001", "40P01", "55P03"}
MEMORY_URLS = ("sqlite://", "sqlite:///:memory:")
# Seeded in-memory databases kept to copy from (SQLite's backup API, milliseconds) instead of building the
# schema and seeding again (most of a sandbox's start-up: a test suite starts hundreds of sandboxes).
_SEEDED: dict[Hashable, sqlite3.Connection] = {}
_SEEDED_LOCK = threading.Lock()
MAX_TRIES_ON_CONCURRENCY_FAILURE = 5
log = logging.getLogger(__name__)


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        if url in MEMORY_URLS:
            return sa.create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
        return sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    # Odoo runs every request in REPEATABLE READ: concurrent writers really do see serialization failures.
    return sa.create_engine(url, isolation_level="REPEATABLE READ", pool_size=8, pool_pre_ping=True)


@functools.cache
def registry_of(version: int) -> Registry:
    """The models and tables of a version: the same for every database, built once (about a second)."""
    registry = Registry(version)
    registry.declare_relations()
    return registry


class Database:
    def __init__(self, name: str, url: str, version: int, seeder: Callable[[Env], None],
                 seed_key: Hashable | None = None):
        self.name = name
        self.version = version
        self.engine = make_engine(url)
        # Names what the seeder makes: an in-memory database seeded alike before is copied, not rebuilt.
        self.seed_key = (name, version, seed_key) if seed_key is not None and url in MEMORY_URLS else None
        self.registry = registry_of(version)
        self.seeder = seeder
        # uid -> group external ids; dropped whenever users or groups change (see Model._changed).
        self.groups_cache: dict[int, set[str]] = {}
        # (uid, credential) pairs already verified, as Odoo's uid cache; dropped with groups_cache.
        self.credential_cache: set[tuple[int, str]] = set()
        # SQLite has one writer at a time; serialize calls rather than fail them with "database is locked".
        self._lock = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    @property
    def serialized(self) -> bool:
        return self._lock is not None

    def reset(self) -> None:
        self.groups_cache.clear()
        self.credential_cache.clear()
        with self._guard():
            seeded = _SEEDED.get(self.seed_key) if self.seed_key is not None else None
            if seeded is not None:
                with _SEEDED_LOCK:
                    seeded.backup(self._sqlite())
                return
            self.registry.metadata.drop_all(self.engine)
            self.registry.metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                self.seeder(Env(self.registry, conn, 1, su=True, database=self))
            if self.seed_key is not None:
                copy = sqlite3.connect(":memory:", check_same_thread=False)
                self._sqlite().backup(copy)
                with _SEEDED_LOCK:
                    _SEEDED.setdefault(self.seed_key, copy)

    def _sqlite(self) -> sqlite3.Connection:
        """The in-memory database's one connection (StaticPool), outside any transaction."""
        return self.engine.raw_connection().driver_connection

    def ensure_schema(self) -> None:
        """Create and seed the schema unless the database already holds it (a file or server DB). A database
        an older sandbox made (a table or column this one has is missing: `make up` keeps its files) is made
        again: it is a sandbox's data, and every call would fail on it."""
        with self._guard():
            inspector = sa.inspect(self.engine)
            if inspector.has_table("res_users"):
                missing = self._missing_columns(inspector)
                if not missing:
                    return
                log.warning("Odoo sandbox database %s was made by an older sandbox (missing: %s); making it again",
                            self.name, ", ".join(missing[:5]) + (" …" if len(missing) > 5 else ""))
        self.reset()

    def _missing_columns(self, inspector) -> list[str]:
        tables = set(inspector.get_table_names())
        missing = []
        for table in self.registry.metadata.sorted_tables:
            if table.name not in tables:
                missing.append(table.name)
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            missing += [f"{table.name}.{column.name}" for column in table.columns if column.name not in present]
        return missing

    def _guard(self):
        return self._lock if self._lock is not None else nullcontext()

    def run(self, uid: int, context: dict | None, func: Callable[[Env], Any]) -> Any:
        """Run `func` in its own transaction, retried like Odoo's `retrying()` on concurrency errors."""
        for attempt in range(1, MAX_TRIES_ON_CONCURRENCY_FAILURE + 1):
            try:
                with self._guard(), self.engine.begin() as conn:
                    return func(Env(self.registry, conn, uid, context, database=self))
            except sa.exc.IntegrityError as exc:
                raise ValidationError(integrity_message(self.registry, exc)) from None
            except sa.exc.OperationalError as exc:
                code = getattr(exc.orig, "pgcode", None)
                if code not in RETRYABLE_PGCODES:
                    raise
                if attempt == MAX_TRIES_ON_CONCURRENCY_FAILURE:
                    raise SerializationFailure(str(exc.orig).strip()) from None
                time.sleep(random.uniform(0.0, 0.05 * 2 ** attempt))
        raise AssertionError("unreachable")
