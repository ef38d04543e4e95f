"""The order pull of one channel: its orders since the watermark (less an overlap window), gathered from
the source's pages into batches of up to `batch_orders` orders, each through `load_page` into Odoo; the
watermark advances after every batch to the newest order up to which every order has an outcome.

One pull per channel at a time: a lease in the state store (renewed every batch) keeps a manual trigger
during a scheduled run, or a second scheduler, from loading the same orders twice over. A pull killed
half-way leaves its lease to run out (`lease_seconds`); the same task retried takes it straight back.

A storefront or Odoo failing past its retries raises after the watermark has moved to what was settled:
the next run starts exactly there. Orders that were quarantined or dead-lettered are alerted once per
page (their version is recorded, so the same bad payload is not alerted again every minute).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

import pyarrow as pa

from retail_sync.alerts.messages import Alert
from retail_sync.alerts.orders import order_alert
from retail_sync.channels.source import Page
from retail_sync.flows.orders.load import DEAD_LETTERED, QUARANTINED, PageOutcome, load_page
from retail_sync.flows.orders.settings import OrderSettings
from retail_sync.flows.orders.validate import OrderValidator
from retail_sync.flows.watermark import Outcome, PullProgress, Watermark
from retail_sync.odoo.client import OdooClient
from retail_sync.state.store import StateStore

Notify = Callable[[Alert], None]
ConnectOdoo = Callable[[], AbstractContextManager[OdooClient]]
ConnectChannel = Callable[[str], AbstractContextManager]   # connection id -> Shopify/WooCommerce connector


@dataclass(frozen=True)
class PullSettings:
    staging_root: Path
    docs_root: Path | None = None
    flow: str = "orders"
    overlap_minutes: int = 10              # re-read this far before the watermark (late index entries)
    lease_seconds: int = 300               # a killed pull's channel is free again after this
    batch_orders: int = 250                # source pages are gathered up to this many orders per load into
                                           # Odoo: a backlog costs a few calls per batch, not per small page
    channels: str = ""                     # connection ids of the stores to pull, comma-separated
    load: OrderSettings = field(default_factory=OrderSettings)

    @property
    def conn_ids(self) -> list[str]:
        return [conn_id.strip() for conn_id in self.channels.split(",") if conn_id.strip()]


@dataclass
class ChannelPull:
    """What one pull of one channel did (the task's XCom and log line)."""

    conn_id: str
    channel: str = ""
    busy: bool = False                     # another run held the channel: nothing was read
    pages: int = 0
    counts: dict[str, int] = field(default_factory=dict)     # loaded / quarantined / dead_lettered / skipped
    held: int = 0                          # loaded as quotations waiting for payment
    latency_p50: float | None = None       # channel created_at → sale order in Odoo, seconds
    latency_p95: float | None = None
    latency_max: float | None = None
    watermark: str | None = None
    odoo_calls: int = 0

    def to_xcom(self) -> dict:
        return asdict(self)


@dataclass
class OrderPull:
    settings: PullSettings
    store: StateStore
    connect: ConnectOdoo
    connect_channel: ConnectChannel
    notify: Notify
    run_id: str
    latencies: list[float] = field(default_factory=list)
    validator: OrderValidator = field(default_factory=lambda: OrderValidator(set()))

    def pull_channel(self, conn_id: str) -> ChannelPull:
        result = ChannelPull(conn_id)
        with self.connect_channel(conn_id) as source:
            result.channel = channel = source.config.channel
            lease = f"pull:{channel}"
            if not self._hold(lease, conn_id):
                result.busy = True
                return result
            try:
                with self.connect() as client:
                    self._pull(source, client, result)
            finally:
                self.store.release_file(self.settings.flow, lease, self.run_id, conn_id)
        return result

    def _hold(self, lease: str, conn_id: str) -> bool:
        return self.store.claim_file(self.settings.flow, lease, conn_id, self.run_id,
                                     lease_seconds=self.settings.lease_seconds)

    def _pull(self, source, client: OdooClient, result: ChannelPull) -> None:
        mark = Watermark(self.store, self.settings.flow, result.channel,
                         timedelta(minutes=self.settings.overlap_minutes))
        progress = PullProgress(source.streams["orders"])
        batch: list[Page] = []
        try:
            for page in source.pages("orders", since=mark.since()):
                progress.pulled(page)
                fresh = set(page.records.column("key").to_pylist())
                if batch and (fresh & _keys(batch) or _orders(batch) + len(fresh) > self.settings.batch_orders):
                    self._load(batch, client, progress, mark, result)    # an order twice: its versions in turn
                    batch = []
                batch.append(page)
                if _orders(batch) >= self.settings.batch_orders:
                    self._load(batch, client, progress, mark, result)
                    batch = []
            if batch:
                self._load(batch, client, progress, mark, result)
            progress.finish()
        finally:
            result.watermark = mark.advance(progress)
            self._record(result)

    def _load(self, batch: list[Page], client: OdooClient, progress: PullProgress, mark: Watermark,
              result: ChannelPull) -> None:
        if not self._hold(f"pull:{result.channel}", result.conn_id):
            raise RuntimeError(f"{result.channel}: the pull's lease was taken over by another run (one batch took "
                               f"longer than {self.settings.lease_seconds} s)")
        tables = {name: pa.concat_tables([page.tables[name] for page in batch]) for name in batch[0].tables}
        outcome = load_page(tables, client, self.store, self.settings.load, self.settings.flow, self.run_id,
                            self.validator)
        result.pages += len(batch)
        self._count(outcome, result)
        for key, what in outcome.outcomes.items():
            progress.settle([key], Outcome(what))
        mark.advance(progress)
        self._alert(outcome, result.channel)

    def _count(self, outcome: PageOutcome, result: ChannelPull) -> None:
        for what, n in outcome.counts.items():
            result.counts[what] = result.counts.get(what, 0) + n
        result.held += len(outcome.held)
        result.odoo_calls += outcome.odoo_calls
        self.latencies.extend(outcome.latency_seconds.values())

    def _alert(self, outcome: PageOutcome, channel: str) -> None:
        quarantined = {key: outcome.reasons.get(key, "") for key, what in outcome.outcomes.items()
                       if what == QUARANTINED}
        dead = {key: (outcome.stages.get(key, "load"), outcome.reasons.get(key, ""))
                for key, what in outcome.outcomes.items() if what == DEAD_LETTERED}
        if quarantined or dead:
            self.notify(order_alert(self.settings.flow, self.run_id, channel, quarantined, dead))

    def _record(self, result: ChannelPull) -> None:
        if self.latencies:
            ordered = sorted(self.latencies)
            result.latency_p50 = round(statistics.median(ordered), 3)
            result.latency_p95 = round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3)
            result.latency_max = round(ordered[-1], 3)
        metrics = {f"orders_{what}": float(n) for what, n in result.counts.items()}
        metrics.update(pages=float(result.pages), orders_held=float(result.held), odoo_calls=float(result.odoo_calls))
        metrics.update({f"latency_{name}_seconds": value for name, value in
                        (("p50", result.latency_p50), ("p95", result.latency_p95), ("max", result.latency_max))
                        if value is not None})
        self.store.record_metrics(self.settings.flow, self.run_id, metrics, labels={"channel": result.channel})


def _keys(batch: list[Page]) -> set[str]:
    return {key for page in batch for key in page.records.column("key").to_pylist()}


def _orders(batch: list[Page]) -> int:
    return sum(page.record_count for page in batch)
