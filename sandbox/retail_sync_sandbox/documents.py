"""The storefront and payment sandboxes keep their records here: JSON documents in a real SQL database.

A document has a kind ("order", "payout", ...), a string id, a sort position (a timestamp text and an
integer tiebreak, so cursors are stable), an optional lookup `ref` (a SKU, a payout id, an order id)
and its body as the platform would send it. Filtering, ordering and paging happen in SQL, so the
sandboxes page through 100,000 records the way a real server does, without holding them in memory.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

metadata = sa.MetaData()
documents = sa.Table(
    "documents", metadata,
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("sort_time", sa.String(32), nullable=False),
    sa.Column("sort_id", sa.BigInteger, nullable=False),
    sa.Column("ref", sa.String(200)),
    sa.Column("body", sa.Text, nullable=False),
    sa.Index("ix_documents_sort", "kind", "sort_time", "sort_id"),
    sa.Index("ix_documents_ref", "kind", "ref"),
    sa.Index("ix_documents_id", "kind", "sort_id"),
)


@dataclass(frozen=True)
class Doc:
    kind: str
    id: str
    sort_time: str
    sort_id: int
    body: dict
    ref: str | None = None


class DocumentStore:
    def __init__(self, url: str = "sqlite://"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        self.engine = sa.create_engine(url, poolclass=StaticPool if memory else None,
                                       connect_args={"check_same_thread": False} if url.startswith("sqlite") else {})
        # An in-memory SQLite database is one connection shared by every thread (requests, bulk runs, live
        # mode): all access goes through this lock, reads included.
        self.lock = threading.RLock()
        metadata.create_all(self.engine)

    def clear(self) -> None:
        with self.lock, self.engine.begin() as conn:
            conn.execute(documents.delete())

    def put_many(self, docs: Iterable[Doc]) -> int:
        rows = [{"kind": d.kind, "id": d.id, "sort_time": d.sort_time, "sort_id": d.sort_id, "ref": d.ref,
                 "body": json.dumps(d.body, ensure_ascii=False, separators=(",", ":"))} for d in docs]
        if not rows:
            return 0
        with self.lock, self.engine.begin() as conn:
            keys = [(r["kind"], r["id"]) for r in rows]
            for kind in {k for k, _ in keys}:
                ids = [i for k, i in keys if k == kind]
                for start in range(0, len(ids), 500):
                    conn.execute(documents.delete().where(documents.c.kind == kind,
                                                          documents.c.id.in_(ids[start:start + 500])))
            conn.execute(documents.insert(), rows)
        return len(rows)

    def put(self, doc: Doc) -> None:
        self.put_many([doc])

    def get(self, kind: str, doc_id: str) -> dict | None:
        with self.lock, self.engine.connect() as conn:
            body = conn.execute(sa.select(documents.c.body).where(documents.c.kind == kind,
                                                                  documents.c.id == str(doc_id))).scalar()
        return None if body is None else json.loads(body)

    def get_many(self, kind: str, ids: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        with self.lock, self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                rows = conn.execute(sa.select(documents.c.id, documents.c.body).where(
                    documents.c.kind == kind, documents.c.id.in_([str(i) for i in ids[start:start + 500]])))
                found.update({r.id: json.loads(r.body) for r in rows})
        return found

    def by_ref(self, kind: str, ref: str) -> list[dict]:
        with self.lock, self.engine.connect() as conn:
            rows = conn.execute(sa.select(documents.c.body).where(documents.c.kind == kind, documents.c.ref == ref)
                                .order_by(documents.c.sort_time, documents.c.sort_id))
            return [json.loads(r.body) for r in rows]

    def page(self, kind: str, *, after: tuple[str, int] | None = None, descending: bool = False, by: str = "time",
             time_from: str | None = None, time_from_inclusive: bool = True, time_to: str | None = None,
             ref: str | None = None, id_in: list[str] | None = None, limit: int | None = None,
             offset: int = 0) -> list[tuple[str, int, dict]]:
        """Documents in (sort_time, sort_id) order (or sort_id alone, `by="id"`) after a keyset cursor,
        each with its cursor position."""
        query = sa.select(documents.c.sort_time, documents.c.sort_id, documents.c.body).where(
            *self._filters(kind, time_from, time_from_inclusive, time_to, ref, id_in))
        columns = (documents.c.sort_time, documents.c.sort_id) if by == "time" else (documents.c.sort_id,)
        if after is not None:
            key, position = sa.tuple_(*columns), sa.tuple_(*(after if by == "time" else after[1:]))
            query = query.where(key < position if descending else key > position)
        order = [c.desc() for c in columns] if descending else list(columns)
        query = query.order_by(*order).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self.lock, self.engine.connect() as conn:
            return [(r.sort_time, r.sort_id, json.loads(r.body)) for r in conn.execute(query)]

    def count(self, kind: str, *, time_from: str | None = None, time_from_inclusive: bool = True,
              time_to: str | None = None, ref: str | None = None, id_in: list[str] | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(documents).where(
            *self._filters(kind, time_from, time_from_inclusive, time_to, ref, id_in))
        with self.lock, self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def scan(self, kind: str, batch: int = 1000) -> Iterator[dict]:
        after = None
        while True:
            rows = self.page(kind, after=after, limit=batch)
            yield from (body for _, _, body in rows)
            if len(rows) < batch:
                return
            after = rows[-1][:2]

    @staticmethod
    def _filters(kind, time_from, inclusive, time_to, ref, id_in) -> list:
        clauses = [documents.c.kind == kind]
        if time_from is not None:
            clauses.append(documents.c.sort_time >= time_from if inclusive else documents.c.sort_time > time_from)
        if time_to is not None:
            clauses.append(documents.c.sort_time <= time_to)
        if ref is not None:
            clauses.append(documents.c.ref == ref)
        if id_in is not None:
            clauses.append(documents.c.id.in_([str(i) for i in id_in]))
        return clauses
