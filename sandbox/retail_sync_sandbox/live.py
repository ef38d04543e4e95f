"""Live mode: new orders and updates to open ones keep arriving at a configurable rate, so the
short-interval order flow can be watched working against a sandbox.

Each tick either creates an order (new customer or returning one) or moves an open order along:
payment captured, a partial refund, a cancellation. Orders are generated the way the world's are,
stamped with the current time, and handed to the sandbox's `upsert_order`, which stores them and
sends the webhook.
"""

from __future__ import annotations

import itertools
import random
import threading
from datetime import UTC, datetime
from decimal import Decimal

from .datagen.orders import CENT, line_gross, make_order, money, stamp
from .datagen.world import World


class LiveOrders:
    def __init__(self, world: World, channel: str, sink, rate_per_second: float = 1.0, seed: int = 0):
        self.world, self.channel, self.sink = world, channel, sink
        self.interval = 1.0 / rate_per_second
        self.rng = random.Random(seed)
        self.store = world.store(channel)
        self.ids = itertools.count(80_000_001 + seed * 1_000_000)
        self.sequence = itertools.count(len(world.orders_of(channel)) + 10_000)
        self.open: list[dict] = []
        self.events: list[tuple[str, str]] = []        # (topic, order name)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"live-{channel}")

    def start(self) -> LiveOrders:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def tick(self) -> None:
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        roll = self.rng.random()
        if self.open and roll < 0.4:
            order = self.rng.choice(self.open)
            self._advance(order, now)
            self.sink.upsert_order(order, "orders/updated")
            self.events.append(("orders/updated", order["name"]))
            return
        accounts = self.world.customers_of(self.channel)
        buyer = self.rng.choice(accounts) if accounts else None
        order = make_order(self.rng, self.store, next(self.sequence), now, self.world.catalog,
                           buyer or {"id": None, "first_name": "Guest", "last_name": "Buyer",
                                     "email": "guest@example.com", "phone": None, "street": "1 Road",
                                     "city": "Brussels", "zip": "1000", "country": "BE"}, self.ids)
        # a new order starts unpaid-or-authorized; the rest of its story arrives in later ticks
        order.update(transactions=order["transactions"][:1], refunds=[], fulfillments=[], cancelled_at=None,
                     cancel_reason=None, updated_at=stamp(now))
        self.open.append(order)
        self.sink.upsert_order(order, "orders/create")
        self.events.append(("orders/create", order["name"]))

    def _advance(self, order: dict, now: datetime) -> None:
        kinds = {t["kind"] for t in order["transactions"] if t["status"] == "success"}
        at = stamp(now)
        if "authorization" in kinds and "capture" not in kinds and "void" not in kinds:
            if self.rng.random() < 0.8:
                self._txn(order, "capture", Decimal(order["total"]), at)
            else:
                self._txn(order, "void", Decimal(order["total"]), at)
                order["cancelled_at"], order["cancel_reason"] = at, "customer"
                self.open.remove(order)
        elif kinds & {"sale", "capture"} and not order["refunds"]:
            line = order["lines"][0]
            # one unit back, as the customer paid it: its share of the line after discount, tax included
            amount = (line_gross(line) / line["quantity"]).quantize(CENT)
            refund_txn = self._txn(order, "refund", amount, at)
            order["refunds"].append({"id": next(self.ids), "created_at": at, "note": "Partial refund",
                                     "amount": money(amount), "restock": True, "transaction_id": refund_txn["id"],
                                     "lines": [{"line_id": line["id"], "quantity": 1, "amount": money(amount)}]})
            self.open.remove(order)
        else:
            self._txn(order, "sale", Decimal(order["total"]), at)
        order["updated_at"] = at

    def _txn(self, order: dict, kind: str, amount: Decimal, at: str) -> dict:
        row = {"id": next(self.ids), "kind": kind, "status": "success", "amount": money(amount), "gateway": "stripe",
               "parent_id": None, "processed_at": at, "charge": None}
        order["transactions"].append(row)
        return row

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()
