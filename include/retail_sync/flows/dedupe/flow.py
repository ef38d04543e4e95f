"""The customer dedupe flow's entry point: Odoo's customers linked, the sure duplicates merged, the rest queued.

`DedupeFlow.run` owns one run — settle what an earlier run left unfinished (`merge.settle_unfinished`) →
read the customer partners (`extract`) → link them (the splink model, given as `link`) → plan (`plan`: Odoo's
rules, the destination, steps of at most three) → review queue and plan files in the run's staging folder
(`review`) → unless dry-run: the per-run cap, then the merges (`merge`), each journaled before it is sent →
metrics and alerts. A plan above the cap merges nothing and alerts; a refused merge is reported and the run
goes on. It knows nothing of Airflow: the DAG's task calls it and turns the outcome into a task state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from retail_sync.alerts.dedupe import merge_cap_alert, merges_refused_alert
from retail_sync.alerts.messages import Alert
from retail_sync.flows.dedupe.extract import history_counts, read_customers
from retail_sync.flows.dedupe.merge import MergeReport, Settled, run_steps, settle_unfinished
from retail_sync.flows.dedupe.plan import MergePlan, plan_merges, read_pairs, sure_groups
from retail_sync.flows.dedupe.review import review_table, write_review_queue
from retail_sync.flows.dedupe.settings import DedupeFlowSettings
from retail_sync.flows.run_folders import run_folder
from retail_sync.odoo.client import OdooClient
from retail_sync.state.merge_journal import MergeJournal
from retail_sync.state.store import StateStore

Notify = Callable[[Alert], None]
ConnectOdoo = Callable[[], AbstractContextManager[OdooClient]]
Link = Callable[[pa.Table], Any]        # the link input table -> a result with `.pairs` (id_l, id_r, match_probability)
PLAN_SCHEMA = pa.schema([("step", pa.string()), ("destination_id", pa.int64()), ("source_ids", pa.list_(pa.int64())),
                         ("probability", pa.float64())])
PAIR_COLUMNS = ("id_l", "id_r", "match_probability")


class DedupeStatus(StrEnum):
    DONE = "done"              # the plan was carried out (some merges may have been refused: see `refused`)
    DRY_RUN = "dry_run"        # planned and reported, nothing merged
    CAPPED = "capped"          # the plan exceeded the per-run cap: nothing merged, alerted


@dataclass
class DedupeOutcome:
    status: DedupeStatus
    partners: int = 0
    pairs: int = 0
    planned_steps: int = 0
    planned_merges: int = 0               # partners the plan merges away
    merged: int = 0                       # partners merged away in Odoo by this run
    merge_steps: int = 0
    refused: int = 0
    skipped: int = 0
    not_merged: int = 0
    settled: int = 0                      # earlier runs' unfinished merges closed from Odoo's state
    review_rows: int = 0
    review_path: str | None = None
    review_csv: str | None = None
    plan_path: str | None = None
    odoo_calls: int = 0
    refusals: dict[str, str] = field(default_factory=dict)     # step key -> Odoo's message

    def to_xcom(self) -> dict:
        data = {**asdict(self), "status": str(self.status)}
        data["refusals"] = dict(list(self.refusals.items())[:20])
        return data


@dataclass
class DedupeFlow:
    settings: DedupeFlowSettings
    store: StateStore
    connect: ConnectOdoo
    link: Link
    notify: Notify
    run_id: str

    @property
    def run_dir(self) -> Path:
        return run_folder(self.settings.staging_root, self.settings.flow, self.run_id)

    def run(self, dry_run: bool = False, max_merges: int | None = None) -> DedupeOutcome:
        settings = self.settings
        cap = settings.max_merges if max_merges is None else max_merges
        journal = MergeJournal(self.store, settings.flow)
        outcome = DedupeOutcome(DedupeStatus.DRY_RUN if dry_run else DedupeStatus.DONE)
        with self.connect() as client:
            calls = client.counters.calls
            settled = Settled() if dry_run else settle_unfinished(client, journal)
            outcome.settled = settled.merged + settled.not_merged
            customers = read_customers(client, settings.page_size)
            pairs = self._pairs(customers.table)
            scored = read_pairs(pairs)
            groups = sure_groups(scored, settings.merge_threshold)
            history = history_counts(client, set().union(*groups), settings.page_size) if groups else Counter()
            plan = plan_merges(scored, customers.facts, history, settings.merge_threshold, settings.review_threshold,
                               settings.allow_different_emails)
            self._report(outcome, plan, review_table(plan.held, pairs, customers.facts))
            outcome.partners, outcome.pairs = customers.table.num_rows, pairs.num_rows
            if not dry_run and plan.partners_merged_away > cap:
                outcome.status = DedupeStatus.CAPPED
                self.notify(merge_cap_alert(settings.flow, self.run_id, plan.partners_merged_away, cap,
                                            len(plan.steps), outcome.review_path))
            elif not dry_run:
                self._merged(outcome, run_steps(client, journal, self.store, plan.steps, self.run_id))
            outcome.odoo_calls = client.counters.calls - calls
        self._metrics(outcome)
        if outcome.refused:
            self.notify(merges_refused_alert(settings.flow, self.run_id, outcome.refusals, outcome.merged))
        return outcome

    def _pairs(self, table: pa.Table) -> pa.Table:
        if table.num_rows < 2:
            return pa.table({name: pa.array([], pa.float64() if name == "match_probability" else pa.int64())
                             for name in PAIR_COLUMNS})
        pairs = self.link(table).pairs
        return pairs if isinstance(pairs, pa.Table) else pa.Table.from_pandas(pairs, preserve_index=False)

    def _report(self, outcome: DedupeOutcome, plan: MergePlan, review: pa.Table) -> None:
        outcome.review_path, outcome.review_csv = write_review_queue(review, self.run_dir)
        outcome.review_rows = review.num_rows
        outcome.plan_path = str(self.run_dir / "merge-plan.parquet")
        pq.write_table(pa.Table.from_pylist(
            [{"step": s.key, "destination_id": s.destination, "source_ids": list(s.sources),
              "probability": s.probability} for s in plan.steps], schema=PLAN_SCHEMA), outcome.plan_path)
        outcome.planned_steps, outcome.planned_merges = len(plan.steps), plan.partners_merged_away

    def _merged(self, outcome: DedupeOutcome, report: MergeReport) -> None:
        outcome.refusals = report.refused
        outcome.merged, outcome.merge_steps = report.partners_merged_away, len(report.merged)
        outcome.refused, outcome.skipped, outcome.not_merged = (len(report.refused), len(report.skipped),
                                                                len(report.not_merged))

    def _metrics(self, outcome: DedupeOutcome) -> None:
        self.store.record_metrics(self.settings.flow, self.run_id, {
            "partners_read": outcome.partners, "pairs_scored": outcome.pairs, "merges_planned": outcome.planned_merges,
            "partners_merged": outcome.merged, "merge_steps": outcome.merge_steps, "merges_refused": outcome.refused,
            "review_rows": outcome.review_rows, "merges_settled": outcome.settled, "rpc_calls": outcome.odoo_calls,
            "merge_cap_exceeded": int(outcome.status is DedupeStatus.CAPPED)})
