"""The state store: SQLAlchemy 2 on SQLite (default, under the Airflow home) or PostgreSQL by URL.

Every write is an explicit short transaction; upserts use ON CONFLICT so that concurrent writers of
one key end with one row, never an integrity error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from retail_sync.state import schema

LEDGER_CHUNK = 500
# Key of the PostgreSQL advisory lock that serialises schema creation and upgrades (any constant of our own).
SCHEMA_LOCK_KEY = 0x72735F73636D  # "rs_scm"
SCHEMA_ATTEMPTS = 5
# How long a file claim holds before another run may take the file over (its holder presumably crashed).
DEFAULT_LEASE_SECONDS = 3600.0


def default_url() -> str:
    if os.environ.get("RETAIL_SYNC_STATE_URL"):
        return os.environ["RETAIL_SYNC_STATE_URL"]
    home = Path(os.environ.get("AIRFLOW_HOME", Path.home() / "airflow"))
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'retail_sync_state.sqlite'}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LedgerEntry(NamedTuple):
    """What the ledger holds of one record (a named tuple: a first load makes one per row it wrote)."""

    key: str
    model: str
    odoo_id: int
    digest: str


@dataclass(frozen=True)
class DeadLetter:
    id: int
    flow: str
    key: str
    payload: dict
    error: str
    stage: str
    attempts: int
    status: str


class StateStore:
    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        connect_args = {"timeout": 30} if self.url.startswith("sqlite") else {}
        self.engine = sa.create_engine(self.url, connect_args=connect_args)
        self._insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        self.ensure_schema()

    def ensure_schema(self) -> None:
        """Create the tables, then apply the upgrades this store has not seen yet.

        Several tasks may open a fresh store at once. On PostgreSQL they queue on an advisory lock held for
        the transaction (concurrent CREATE TABLEs would collide in the catalog with a UniqueViolation). On
        SQLite, which has no such lock, a process that loses the race (a table or version row that appeared
        meanwhile) simply looks again.
        """
        for attempt in range(1, SCHEMA_ATTEMPTS + 1):
            try:
                with self.engine.begin() as conn:
                    if self.engine.dialect.name == "postgresql":
                        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
                    schema.metadata.create_all(conn)
                    self._upgrade(conn)
                return
            except (sa.exc.IntegrityError, sa.exc.OperationalError):
                if attempt == SCHEMA_ATTEMPTS or self.engine.dialect.name == "postgresql":
                    raise

    @staticmethod
    def _upgrade(conn: sa.Connection) -> None:
        current = conn.scalar(sa.select(sa.func.max(schema.schema_version.c.version))) or 0
        if current == 0:
            conn.execute(sa.insert(schema.schema_version).values(version=1, applied_at=utcnow()))
            current = 1
        for version, statements in schema.UPGRADES:
            if version > current:
                for statement in statements:
                    conn.execute(sa.text(statement))
                conn.execute(sa.insert(schema.schema_version).values(version=version, applied_at=utcnow()))

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.max(schema.schema_version.c.version)))

    # ---------------------------------------------------------------- sync ledger
    def ledger(self, keys: Iterable[str]) -> dict[str, LedgerEntry]:
        keys = list(keys)
        found: dict[str, LedgerEntry] = {}
        with self.engine.connect() as conn:
            cursor = conn.connection.dbapi_connection.cursor()   # the driver's own rows: no Row object per entry
            try:
                for start in range(0, len(keys), LEDGER_CHUNK):
                    chunk = tuple(keys[start:start + LEDGER_CHUNK])
                    cursor.execute(self._ledger_lookup_sql(len(chunk)), chunk)
                    found.update((row[0], LedgerEntry(*row)) for row in cursor.fetchall())
            finally:
                cursor.close()
        return found

    def record_loaded(self, entries: Iterable[LedgerEntry | tuple[str, str, int, str]], run_id: str | None = None) -> int:
        """Upsert the entries (LedgerEntry, or plain tuples in its field order; the last one of a key wins), a
        chunk of rows per statement.

        A first load records every row it wrote, so this runs as plain driver SQL with a flat parameter list:
        SQLAlchemy's per-row, per-parameter processing of an executemany cost more than the upsert itself."""
        # One time for the batch (loaded by one call of the caller), appended to each entry's own fields.
        batch = (self._stored_timestamp(utcnow()), run_id)
        # One statement may not upsert a key twice (PostgreSQL refuses it): keep each key's last entry.
        rows = list({e[0]: e for e in entries}.values())
        with self.engine.begin() as conn:
            for start in range(0, len(rows), LEDGER_CHUNK):
                chunk = rows[start:start + LEDGER_CHUNK]
                params: list = []
                for entry in chunk:   # the flat parameter list, extended in place (no tuple per row)
                    params += entry
                    params += batch
                conn.exec_driver_sql(self._ledger_upsert_sql(len(chunk)), tuple(params))
        return len(rows)

    def _placeholders(self, count: int) -> str:
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"   # SQLite | psycopg2
        return ", ".join([mark] * count)

    def _ledger_lookup_sql(self, count: int) -> str:
        return (f"SELECT key, model, odoo_id, digest FROM {schema.sync_ledger.name} "
                f"WHERE key IN ({self._placeholders(count)})")

    def _ledger_upsert_sql(self, count: int) -> str:
        row = f"({self._placeholders(6)})"
        return (f"INSERT INTO {schema.sync_ledger.name} (key, model, odoo_id, digest, loaded_at, run_id) "
                f"VALUES {', '.join([row] * count)} ON CONFLICT (key) DO UPDATE SET model = excluded.model, "
                "odoo_id = excluded.odoo_id, digest = excluded.digest, loaded_at = excluded.loaded_at, "
                "run_id = excluded.run_id")

    def _stored_timestamp(self, value: dt.datetime):
        """A timestamp as SQLAlchemy's DateTime column would hand it to the driver (SQLite: its text)."""
        kind = schema.sync_ledger.c.loaded_at.type
        process = kind.dialect_impl(self.engine.dialect).bind_processor(self.engine.dialect)
        return process(value) if process else value

    # ---------------------------------------------------------------- watermarks
    def watermark(self, flow: str, channel: str) -> str | None:
        table = schema.watermarks
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(table.c.value).where(table.c.flow == flow, table.c.channel == channel))

    def advance_watermark(self, flow: str, channel: str, value: str) -> str:
        """Move the watermark forward to `value` (ISO timestamps compare as text); never backwards."""
        table = schema.watermarks
        stmt = self._insert(table).values(flow=flow, channel=channel, value=value, updated_at=utcnow())
        stmt = stmt.on_conflict_do_update(
            index_elements=["flow", "channel"],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
            where=table.c.value < stmt.excluded.value)
        with self.engine.begin() as conn:
            conn.execute(stmt)
        return self.watermark(flow, channel)

    # ---------------------------------------------------------------- dead letters
    def dead_letter(self, flow: str, key: str, payload: dict, error: str, stage: str,
                    run_id: str | None = None) -> None:
        now = utcnow()
        table = schema.dead_letters
        stmt = self._insert(table).values(flow=flow, key=key, payload=json.dumps(payload, default=str), error=error,
                                          stage=stage, attempts=1, status="open", first_seen=now, last_seen=now,
                                          run_id=run_id)
        stmt = stmt.on_conflict_do_update(index_elements=["flow", "key"], set_={
            "payload": stmt.excluded.payload, "error": stmt.excluded.error, "stage": stmt.excluded.stage,
            "attempts": table.c.attempts + 1, "status": "open", "last_seen": stmt.excluded.last_seen,
            "run_id": stmt.excluded.run_id})
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def dead_letters(self, flow: str | None = None, status: str | None = "open") -> list[DeadLetter]:
        table = schema.dead_letters
        query = sa.select(table).order_by(table.c.id)
        if flow:
            query = query.where(table.c.flow == flow)
        if status:
            query = query.where(table.c.status == status)
        with self.engine.connect() as conn:
            return [DeadLetter(r.id, r.flow, r.key, json.loads(r.payload), r.error, r.stage, r.attempts, r.status)
                    for r in conn.execute(query)]

    def settle_dead_letters(self, flow: str, keys: Iterable[str], status: str = "resolved",
                            before: dt.datetime | None = None) -> int:
        """Close the open dead letters of keys that have since loaded (or were replayed).

        `before`: only letters last written before then — when the caller started its writes. A letter another
        run wrote meanwhile records that run's own failure, which this run's load did not resolve.

        The open letters of the flow are looked up first (one statement; a run usually loads far more keys than
        are open), and only those of `keys` are updated, with the same conditions checked again."""
        table = schema.dead_letters
        conditions = [table.c.flow == flow, table.c.status == "open"]
        if before is not None:
            conditions.append(table.c.last_seen < before)
        with self.engine.connect() as conn:
            open_letters = conn.execute(sa.select(table.c.id, table.c.key).where(*conditions)).all()
        if not open_letters:
            return 0
        keys = keys if isinstance(keys, (set, frozenset, dict)) else set(keys)
        ids = [letter_id for letter_id, key in open_letters if key in keys]
        changed = 0
        with self.engine.begin() as conn:
            for start in range(0, len(ids), LEDGER_CHUNK):
                result = conn.execute(sa.update(table).where(table.c.id.in_(ids[start:start + LEDGER_CHUNK]),
                                                             *conditions).values(status=status, last_seen=utcnow()))
                changed += result.rowcount
        return changed

    # ---------------------------------------------------------------- metrics
    def record_metrics(self, flow: str, run_id: str, metrics: dict[str, float], labels: dict | None = None) -> None:
        rows = [{"flow": flow, "run_id": run_id, "metric": name, "value": float(value),
                 "labels": json.dumps(labels or {}, sort_keys=True), "recorded_at": utcnow()}
                for name, value in metrics.items()]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(schema.run_metrics), rows)

    def metrics(self, flow: str, run_id: str | None = None) -> dict[str, float]:
        table = schema.run_metrics
        query = sa.select(table.c.metric, table.c.value).where(table.c.flow == flow).order_by(table.c.id)
        if run_id:
            query = query.where(table.c.run_id == run_id)
        with self.engine.connect() as conn:
            return {metric: value for metric, value in conn.execute(query)}

    def metric_totals(self, flow: str, run_id: str) -> dict[str, float]:
        """A run's figures summed over their labels (per channel, per warehouse …), each label set counted
        at its latest value, so a retried task's second recording replaces its first instead of adding."""
        table = schema.run_metrics
        query = (sa.select(table.c.metric, table.c.labels, table.c.value)
                 .where(table.c.flow == flow, table.c.run_id == run_id).order_by(table.c.id))
        with self.engine.connect() as conn:
            latest = {(metric, labels): value for metric, labels, value in conn.execute(query)}
        totals: dict[str, float] = {}
        for (metric, _), value in latest.items():
            totals[metric] = totals.get(metric, 0.0) + value
        return totals

    # ---------------------------------------------------------------- input files
    def claim_file(self, flow: str, fingerprint: str, uri: str, run_id: str | None = None,
                   lease_seconds: float = DEFAULT_LEASE_SECONDS) -> bool:
        """True if this holder (run `run_id` working `uri`) may process the file, exclusively: never seen,
        blocked before (dropped again), held already by this holder (a retry of the same task), or held by
        another whose lease ran out (`lease_seconds` after it claimed: a crashed run).

        One atomic conditional upsert decides (ON CONFLICT … DO UPDATE … WHERE, on SQLite and PostgreSQL
        alike: the row is locked while the condition is checked), so of two runs claiming at once one wins.
        """
        table = schema.processed_files
        now = utcnow()
        stmt = self._insert(table).values(flow=flow, fingerprint=fingerprint, uri=uri, status="claimed",
                                          run_id=run_id, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["flow", "fingerprint"],
            set_={"status": "claimed", "uri": stmt.excluded.uri, "run_id": stmt.excluded.run_id,
                  "updated_at": stmt.excluded.updated_at},
            where=sa.or_(table.c.status == "blocked",
                         sa.and_(table.c.status == "claimed",
                                 sa.or_(sa.and_(table.c.run_id == stmt.excluded.run_id,
                                                table.c.uri == stmt.excluded.uri),
                                        table.c.updated_at < now - dt.timedelta(seconds=lease_seconds)))))
        with self.engine.begin() as conn:
            return conn.execute(stmt.returning(table.c.fingerprint)).first() is not None

    def release_file(self, flow: str, fingerprint: str, run_id: str | None, uri: str) -> None:
        """Give up this holder's claim without finishing (the file is left for a later run)."""
        table = schema.processed_files
        with self.engine.begin() as conn:
            conn.execute(sa.delete(table).where(table.c.flow == flow, table.c.fingerprint == fingerprint,
                                                table.c.status == "claimed", table.c.run_id == run_id,
                                                table.c.uri == uri))

    def finish_file(self, flow: str, fingerprint: str, status: str = "done") -> None:
        table = schema.processed_files
        with self.engine.begin() as conn:
            conn.execute(sa.update(table).where(table.c.flow == flow, table.c.fingerprint == fingerprint)
                         .values(status=status, updated_at=utcnow()))

    def file_status(self, flow: str, fingerprint: str) -> str | None:
        table = schema.processed_files
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(table.c.status).where(table.c.flow == flow,
                                                                table.c.fingerprint == fingerprint))

    # ---------------------------------------------------------------- order versions
    def order_versions(self, keys: Iterable[str]) -> dict[str, OrderVersion]:
        """The version last handled of each order key that has one."""
        keys = list(keys)
        table = schema.order_versions
        found: dict[str, OrderVersion] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), LEDGER_CHUNK):
                rows = conn.execute(sa.select(table.c.key, table.c.digest, table.c.source_updated_at, table.c.outcome)
                                    .where(table.c.key.in_(keys[start:start + LEDGER_CHUNK])))
                found.update((r.key, OrderVersion(r.key, r.digest, r.source_updated_at, r.outcome)) for r in rows)
        return found

    def record_order_versions(self, versions: Iterable[OrderVersion], run_id: str | None = None) -> int:
        """Remember the versions handled; a version never replaces a newer one already held (two runs
        finishing in either order, or an old delivery handled late, leave the newest)."""
        rows = [{"key": v.key, "digest": v.digest, "source_updated_at": v.source_updated_at, "outcome": v.outcome,
                 "recorded_at": utcnow(), "run_id": run_id} for v in versions]
        if not rows:
            return 0
        table = schema.order_versions
        stmt = self._insert(table)
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={
            "digest": stmt.excluded.digest, "source_updated_at": stmt.excluded.source_updated_at,
            "outcome": stmt.excluded.outcome, "recorded_at": stmt.excluded.recorded_at,
            "run_id": stmt.excluded.run_id}, where=table.c.source_updated_at <= stmt.excluded.source_updated_at)
        with self.engine.begin() as conn:
            for start in range(0, len(rows), LEDGER_CHUNK):
                conn.execute(stmt, rows[start:start + LEDGER_CHUNK])
        return len(rows)


@dataclass(frozen=True)
class OrderVersion:
    """One version of a channel order as handled: its payload digest, its own updated_at (ISO-8601 UTC
    text), and what became of it (loaded | quarantined | dead_lettered | skipped)."""

    key: str
    digest: str
    source_updated_at: str
    outcome: str
