"""The journal of Odoo partner merges: each one written before it is sent, then closed with what became of it.

An Odoo merge deletes its sources and cannot be undone, so the journal is what says afterwards which partners
went into which, and what each of them held (the snapshot). An entry still `sent` after a run means the
run did not learn the outcome (Odoo failed mid-call, the worker died): the next run reads Odoo to close it
before it plans anything, so nothing is merged twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from retail_sync.state import schema
from retail_sync.state.store import StateStore, utcnow

SENT = "sent"               # recorded; the wizard was (or was about to be) called
MERGED = "merged"           # Odoo holds the destination and none of the sources
REFUSED = "refused"         # the wizard refused it (a UserError): nothing changed
NOT_MERGED = "not_merged"   # the outcome was unknown, and Odoo still holds the sources: nothing changed


@dataclass(frozen=True)
class MergeEntry:
    id: int
    step_key: str
    destination_id: int
    source_ids: tuple[int, ...]
    snapshot: dict
    probability: float
    status: str
    error: str | None
    run_id: str | None


class MergeJournal:
    def __init__(self, store: StateStore, flow: str = "dedupe"):
        self.store = store
        self.flow = flow

    def record_sent(self, step_key: str, destination_id: int, source_ids: list[int], snapshot: dict,
                    probability: float, run_id: str | None) -> int:
        """Write the merge down, committed, before the wizard is called."""
        now = utcnow()
        table = schema.partner_merges
        with self.store.engine.begin() as conn:
            return conn.execute(sa.insert(table).values(
                flow=self.flow, step_key=step_key, destination_id=destination_id,
                source_ids=json.dumps(sorted(source_ids)), snapshot=json.dumps(snapshot, default=str, sort_keys=True),
                probability=probability, status=SENT, run_id=run_id, recorded_at=now, updated_at=now)
            ).inserted_primary_key[0]

    def close(self, entry_id: int, status: str, error: str | None = None) -> None:
        table = schema.partner_merges
        with self.store.engine.begin() as conn:
            conn.execute(sa.update(table).where(table.c.id == entry_id)
                         .values(status=status, error=error, updated_at=utcnow()))

    def entries(self, status: str | None = None, run_id: str | None = None) -> list[MergeEntry]:
        table = schema.partner_merges
        query = sa.select(table).where(table.c.flow == self.flow).order_by(table.c.id)
        if status:
            query = query.where(table.c.status == status)
        if run_id:
            query = query.where(table.c.run_id == run_id)
        with self.store.engine.connect() as conn:
            return [MergeEntry(r.id, r.step_key, r.destination_id, tuple(json.loads(r.source_ids)),
                               json.loads(r.snapshot), r.probability, r.status, r.error, r.run_id)
                    for r in conn.execute(query)]
