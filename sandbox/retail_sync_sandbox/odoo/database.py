"""One served Odoo database: its SQL engine, registry, seed, and the one-transaction-per-call rule."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from . import models  # noqa: F401  (declares the models)
from .constraints import integrity_message
from .exceptions import SerializationFailure, ValidationError
from .registry import Env, Registry

RETRYABLE_PGCODES = {"40001", "40P01", "55P03"}
MAX_TRIES_ON_CONCURRENCY_FAILURE = 5


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            return sa.create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
        return sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    # Odoo runs every request in REPEATABLE READ: concurrent writers really do see serialization failures.
    return sa.create_engine(url, isolation_level="REPEATABLE READ", pool_size=8, pool_pre_ping=True)


class Database:
    def __init__(self, name: str, url: str, version: int, seeder: Callable[[Env], None]):
        self.name = name
        self.version = version
        self.engine = make_engine(url)
        self.registry = Registry(version)
        self.registry.declare_relations()
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
            self.registry.metadata.drop_all(self.engine)
            self.registry.metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                self.seeder(Env(self.registry, conn, 1, su=True, database=self))

    def ensure_schema(self) -> None:
        """Create and seed the schema unless the database already holds it (a file or server DB)."""
        with self._guard():
            if sa.inspect(self.engine).has_table("res_users"):
                return
        self.reset()

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
