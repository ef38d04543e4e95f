"""The demo retail world: one seeded, deterministic generator for every sandbox.

`build_world(seed, scale, mess)` gives a catalog (and its PIM feed), the stores (two Shopify, one
WooCommerce) with their locations, stock, customer accounts, orders over time in every status and
three currencies, and the Stripe account that settles them. `Mess` knobs plant the records the flows
must catch; `world.truth` says which records are bad and why and which customers are one person,
so tests and benchmarks can score the flows. Same seed and scale, same world, byte for byte.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from .catalog import catalog_rows, write_catalog_csv
from .orders import Store, make_order, recompute_totals, stamp, state_at
from .payments import StripeLedger
from .people import DUPLICATE_KINDS, Person, duplicate_of, make_person

ANCHOR = datetime(2026, 11, 1)      # the world's "now"; orders span the 60 days before it
DAYS = 60
WAREHOUSE = {"code": "WH", "name": "Main warehouse"}
STORES = (
    Store("shopify-eu", "shopify", "EUR", Decimal("0.21"), Decimal("1"), ("BE", "NL", "FR", "DE"), 0.45,
          5_100_000_000, 1001, 71_000_001),
    Store("shopify-us", "shopify", "USD", Decimal("0.08"), Decimal("1.08"), ("US",), 0.35,
          6_200_000_000, 2001, 72_000_001),
    Store("woo-uk", "woocommerce", "GBP", Decimal("0.20"), Decimal("0.86"), ("GB",), 0.20, 0, 1, 1),
)
FREE_TEXT_CURRENCY = {s.channel for s in STORES if s.platform == "woocommerce"}
EMOJI_NAMES = [("Zoë 🌸", "Ng 🚀"), ("Ana 😊", "Lima")]
RTL_NAMES = [("محمد", "العلي"), ("נועה", "כהן")]


@dataclass(frozen=True)
class Mess:
    """How much of each kind of bad or awkward record to plant (shares of their population)."""

    duplicate_customers: float = 0.15
    unknown_sku: float = 0.01
    bad_quantity: float = 0.01
    bad_totals: float = 0.01
    unknown_currency: float = 0.005
    invalid_email: float = 0.01
    unicode_names: float = 0.01
    long_note: float = 0.005
    duplicate_delivery: float = 0.02
    out_of_order_updates: float = 0.02
    payout_mismatch: float = 0.05
    charges_without_order: int = 2
    refunds_for_unknown_orders: int = 2
    stock_drift: float = 0.02

    @classmethod
    def none(cls) -> Mess:
        return cls(**{f.name: 0 for f in dataclasses.fields(cls)})


@dataclass
class World:
    seed: int
    scale: float
    mess: Mess
    catalog: list[dict]
    stores: tuple[Store, ...]
    customers: list[dict]                 # storefront accounts (store, id, names, email, phone, address, cluster)
    orders: list[dict]                    # final state of every order, every store
    deliveries: list[dict]                # order webhooks in delivery order: {store, id, at}
    stock: list[dict]                     # {sku, location, quantity}: the warehouse and each channel
    stripe: dict                          # charges, refunds, disputes, payouts, balance_transactions
    truth: dict = field(default_factory=dict)

    def orders_of(self, channel: str) -> list[dict]:
        return [o for o in self.orders if o["store"] == channel]

    def customers_of(self, channel: str) -> list[dict]:
        return [c for c in self.customers if c["store"] == channel]

    def store(self, channel: str) -> Store:
        return next(s for s in self.stores if s.channel == channel)

    def order_version(self, delivery: dict) -> dict:
        order = next(o for o in self.orders if o["store"] == delivery["store"] and o["id"] == delivery["id"])
        return state_at(order, delivery["at"])


def build_world(seed: int = 7, scale: float = 1.0, mess: Mess | None = None,
                orders: int | None = None) -> World:
    mess = Mess() if mess is None else mess
    rng = random.Random(seed)
    ids = itertools.count(10_000_001)
    catalog = catalog_rows(max(20, int(200 * scale)), seed=seed)
    n_orders = orders if orders is not None else max(30, int(1000 * scale))
    truth: dict = {"bad_orders": {}, "awkward_orders": {}, "customer_clusters": {}, "duplicate_deliveries": [],
                   "out_of_order_deliveries": [], "bad_payouts": {}, "charges_without_order": [],
                   "refunds_for_unknown_orders": [], "stock_drift": {}}

    customers = make_customers(rng, mess, max(20, int(250 * scale)), truth)
    orders_out: list[dict] = []
    for store in STORES:
        accounts = [c for c in customers if c["store"] == store.channel]
        count = max(10, int(n_orders * store.share))
        for seq in range(count):
            created = ANCHOR - timedelta(days=DAYS) + timedelta(seconds=int(DAYS * 86400 * seq / count))
            created += timedelta(seconds=rng.randrange(0, 600))
            buyer = rng.choice(accounts) if accounts and rng.random() < 0.8 else guest(rng, store)
            orders_out.append(make_order(rng, store, seq, created, catalog, buyer, ids))
    mess_orders(rng, mess, orders_out, truth)
    stripe = settle(rng, mess, orders_out, truth)
    deliveries = make_deliveries(rng, mess, orders_out, truth)
    stock = make_stock(rng, mess, catalog, orders_out, truth)
    return World(seed, scale, mess, catalog, STORES, customers, orders_out, deliveries, stock, stripe, truth)


def account(store: Store, account_id: int, person: Person, created: datetime) -> dict:
    return {"store": store.channel, "id": account_id, "cluster": person.cluster, "first_name": person.first_name,
            "last_name": person.last_name, "email": person.email, "phone": person.phone, "street": person.street,
            "city": person.city, "zip": person.zip, "country": person.country, "created_at": stamp(created),
            "updated_at": stamp(created + timedelta(days=1))}


def make_customers(rng: random.Random, mess: Mess, n_people: int, truth: dict) -> list[dict]:
    rows: list[dict] = []
    next_id = {s.channel: (s.id_base // 1000 * 1000 + 800_000_000 if s.id_base else 1) for s in STORES}
    for cluster in range(1, n_people + 1):
        store = rng.choices(STORES, weights=[s.share for s in STORES])[0]
        person = make_person(rng, cluster, list(store.countries))
        created = ANCHOR - timedelta(days=rng.randrange(DAYS, 400))
        copies = [(store, person)]
        if rng.random() < mess.duplicate_customers:
            kind = rng.choice(DUPLICATE_KINDS)
            other = rng.choice(STORES) if rng.random() < 0.5 else store
            copies.append((other, duplicate_of(rng, person, kind)))
            truth["customer_clusters"].setdefault(str(cluster), {"kind": kind, "records": []})
        for copy_store, copy in copies:
            next_id[copy_store.channel] += 1
            rows.append(account(copy_store, next_id[copy_store.channel], copy, created))
            if str(cluster) in truth["customer_clusters"]:
                truth["customer_clusters"][str(cluster)]["records"].append(
                    f"{copy_store.channel}:customer:{next_id[copy_store.channel]}")
    return rows


def guest(rng: random.Random, store: Store) -> dict:
    person = make_person(rng, 0, list(store.countries))
    return {"id": None, **{k: getattr(person, k) for k in ("first_name", "last_name", "email", "phone", "street",
                                                              "city", "zip", "country")}}


def order_key(order: dict) -> str:
    return f"{order['store']}:order:{order['id']}"


def mess_orders(rng: random.Random, mess: Mess, orders: list[dict], truth: dict) -> None:
    bad, awkward = truth["bad_orders"], truth["awkward_orders"]
    for order in orders:
        key = order_key(order)
        roll = rng.random()
        for knob in ("unknown_sku", "bad_quantity", "bad_totals", "unknown_currency", "invalid_email"):
            share = getattr(mess, knob)
            if roll < share:
                # Shopify's CurrencyCode enum cannot carry a made-up code; WooCommerce's free text can.
                if knob != "unknown_currency" or order["store"] in FREE_TEXT_CURRENCY:
                    plant(rng, order, knob)
                    bad[key] = knob
                break
            roll -= share
        else:
            if roll < mess.unicode_names:
                order["first_name"], order["last_name"] = rng.choice(EMOJI_NAMES + RTL_NAMES)
                awkward[key] = "unicode_names"
            elif roll < mess.unicode_names + mess.long_note:
                order["note"] = ("Please leave the parcel with the neighbour. " * 230)[:10_000]
                awkward[key] = "long_note"


def plant(rng: random.Random, order: dict, knob: str) -> None:
    line = order["lines"][0]
    if knob == "unknown_sku":
        line["sku"] = f"NOPE-{rng.randrange(10**6):06d}"
    elif knob == "bad_quantity":
        line["quantity"] = rng.choice([0, -1])
    elif knob == "bad_totals":
        order["total"] = str(Decimal(order["total"]) + Decimal("10.00"))
    elif knob == "unknown_currency":
        order["currency"] = "XXQ"
    elif knob == "invalid_email":
        order["email"] = order["email"].replace("@", "@@").replace(".", " ", 1)
    # The platform's totals stay as it reported them: the lines of a bad-quantity or bad-totals order no
    # longer add up; the other kinds keep consistent totals.
    if knob not in ("bad_quantity", "bad_totals"):
        totals = {k: order[k] for k in ("subtotal", "tax_total", "total")}
        recompute_totals(order)
        order.update(totals)


def settle(rng: random.Random, mess: Mess, orders: list[dict], truth: dict) -> dict:
    ledger = StripeLedger(rng)
    for order in orders:
        if order["currency"] not in ("EUR", "USD", "GBP"):
            continue                 # the gateway refused the made-up currency: no money moved
        meta = {"channel": order["store"], "order_id": str(order["id"]), "order_name": order["name"]}
        charge = None
        for t in order["transactions"]:
            if t["status"] != "success":
                continue
            if t["kind"] in ("sale", "capture"):
                charge = ledger.charge(Decimal(t["amount"]), order["currency"], t["processed_at"], meta,
                                       f"{order['store']} {order['name']}")
                t["charge"] = charge["id"]
            elif t["kind"] == "refund" and charge:
                t["charge"] = ledger.refund(charge, Decimal(t["amount"]), t["processed_at"])["id"]
        if charge and not charge["refunded"] and rng.random() < 0.01:
            ledger.dispute(charge, order["updated_at"])
    first = min(o["created_at"] for o in orders)
    for _ in range(mess.charges_without_order):
        charge = ledger.charge(Decimal("19.99"), "EUR", first, {}, "Manual charge")
        truth["charges_without_order"].append(charge["id"])
    for n in range(mess.refunds_for_unknown_orders):
        ghost = {"channel": "shopify-eu", "order_id": str(4_999_000_000 + n), "order_name": f"#9{n:04d}"}
        charge = ledger.charge(Decimal("35.00"), "EUR", first, ghost, "Order that never reached Odoo")
        refund = ledger.refund(charge, Decimal("35.00"), first)
        truth["refunds_for_unknown_orders"].append(refund["id"])
    ledger.fee(500, "EUR", first, "Radar for Fraud Teams")
    ledger.adjustment(-250, "USD", first, "Currency conversion correction")
    ledger.pay_out(ANCHOR)
    for payout in ledger.payouts:
        if rng.random() < mess.payout_mismatch:
            delta = rng.choice([-1, 1]) * rng.randrange(1, 500)
            truth["bad_payouts"][payout["id"]] = {"reason": "transactions_do_not_sum", "delta_minor": delta}
            payout["amount"] += delta
    return {"charges": ledger.charges, "refunds": ledger.refunds, "disputes": ledger.disputes,
            "payouts": ledger.payouts, "balance_transactions": ledger.balance_transactions}


def make_deliveries(rng: random.Random, mess: Mess, orders: list[dict], truth: dict) -> list[dict]:
    """orders/create and orders/updated webhooks in the order they reach us, mess included."""
    events = []
    for order in orders:
        moments = sorted({order["created_at"], *(t["processed_at"] for t in order["transactions"]),
                          *(r["created_at"] for r in order["refunds"]),
                          *(f["created_at"] for f in order["fulfillments"])})
        for i, at in enumerate(moments):
            events.append({"store": order["store"], "id": order["id"], "at": at,
                           "topic": "orders/create" if i == 0 else "orders/updated"})
    events.sort(key=lambda e: (e["at"], e["store"], e["id"]))
    out: list[dict] = []
    for event in events:
        out.append(event)
        if rng.random() < mess.duplicate_delivery:
            out.append(dict(event))
            truth["duplicate_deliveries"].append(f"{event['store']}:order:{event['id']}@{event['at']}")
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if (a["store"], a["id"]) != (b["store"], b["id"]) and rng.random() < mess.out_of_order_updates:
            # find this order's next version and let it overtake the current one
            for j in range(i + 1, min(i + 50, len(out))):
                c = out[j]
                if (c["store"], c["id"]) == (a["store"], a["id"]) and c["at"] > a["at"]:
                    out[i], out[j] = out[j], out[i]
                    truth["out_of_order_deliveries"].append(f"{a['store']}:order:{a['id']}@{a['at']}")
                    break
    return out


def make_stock(rng: random.Random, mess: Mess, catalog: list[dict], orders: list[dict], truth: dict) -> list[dict]:
    """Warehouse on hand = stock received − shipped; every channel shows on hand − committed, unless drifted."""
    shipped: dict[str, int] = {}
    committed: dict[str, int] = {}
    skus = {p["sku"] for p in catalog}
    for order in orders:
        if order["cancelled_at"]:
            continue
        sent = {li["line_id"]: li["quantity"] for f in order["fulfillments"] for li in f["lines"]}
        for line in order["lines"]:
            if line["sku"] not in skus or line["quantity"] <= 0:
                continue
            done = sent.get(line["id"], 0)
            shipped[line["sku"]] = shipped.get(line["sku"], 0) + done
            committed[line["sku"]] = committed.get(line["sku"], 0) + line["quantity"] - done
    rows = []
    for product in catalog:
        sku = product["sku"]
        on_hand = committed.get(sku, 0) + rng.randrange(0, 40)
        rows.append({"sku": sku, "location": WAREHOUSE["code"], "quantity": on_hand})
        for store in STORES:
            available = on_hand - committed.get(sku, 0)
            if rng.random() < mess.stock_drift:
                drifted = max(0, available + rng.choice([-3, -1, 2, 5]))
                if drifted != available:
                    truth["stock_drift"][f"{store.channel}:{sku}"] = {"expected": available, "shown": drifted}
                    available = drifted
            rows.append({"sku": sku, "location": store.channel, "quantity": available})
    return rows


def write_world(world: World, directory: Path) -> Path:
    """The world as files: the PIM feed for catalog_publish, JSONL per collection, truth.json."""
    directory.mkdir(parents=True, exist_ok=True)
    write_catalog_csv(directory / "catalog.csv", world.catalog)
    meta = {"seed": world.seed, "scale": world.scale, "mess": dataclasses.asdict(world.mess),
            "stores": [dataclasses.asdict(s) for s in world.stores], "warehouse": WAREHOUSE}
    (directory / "world.json").write_text(json.dumps(meta, indent=1, default=str))
    for name, rows in (("customers", world.customers), ("orders", world.orders), ("deliveries", world.deliveries),
                       ("stock", world.stock), *((f"stripe_{k}", v) for k, v in world.stripe.items())):
        with (directory / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    (directory / "truth.json").write_text(json.dumps(world.truth, indent=1, sort_keys=True))
    return directory
