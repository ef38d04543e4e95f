"""The fulfilment push's entry point: one channel's pickings validated in Odoo since its watermark, told to
the storefront as fulfilments.

`FulfillmentFlow.push_channel` owns one channel, in two passes over Odoo's delivery pickings of the channel's
sale orders:

1. **Deliveries**, by `date_done` from the channel's watermark (less an overlap window): a picking already
   in the sync ledger has been told and is skipped (the overlap costs no channel call); one that cannot be
   told (its sale order has no order of this channel, a product without SKU or not on the order, more than
   the order has left, a refusal) is dead-lettered with the reason; the others are pushed (see `push`) and
   go into the ledger with the digest of what the storefront was told.
2. **Tracking numbers typed in later**, by `write_date` from a watermark of their own: a told picking whose
   tracking or carrier differs from what its ledger digest recorded gets it on the storefront.

Each pass's watermark advances after every page to the last value up to which every picking has an outcome.
A storefront that stops answering (5xx or 429 past the retry budget) stops the channel's run: the pickings
not told keep no outcome, the watermarks stay before them, and `ChannelStopped` is raised so the task is
retried; the next run starts with them. Nothing here knows Airflow.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import timedelta

import pyarrow as pa

from retail_sync.alerts.masking import mask_text
from retail_sync.alerts.messages import MAX_LISTED, Alert, compose, listed
from retail_sync.channels.errors import ChannelAuthError, ChannelRequestError, ChannelRetryableError
from retail_sync.channels.source import Page, Stream
from retail_sync.channels.timestamps import parse_iso
from retail_sync.flows.fulfillment.push import (
    PushResult,
    Refused,
    Told,
    push_shopify,
    push_woocommerce,
    retrack_shopify,
    retrack_woocommerce,
)
from retail_sync.flows.fulfillment.settings import FulfillmentSettings
from retail_sync.flows.fulfillment.shipments import Shipment, ShipmentReader
from retail_sync.flows.watermark import Outcome, PullProgress, Watermark
from retail_sync.odoo.client import OdooClient
from retail_sync.state.store import LedgerEntry, StateStore

Notify = Callable[[Alert], None]
ConnectOdoo = Callable[[], AbstractContextManager[OdooClient]]
ConnectChannel = Callable[[str], AbstractContextManager]   # connection id -> Shopify/WooCommerce connector

# Pickings are read from Odoo in the order of their cursor: a page half-way proves nothing earlier is unread.
DELIVERIES = Stream("pickings", "pickings", replication_key="date_done", replication_column="date_done", ordered=True)
TRACKING = Stream("tracking", "pickings", replication_key="write_date", replication_column="write_date", ordered=True)


class ChannelStopped(Exception):
    """The storefront stopped answering mid-run; what was told is recorded, the rest waits for a retry."""


@dataclass
class ChannelOutcome:
    conn_id: str
    channel: str = ""
    fulfillments_created: int = 0      # pickings that became a new fulfilment (Shopify) or note (WooCommerce)
    lines: int = 0                     # order lines they fulfilled
    units: int = 0
    already_on_channel: int = 0        # pickings the storefront already had (a re-run, a lost answer)
    tracking_updated: int = 0          # tracking numbers typed in after the picking was told, now on the storefront
    skipped: int = 0                   # told already (in the ledger): no channel call
    dead_lettered: dict[str, str] = field(default_factory=dict)    # picking key -> reason
    watermark: str | None = None
    stopped: str | None = None         # why the storefront stopped the run, if it did

    def to_xcom(self) -> dict:
        data = asdict(self)
        data["dead_lettered"] = dict(list(self.dead_lettered.items())[:MAX_LISTED])
        data["dead_lettered_count"] = len(self.dead_lettered)
        return data


@dataclass
class FulfillmentFlow:
    settings: FulfillmentSettings
    store: StateStore
    connect: ConnectOdoo
    connect_channel: ConnectChannel
    notify: Notify
    run_id: str

    def push_channel(self, conn_id: str) -> ChannelOutcome:
        target = self.settings.channel(conn_id)
        outcome = ChannelOutcome(conn_id)
        with self.connect_channel(conn_id) as connector:
            channel = outcome.channel = connector.config.channel
            shopify = connector.config.platform == "shopify"
            passes = [(DELIVERIES, push_shopify if shopify else push_woocommerce),
                      (TRACKING, retrack_shopify if shopify else retrack_woocommerce)]
            open_letters = {letter.key for letter in self.store.dead_letters(self.settings.flow)}
            try:
                with self.connect() as client:
                    reader = ShipmentReader(client, channel, self.settings.page_size)
                    for stream, push in passes:
                        self._pass(reader, stream, connector, push, target.carrier, outcome)
            except ChannelRetryableError as exc:
                outcome.stopped = exc.message
            finally:
                self._record(outcome)
        new_letters = [key for key in outcome.dead_lettered if key not in open_letters]
        if new_letters:
            self.notify(dead_letter_alert(outcome, new_letters, self.run_id))
        if outcome.stopped:
            raise ChannelStopped(f"{outcome.channel}: stopped after {outcome.fulfillments_created} fulfilment(s), "
                                 f"the rest waits for the retry: {outcome.stopped}")
        return outcome

    def _pass(self, reader: ShipmentReader, stream: Stream, connector, push, carrier: str | None,
              outcome: ChannelOutcome) -> None:
        flow = self.settings.flow if stream is DELIVERIES else f"{self.settings.flow}_tracking"
        mark = Watermark(self.store, flow, outcome.channel, timedelta(seconds=self.settings.overlap_seconds))
        progress = PullProgress(stream)
        try:
            for shipments in reader.pages(mark.since(), tracked=stream is TRACKING):
                progress.pulled(Page.of(stream, {"pickings": picking_page(shipments, stream)}, None))
                held = self.store.ledger([s.key for s in shipments])
                for shipment in shipments:
                    told = held.get(shipment.key)
                    if stream is DELIVERIES and told is not None or \
                            stream is TRACKING and (told is None or told.digest == shipment.digest()):
                        # Told already (its tracking is the second pass's), or not told yet (the first pass's).
                        outcome.skipped += stream is DELIVERIES
                        progress.settle([shipment.key], Outcome.SKIPPED)
                        continue
                    progress.settle([shipment.key], self._tell(connector, push, carrier, shipment, outcome,
                                                               stream))
                mark.advance(progress)
            progress.finish()
        finally:
            watermark = mark.advance(progress)
            if stream is DELIVERIES:
                outcome.watermark = watermark

    def _tell(self, connector, push, carrier: str | None, shipment: Shipment, outcome: ChannelOutcome,
              stream: Stream) -> Outcome:
        try:
            if shipment.order_key is None:
                raise Refused(f"{shipment.describe()}: sale order {shipment.sale_order} has no order of "
                              f"{shipment.channel} (no external id from the order pull)")
            if shipment.without_sku:
                raise Refused(f"{shipment.describe()} shipped products without a SKU in Odoo: "
                              f"{', '.join(shipment.without_sku)}")
            result: PushResult = push(connector, shipment, shipment.carrier or carrier, self.settings.write_attempts)
        except Refused as exc:
            return self._dead_letter(shipment, str(exc), outcome)
        except ChannelAuthError:
            raise
        except ChannelRequestError as exc:     # the storefront refused this request: about this order only
            return self._dead_letter(shipment, exc.message, outcome)
        if stream is TRACKING:
            outcome.tracking_updated += result.told is Told.CREATED
        elif result.told is Told.CREATED:
            outcome.fulfillments_created += 1
            outcome.lines += result.lines
            outcome.units += result.units
        else:
            outcome.already_on_channel += 1
        self.store.record_loaded([LedgerEntry(shipment.key, "stock.picking", shipment.picking_id,
                                              shipment.digest())], self.run_id)
        self.store.settle_dead_letters(self.settings.flow, [shipment.key])
        return Outcome.LOADED

    def _dead_letter(self, shipment: Shipment, reason: str, outcome: ChannelOutcome) -> Outcome:
        self.store.dead_letter(self.settings.flow, shipment.key, shipment.payload(), reason, "push", self.run_id)
        outcome.dead_lettered[shipment.key] = reason
        return Outcome.DEAD_LETTERED

    def _record(self, outcome: ChannelOutcome) -> None:
        self.store.record_metrics(self.settings.flow, self.run_id, {
            "fulfillments_created": outcome.fulfillments_created, "lines_fulfilled": outcome.lines,
            "units_fulfilled": outcome.units, "already_on_channel": outcome.already_on_channel,
            "pickings_skipped": outcome.skipped, "pickings_dead_lettered": len(outcome.dead_lettered),
            "tracking_updated": outcome.tracking_updated,
            "stopped": 1 if outcome.stopped else 0}, {"channel": outcome.channel})


def picking_page(shipments: list[Shipment], stream: Stream) -> pa.Table:
    """The page's keys and cursor values, as the watermark's progress reads them."""
    column = stream.replication_column
    schema = pa.schema([pa.field("key", pa.string()), pa.field(column, pa.timestamp("s", tz="UTC"))])
    return pa.Table.from_pylist([{"key": s.key, column: parse_iso(getattr(s, column))} for s in shipments],
                                schema=schema)


def dead_letter_alert(outcome: ChannelOutcome, keys: list[str], run_id: str) -> Alert:
    return compose(f"[retail-sync] fulfillment: {len(keys)} shipment(s) not told to {outcome.channel}", [
        f"Run {run_id} could not push these Odoo pickings to {outcome.channel}; each is in the dead-letter "
        f"queue (flow fulfillment) with its reason and the picking as read:",
        *listed(keys, lambda key: f"{mask_text(key)}: {mask_text(outcome.dead_lettered[key])}",
                "the dead-letter queue"),
        "The other pickings went on. Fix the order or product named, then replay the dead letter; until then "
        "the storefront does not show these shipments."])
