"""The inventory flow's entry point: Odoo's stock snapshotted into the history, then each channel compared
with it and corrected.

`InventoryFlow.take_snapshot` owns one snapshot — read Odoo (paged) → aggregate per product × warehouse →
validate (GX) → write the hour's partition of the history → finish (the rows fit to push and the
quarantined ones in the run's staging folder, metrics, alert). A snapshot whose row count left its band is
blocked: it is kept aside for inspection, not added to the history, and nothing is pushed. Odoo failing
mid-read raises before anything is written.

`InventoryFlow.correct_channel` owns one channel — read its levels at the mapped locations → compare →
mismatch report (Parquet) and metrics per warehouse × channel → push the corrections (see `push`).
Neither knows Airflow: the DAG's tasks call them and turn the outcomes into task states.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from retail_sync.alerts.messages import Alert
from retail_sync.canonical.inventory import INVENTORY_LEVEL_SCHEMA
from retail_sync.canonical.stock import STOCK_SNAPSHOT_SCHEMA
from retail_sync.flows.inventory.compare import LEVEL_DIFFERS, compare_levels, mismatch_figures
from retail_sync.flows.inventory.history import SnapshotHistory, partition_of
from retail_sync.flows.inventory.push import PushResult, push_shopify, push_woocommerce
from retail_sync.flows.inventory.read import read_stock
from retail_sync.flows.inventory.settings import ChannelTarget, InventorySettings
from retail_sync.flows.inventory.snapshot import build_snapshot
from retail_sync.flows.inventory.validate import validate_snapshot
from retail_sync.flows.run_folders import run_folder
from retail_sync.odoo.client import OdooClient
from retail_sync.state.store import StateStore

Notify = Callable[[Alert], None]
ConnectOdoo = Callable[[], AbstractContextManager[OdooClient]]
ConnectChannel = Callable[[str], AbstractContextManager]   # connection id -> Shopify/WooCommerce connector


class SnapshotStatus(StrEnum):
    WRITTEN = "written"      # in the history; the rows fit to push are staged for the channels
    BLOCKED = "blocked"      # the row count left its band: not in the history, nothing to push


@dataclass
class SnapshotOutcome:
    status: SnapshotStatus
    snapshot_at: str
    reason: str = ""
    path: str | None = None              # the hour's file in the history (or the blocked snapshot's file)
    rows: int = 0
    quarantined: int = 0
    good_path: str | None = None
    quarantine_path: str | None = None
    skus_path: str | None = None
    odoo_calls: int = 0
    failures: dict[str, int] = field(default_factory=dict)

    def to_xcom(self) -> dict:
        return {**asdict(self), "status": str(self.status)}

    @classmethod
    def from_xcom(cls, data: dict) -> SnapshotOutcome:
        return cls(**{**data, "status": SnapshotStatus(data["status"])})


@dataclass
class ChannelOutcome:
    conn_id: str
    channel: str
    report_path: str
    differing: int = 0                   # levels that disagreed with Odoo
    missing: int = 0                     # SKUs with stock in Odoo the channel does not list at the location
    unknown_skus: int = 0                # SKUs the channel lists and Odoo does not have (reported, not created)
    units_apart: int = 0
    push: PushResult = field(default_factory=PushResult)
    remaining: int | None = None         # levels still differing on a second read (when verify is asked for)

    def to_xcom(self) -> dict:
        data = asdict(self)
        data["push"]["failed"] = dict(list(self.push.failed.items())[:20])
        return data


@dataclass
class InventoryFlow:
    settings: InventorySettings
    store: StateStore
    connect: ConnectOdoo
    connect_channel: ConnectChannel
    notify: Notify
    run_id: str

    @property
    def run_dir(self) -> Path:
        return run_folder(self.settings.staging_root, self.settings.flow, self.run_id)

    def take_snapshot(self, at: datetime | None = None) -> SnapshotOutcome:
        at = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        history = SnapshotHistory(self.settings.history_root)
        with self.connect() as client:
            stock = read_stock(client, self.settings.page_size)
        snapshot = build_snapshot(stock, at)
        source = f"{self.settings.history_root}/{partition_of(at)}"
        validated = validate_snapshot(snapshot, history.previous_rows(at), self.settings, self.run_dir, source,
                                      self.run_id, self.notify)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        outcome = SnapshotOutcome(SnapshotStatus.WRITTEN, at.isoformat(), rows=snapshot.num_rows,
                                  quarantined=validated.quarantined, quarantine_path=validated.quarantine_path,
                                  odoo_calls=stock.calls, failures=validated.failures)
        if validated.blocked:
            outcome.status, outcome.reason = SnapshotStatus.BLOCKED, "; ".join(validated.blocked)
            outcome.path = str(self.run_dir / "blocked-snapshot.parquet")
            pq.write_table(snapshot, outcome.path)
            self.store.record_metrics(self.settings.flow, self.run_id, {"snapshots_blocked": 1,
                                                                         "snapshot_rows": snapshot.num_rows})
            return outcome
        outcome.path = history.write(snapshot, at)
        outcome.good_path = str(self.run_dir / "pushable.parquet")
        outcome.skus_path = str(self.run_dir / "odoo-skus.parquet")
        pq.write_table(validated.good, outcome.good_path)
        pq.write_table(stock.products.select(["sku"]), outcome.skus_path)
        self.store.record_metrics(self.settings.flow, self.run_id, {
            "snapshot_rows": snapshot.num_rows, "rows_quarantined": validated.quarantined, "quants_read":
            stock.quants.num_rows, "rpc_calls": stock.calls})
        return outcome

    def correct_channel(self, conn_id: str, snapshot: SnapshotOutcome, verify: bool = False) -> ChannelOutcome:
        if snapshot.status is not SnapshotStatus.WRITTEN:
            raise ValueError(f"snapshot {snapshot.snapshot_at} is {snapshot.status}: nothing may be pushed from it")
        target = self.settings.channel(conn_id)
        good = pq.read_table(snapshot.good_path)
        quarantined = pq.read_table(snapshot.quarantine_path) if snapshot.quarantine_path else \
            STOCK_SNAPSHOT_SCHEMA.empty_table()
        odoo_skus = pq.read_table(snapshot.skus_path)["sku"].combine_chunks()
        with self.connect_channel(conn_id) as connector:
            channel = connector.config.channel
            report = compare_levels(good, quarantined, odoo_skus, channel_levels(connector, target), target, channel)
            outcome = self._report(conn_id, channel, report)
            if connector.config.platform == "shopify":
                outcome.push = push_shopify(connector, report, min(self.settings.push_batch,
                                                                   connector.sizes.quantities_per_write),
                                            self.settings.compare_attempts)
            else:
                outcome.push = push_woocommerce(connector, report, self.settings.push_batch)
            if verify:
                again = compare_levels(good, quarantined, odoo_skus, channel_levels(connector, target), target, channel)
                outcome.remaining = _count(again, LEVEL_DIFFERS)
        push = outcome.push
        self.store.record_metrics(self.settings.flow, self.run_id, {
            "levels_pushed": push.pushed, "levels_already_right": push.already_right,
            "levels_kept_sales": push.kept_sales, "levels_gave_up": push.gave_up, "levels_failed": len(push.failed),
            "channel_calls": push.calls}, {"channel": channel})
        return outcome

    def _report(self, conn_id: str, channel: str, report: pa.Table) -> ChannelOutcome:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = str(self.run_dir / f"mismatches-{channel}.parquet")
        pq.write_table(report, path)
        outcome = ChannelOutcome(conn_id, channel, path, _count(report, LEVEL_DIFFERS),
                                 _count(report, "missing_on_channel"), _count(report, "unknown_sku"))
        for row in mismatch_figures(report).to_pylist():
            outcome.units_apart += row["units"] if row["kind"] == LEVEL_DIFFERS else 0
            self.store.record_metrics(self.settings.flow, self.run_id,
                                      {"mismatched_skus": row["skus"], "mismatched_units": row["units"]},
                                      {"warehouse": row["warehouse"], "channel": channel, "kind": row["kind"]})
        return outcome


def channel_levels(connector, target: ChannelTarget) -> pa.Table:
    """The channel's levels at every location the target maps (one full pass per location)."""
    if connector.config.platform == "shopify":
        tables = [connector.location_levels(location) for location in sorted(set(target.locations.values()))]
        return pa.concat_tables(tables) if tables else INVENTORY_LEVEL_SCHEMA.empty_table()
    return connector.stock_levels()


def _count(report: pa.Table, kind: str) -> int:
    return int(pc.sum(pc.equal(report["kind"], kind)).as_py() or 0)
