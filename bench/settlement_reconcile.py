"""Settlement matching at scale: `BENCH_SETTLEMENT_TRANSACTIONS` (1,000,000) balance transactions over
`BENCH_SETTLEMENT_PAYOUTS` (1,000) payouts, matched against the Odoo sandbox's orders, invoices and payments.

The provider side is generated here as the staged frames the extract step produces (the Stripe sandbox's
HTTP listing of a million transactions is not what is measured); the Odoo side is seeded straight into the
sandbox's SQLite file (settled_sales), then served by the sandbox in its own process over JSON-RPC.
Planted, with their truth: payouts whose transactions do not sum, charges without an order reference,
orders never loaded into Odoo, payments for another amount or in another currency, and Odoo payments no
payout settles.

Figures: Odoo read time and calls (batched search_read), GX validation time, vectorised classification time
(wall and CPU seconds),
matching total (read + validate + classify, no Odoo writes), peak memory of the matching process (VmHWM),
booking RPC calls and time (statement lines, fee entries, payments), precision and recall per status
against the truth; and the naive baseline in the same run — per-transaction Odoo look-ups (order, invoice,
payment: three calls each) on `BENCH_SETTLEMENT_BASELINE` transactions, extrapolated to all.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .sandbox_process import SandboxProcess

TRANSACTIONS = int(os.environ.get("BENCH_SETTLEMENT_TRANSACTIONS", "1000000"))
PAYOUTS = int(os.environ.get("BENCH_SETTLEMENT_PAYOUTS", "1000"))
BASELINE = int(os.environ.get("BENCH_SETTLEMENT_BASELINE", "300"))
API_KEY = "bench-" + "t" * 34
ENV = {"ODOO_SANDBOX_API_KEY": API_KEY, "ODOO_SANDBOX_PASSWORD": "bench", "ODOO_SANDBOX_ADMIN_PASSWORD": "bench"}
CURRENCIES = np.array(["EUR", "USD", "GBP"])
CHANNELS = {"EUR": "shopify-eu", "USD": "shopify-us", "GBP": "woo-uk"}
DAY = date(2026, 10, 1)
MISSING_AFTER = 7
SHARES = {"refund": 0.08, "dispute": 0.01, "fee": 0.005, "no_reference": 0.003, "not_in_odoo": 0.003,
          "amount": 0.002, "currency": 0.001, "bad_payout": 0.02}
GHOST_PAYMENTS = 200


def generate(workdir: Path) -> dict:
    """The staged payouts and transactions (Parquet) and the Odoo sales, with the truth per line."""
    rng = np.random.default_rng(20)
    per = TRANSACTIONS // PAYOUTS - 1                     # each payout also has its own line
    n = per * PAYOUTS
    payout_of = np.repeat(np.arange(PAYOUTS), per)
    currency = CURRENCIES[rng.choice(3, PAYOUTS, p=[0.6, 0.3, 0.1])][payout_of]
    roll = rng.random(n)
    kind = np.where(roll < SHARES["fee"], "fee", np.where(roll < SHARES["fee"] + SHARES["dispute"], "dispute",
                    np.where(roll < SHARES["fee"] + SHARES["dispute"] + SHARES["refund"], "refund", "charge")))
    amount = rng.integers(500, 50_000, n)
    charges = np.flatnonzero(kind == "charge")
    # A refund or dispute takes money back from an earlier charge of the same currency's store.
    target = np.full(n, -1)
    for code in CURRENCIES:
        pool = charges[currency[charges] == code]
        backs = np.flatnonzero(((kind == "refund") | (kind == "dispute")) & (currency == code))
        target[backs] = rng.choice(pool, len(backs))
    amount = np.where(kind == "refund", -(amount[np.maximum(target, 0)] // 2), amount)
    amount = np.where(kind == "dispute", -amount[np.maximum(target, 0)], amount)
    amount = np.where(kind == "fee", -500, amount)
    fee = np.where(kind == "charge", (amount * 29 // 1000) + 30, np.where(kind == "dispute", 1500, 0))
    net = amount - fee
    order_of = np.where(kind == "charge", np.arange(n), target)
    order_of = np.where(kind == "fee", -1, order_of)
    truth = np.full(n, "matched", dtype=object)
    plant = rng.random(n)
    charge_mask = kind == "charge"
    no_reference = charge_mask & (plant < SHARES["no_reference"])
    not_in_odoo = charge_mask & (plant >= SHARES["no_reference"]) & (plant < SHARES["no_reference"] + SHARES["not_in_odoo"])
    edge = SHARES["no_reference"] + SHARES["not_in_odoo"]
    wrong_amount = charge_mask & (plant >= edge) & (plant < edge + SHARES["amount"])
    wrong_currency = charge_mask & (plant >= edge + SHARES["amount"]) & (plant < edge + SHARES["amount"] + SHARES["currency"])
    absent_order = np.zeros(n, bool)
    absent_order[order_of[not_in_odoo]] = True
    truth[np.isin(order_of, np.flatnonzero(not_in_odoo)) & (order_of >= 0)] = "missing_in_odoo"
    # Refunds and disputes of a charge without reference have no reference either.
    unreferenced = np.isin(order_of, np.flatnonzero(no_reference)) & (order_of >= 0)
    truth[unreferenced] = "missing_in_odoo"
    truth[wrong_amount] = "amount_mismatch"
    truth[wrong_currency] = "currency_mismatch"

    names = np.char.add("#", order_of.astype(str))
    channel = np.vectorize(CHANNELS.get)(currency)
    has_ref = (order_of >= 0) & ~unreferenced
    created = datetime.combine(DAY, datetime.min.time(), UTC)
    payout_ids = np.char.add("po_", np.arange(PAYOUTS).astype(str))
    sources = np.char.add(np.where(kind == "charge", "ch_", np.where(kind == "refund", "re_",
                          np.where(kind == "dispute", "dp_", "fee_"))), np.arange(n).astype(str))
    sums = np.bincount(payout_of, weights=net, minlength=PAYOUTS).astype(np.int64)
    bad = rng.random(PAYOUTS) < SHARES["bad_payout"]
    amounts = sums + np.where(bad, rng.integers(1, 500, PAYOUTS), 0)
    truth[bad[payout_of]] = "invalid_payout"
    payout_currency = currency[np.arange(PAYOUTS) * per]
    txns = pa.table({
        "provider": pa.array(np.full(n + PAYOUTS, "stripe")),
        "payout_id": pa.array(np.concatenate([payout_ids[payout_of], payout_ids])),
        "transaction_id": pa.array(np.char.add("txn_", np.arange(n + PAYOUTS).astype(str))),
        "type": pa.array(np.concatenate([kind, np.full(PAYOUTS, "payout")])),
        "raw_type": pa.array(np.concatenate([kind, np.full(PAYOUTS, "payout")])),
        "gross_minor": pa.array(np.concatenate([amount, -amounts])),
        "fee_minor": pa.array(np.concatenate([fee, np.zeros(PAYOUTS, np.int64)])),
        "net_minor": pa.array(np.concatenate([net, -amounts])),
        "currency": pa.array(np.concatenate([currency, payout_currency])),
        "presentment_minor": pa.array(np.concatenate([amount, np.zeros(PAYOUTS, np.int64)]),
                                      mask=np.concatenate([kind == "fee", np.ones(PAYOUTS, bool)])),
        "presentment_currency": pa.array(np.concatenate([currency, payout_currency]),
                                         mask=np.concatenate([kind == "fee", np.ones(PAYOUTS, bool)])),
        "exchange_rate": pa.nulls(n + PAYOUTS, pa.string()),
        "source": pa.array(np.concatenate([sources, payout_ids]),
                           mask=np.concatenate([kind == "fee", np.zeros(PAYOUTS, bool)])),
        "order_ref": pa.array(np.concatenate([np.char.add(np.char.add(channel, ":order:"), order_of.astype(str)),
                                              payout_ids]), mask=np.concatenate([~has_ref, np.ones(PAYOUTS, bool)])),
        "order_name": pa.array(np.concatenate([names, payout_ids]), mask=np.concatenate([~has_ref, np.ones(PAYOUTS, bool)])),
        "created_at": pa.array([created] * (n + PAYOUTS), pa.timestamp("us", tz="UTC")),
    })
    from retail_sync.flows.settlement.extract import STAGED_PAYOUT_SCHEMA, STAGED_TRANSACTION_SCHEMA

    pq.write_table(txns.cast(STAGED_TRANSACTION_SCHEMA), workdir / "transactions.parquet")
    pq.write_table(pa.table({
        "provider": ["stripe"] * PAYOUTS, "payout_id": payout_ids, "amount_minor": amounts,
        "currency": payout_currency, "arrival_date": [created + timedelta(days=2)] * PAYOUTS,
        "created_at": [created] * PAYOUTS, "status": ["paid"] * PAYOUTS}).cast(STAGED_PAYOUT_SCHEMA),
        workdir / "payouts.parquet")
    truth_all = np.concatenate([truth, np.where(bad, "invalid_payout", "matched")])
    pq.write_table(pa.table({"transaction_id": txns.column("transaction_id"), "truth": truth_all.astype(str)}),
                   workdir / "truth.parquet")
    return {"n": n, "kind": kind, "amount": amount, "currency": currency, "names": names, "channel": channel,
            "charge_mask": charge_mask, "absent_order": absent_order, "wrong_amount": wrong_amount,
            "wrong_currency": wrong_currency, "sources": sources, "target": target}


def seed(url: str, plan: dict) -> int:
    """The Odoo side: a sale order, posted invoice and payment per loaded charge; credit note and payment per
    refund; payments that no payout settles. Returns how many records were written."""
    from retail_sync_sandbox.odoo.app import OdooSandbox
    from retail_sync_sandbox.odoo.seed import SeedCredentials
    from retail_sync_sandbox.odoo.settled_sales import Refund, Sale, seed_sales

    sandbox = OdooSandbox(18, db_url=url, credentials=SeedCredentials("bench", integration_password="bench",
                                                                       integration_api_key=API_KEY))
    db = sandbox.databases["odoo"]
    kind, amount, currency = plan["kind"], plan["amount"], plan["currency"]
    refunds_of: dict[int, list] = {}
    for i in np.flatnonzero(kind == "refund"):
        refunds_of.setdefault(int(plan["target"][i]), []).append(Refund(str(plan["sources"][i]),
                                                                        Decimal(int(-amount[i])) / 100))
    day = (DAY - timedelta(days=1)).isoformat()
    sales = []
    written = 0
    for i in np.flatnonzero(plan["charge_mask"] & ~plan["absent_order"]):
        paid = Decimal(int(amount[i])) / 100 + (1 if plan["wrong_amount"][i] else 0)
        sales.append(Sale(str(plan["channel"][i]), str(plan["names"][i]), str(currency[i]), Decimal(int(amount[i])) / 100,
                          str(plan["sources"][i]), paid, day, "CHF" if plan["wrong_currency"][i] else None,
                          refunds_of.get(int(i), [])))
        if len(sales) == 50_000:
            written += len(seed_sales(db, sales))
            sales = []
    due = (DAY - timedelta(days=MISSING_AFTER)).isoformat()
    sales += [Sale("shopify-eu", f"#ghost{g}", "EUR", Decimal("10.00"), f"ch_ghost{g}", Decimal("10.00"), due)
              for g in range(GHOST_PAYMENTS)]
    written += len(seed_sales(db, sales))
    db.engine.dispose()
    return written


def match(url: str, workdir: str, queue) -> None:
    """Read Odoo, validate, classify, book: in its own process, so its peak memory is its own."""
    from retail_sync.flows.settlement.book import BookingSettings, book_settlements
    from retail_sync.flows.settlement.match import classify
    from retail_sync.flows.settlement.odoo_ledger import read_ledger
    from retail_sync.flows.settlement.validate import validate_window
    from retail_sync.odoo.client import OdooClient, OdooConfig

    folder = Path(workdir)
    client = OdooClient(OdooConfig(url, "odoo", "retail-sync", API_KEY, timeout=600))
    client.uid  # noqa: B018  (log in before timing)
    import great_expectations  # noqa: F401  (its import is a per-process cost, not matching)

    started = time.perf_counter()
    transactions = pq.read_table(folder / "transactions.parquet")
    payouts = pq.read_table(folder / "payouts.parquet")
    names = pa.compute.unique(transactions.column("order_name").drop_null()).to_pylist()
    sources = pa.compute.unique(transactions.column("source").drop_null()).to_pylist()
    ledger = read_ledger(client, "STRP", names, sources, DAY - timedelta(days=MISSING_AFTER),
                         DAY + timedelta(days=1 - MISSING_AFTER), 50_000)
    read_s = time.perf_counter() - started
    # CPU seconds beside the wall clock: on the shared machine the wall clock mostly measures the other work.
    t, cpu = time.perf_counter(), time.process_time()
    validated = validate_window(payouts, transactions, ledger.active_currencies)
    validate_s, validate_cpu = time.perf_counter() - t, time.process_time() - cpu
    t, cpu = time.perf_counter(), time.process_time()
    classified = classify(transactions, validated.payouts, ledger, set(), MISSING_AFTER)
    classify_s, classify_cpu = time.perf_counter() - t, time.process_time() - cpu
    matching_s = time.perf_counter() - started
    pq.write_table(classified, folder / "classified.parquet")
    hwm = _vm_hwm_mib()
    t = time.perf_counter()
    booking = book_settlements(client, validated.payouts, classified, BookingSettings(chunk=500))
    queue.put({"odoo_read_s": round(read_s, 2), "odoo_read_calls": ledger.calls, "validate_s": round(validate_s, 2),
               "validate_cpu_s": round(validate_cpu, 2), "classify_s": round(classify_s, 2),
               "classify_cpu_s": round(classify_cpu, 2), "matching_s": round(matching_s, 2), "peak_mib": hwm,
               "booking_s": round(time.perf_counter() - t, 2), "booking_rpc_calls": booking.calls,
               "booking": booking.counts})


def baseline(url: str, workdir: Path, sample: int) -> dict:
    """What a naive matcher does: per transaction, look its order, invoice and payment up in Odoo."""
    from retail_sync.odoo.client import OdooClient, OdooConfig

    client = OdooClient(OdooConfig(url, "odoo", "retail-sync", API_KEY))
    client.uid  # noqa: B018
    rows = pq.read_table(workdir / "transactions.parquet").filter(
        pa.compute.equal(pa.compute.field("type"), "charge")).slice(0, sample).to_pylist()
    started = time.perf_counter()
    calls_before = client.counters.calls
    for row in rows:
        orders = client.call("sale.order", "search_read", [["client_order_ref", "=", row["order_name"]]], ["name"])
        if orders:
            client.call("account.move", "search_read", [["invoice_origin", "=", orders[0]["name"]]],
                        ["amount_total", "currency_id"])
        client.call("account.payment", "search_read", [["memo", "=", row["source"]]], ["amount", "currency_id"])
    seconds = time.perf_counter() - started
    return {"baseline_sample": len(rows), "baseline_calls": client.counters.calls - calls_before,
            "baseline_s_per_transaction": round(seconds / max(1, len(rows)), 4),
            "baseline_extrapolated_s": round(seconds / max(1, len(rows)) * TRANSACTIONS)}


def scores(workdir: Path) -> dict:
    got = pq.read_table(workdir / "classified.parquet", columns=["transaction_id", "status"]).to_pandas()
    truth = pq.read_table(workdir / "truth.parquet").to_pandas()
    joined = got.merge(truth, on="transaction_id", how="outer")
    joined["truth"] = joined["truth"].fillna("missing_at_provider")
    result = {}
    for status in ("matched", "invalid_payout", "missing_in_odoo", "amount_mismatch", "currency_mismatch",
                   "missing_at_provider"):
        predicted, actual = joined["status"] == status, joined["truth"] == status
        hit = int((predicted & actual).sum())
        result[status] = {"truth": int(actual.sum()), "precision": round(hit / max(1, int(predicted.sum())), 4),
                          "recall": round(hit / max(1, int(actual.sum())), 4)}
    return result


def _vm_hwm_mib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return -1


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-settlement-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir}/odoo.sqlite"
        started = time.perf_counter()
        plan = generate(workdir)
        generate_s = time.perf_counter() - started
        started = time.perf_counter()
        written = seed(url, plan)
        seed_s = time.perf_counter() - started
        del plan
        with SandboxProcess("odoo", "--version", "18", "--db", url, "--seed", "demo", env=ENV) as server:
            context = multiprocessing.get_context("spawn")
            queue = context.Queue()
            child = context.Process(target=match, args=(server.url, str(workdir), queue))
            child.start()
            figures = queue.get()
            child.join()
            figures.update(baseline(server.url, workdir, BASELINE))
        figures["match_vs_baseline_speedup"] = round(figures["baseline_extrapolated_s"] / figures["matching_s"], 1)
        print(json.dumps({"bench": "settlement_reconcile", "transactions": TRANSACTIONS, "payouts": PAYOUTS,
                          "generate_s": round(generate_s, 1), "odoo_seed_s": round(seed_s, 1),
                          "odoo_records_seeded": written, **figures, "scores": scores(workdir)}))


if __name__ == "__main__":
    main()
