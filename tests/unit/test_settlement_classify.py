"""The classification's look-ups and comparisons on a hand-made Odoo ledger: a charge settled in another
currency at its exchange rate (matched) or not (amount mismatch, with the rate in the reason), a refund
whose order has two credit notes (the one for the refunded amount), an order twice in Odoo (the first),
an order without its invoice, an order Odoo lacks, a payment in another currency, a fee line."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pandas as pd
import pyarrow as pa

from retail_sync.canonical.settlement import SETTLEMENT_PAYOUT_SCHEMA
from retail_sync.flows.settlement.extract import STAGED_TRANSACTION_SCHEMA
from retail_sync.flows.settlement.match import classify, settled_moves
from retail_sync.flows.settlement.odoo_ledger import AWAITING_COLUMNS, PAYMENT_COLUMNS, OdooLedger

AT = datetime(2026, 10, 1, tzinfo=UTC)
EUR, USD, CHF = 1, 2, 3


def txn(txn_id: str, kind: str, gross: int, source: str | None, order: str | None = None,
        presentment: tuple[int, str] | None = None, rate: str | None = None) -> dict:
    return {"provider": "stripe", "payout_id": "po_1", "transaction_id": txn_id, "type": kind, "raw_type": kind,
            "gross_minor": gross, "fee_minor": 0, "net_minor": gross, "currency": "EUR",
            "presentment_minor": presentment[0] if presentment else None,
            "presentment_currency": presentment[1] if presentment else None, "exchange_rate": rate,
            "source": source, "order_ref": f"shopify-eu:order:{order}" if order else None,
            "order_name": f"#{order}" if order else None, "created_at": AT}


def ledger() -> OdooLedger:
    orders = pd.DataFrame([(9, "S9", "#1", "shopify-eu"), (1, "S1", "#1", "shopify-eu"), (2, "S2", "#2", "shopify-eu"),
                           (3, "S3", "#3", "shopify-eu"), (5, "S5", "#5", "shopify-eu")],
                          columns=["sale_order_id", "order_name", "client_order_ref", "origin"])
    moves = pd.DataFrame([(10, "out_invoice", 10.0, USD, 1), (11, "out_invoice", 10.0, USD, 2),
                          (20, "out_refund", 3.0, USD, 1), (21, "out_refund", 4.0, USD, 1),
                          (15, "out_invoice", 5.0, EUR, 5), (19, "out_invoice", 99.0, USD, 9)],
                         columns=["move_id", "move_type", "move_total", "move_currency_id", "order_id"])
    payments = pd.DataFrame([(100, "ch_1", 10.0, USD, "inbound", "2026-09-30"),
                             (101, "ch_2", 10.0, USD, "inbound", "2026-09-30"),
                             (102, "re_3", 4.0, USD, "outbound", "2026-09-30"),
                             (107, "ch_7", 5.0, CHF, "inbound", "2026-09-30")], columns=PAYMENT_COLUMNS)
    return OdooLedger(pd.Series({EUR: "EUR", USD: "USD", CHF: "CHF"}, dtype="object"), {"EUR", "USD", "CHF"}, 1,
                      orders, moves, payments, pd.DataFrame(columns=AWAITING_COLUMNS))


def test_each_line_is_looked_up_and_compared_as_odoo_holds_it():
    transactions = pa.Table.from_pylist([
        txn("txn_1", "charge", 920, "ch_1", "1", (1000, "USD"), "0.92"),
        txn("txn_2", "charge", 950, "ch_2", "2", (1000, "USD"), "0.92"),
        txn("txn_3", "refund", -368, "re_3", "1", (-400, "USD"), "0.92"),
        txn("txn_4", "charge", 700, "ch_4", "3", (700, "EUR")),
        txn("txn_5", "charge", 800, "ch_5", "4", (800, "EUR")),
        txn("txn_6", "fee", -500, None),
        txn("txn_7", "charge", 500, "ch_7", "5", (500, "EUR")),
    ], schema=STAGED_TRANSACTION_SCHEMA)
    payouts = pa.Table.from_pylist([{"provider": "stripe", "payout_id": "po_1", "amount": Decimal("0"),
                                     "currency": "EUR", "arrival_date": AT, "status": "paid", "valid": True,
                                     "reason": None}], schema=SETTLEMENT_PAYOUT_SCHEMA)

    got = {row["transaction_id"]: row for row in classify(transactions, payouts, ledger()).to_pylist()}

    def seen(txn_id: str) -> tuple:
        row = got[txn_id]
        return (row["status"], row["reason"], row["sale_order_id"], row["invoice_id"], row["credit_note_id"],
                row["payment_id"], row["source"])

    assert seen("txn_1") == ("matched", None, 1, 10, None, 100, "ch_1")
    assert seen("txn_2") == ("amount_mismatch", "settled 9.50 EUR is not 10.00 USD at rate 0.92", 2, 11, None, 101,
                             "ch_2")
    assert seen("txn_3") == ("matched", None, 1, 10, 21, 102, "re_3")
    assert seen("txn_4") == ("missing_in_odoo", "order #3 (sale.order 3) has no posted invoice", 3, None, None, None,
                             "ch_4")
    assert seen("txn_5") == ("missing_in_odoo", "charge ch_5: order #4 of shopify-eu is not in Odoo", None, None,
                             None, None, "ch_5")
    assert seen("txn_6")[0] == "matched" and got["txn_6"]["fee"] == Decimal("0")
    assert seen("txn_7") == ("currency_mismatch", "charge in EUR, Odoo payment in CHF", 5, 15, None, 107, "ch_7")
    assert got["txn_1"]["exchange_rate"] == Decimal("0.92") and got["txn_2"]["gross"] == Decimal("9.50")
    assert list(got) == [f"txn_{i}" for i in range(1, 8)]       # the transactions' order, one line each


def test_a_payment_is_settled_by_its_memo_or_by_the_invoice_or_credit_note_a_settled_line_found():
    """Due payments of the provider's journal: one naming a charge seen in the payout; the order flow's refund
    payment, which names its credit note (a storefront does not give the provider's refund id), reconciled
    with the credit note this window's refund found; one reconciled with a credit note an earlier run's refund
    found; and one nobody settled — only that one is missing at the provider."""
    transactions = pa.Table.from_pylist([
        txn("txn_1", "charge", 920, "ch_1", "1", (1000, "USD"), "0.92"),
        txn("txn_3", "refund", -368, "re_3", "1", (-400, "USD"), "0.92"),
    ], schema=STAGED_TRANSACTION_SCHEMA)
    payouts = pa.Table.from_pylist([{"provider": "stripe", "payout_id": "po_1", "amount": Decimal("0"),
                                     "currency": "EUR", "arrival_date": AT, "status": "paid", "valid": True,
                                     "reason": None}], schema=SETTLEMENT_PAYOUT_SCHEMA)
    odoo = ledger()
    odoo.awaiting = pd.DataFrame([(100, "ch_1", 10.0, USD, "inbound", "2026-09-20", [10]),
                                  (103, "RINV/2026/00021", 4.0, USD, "outbound", "2026-09-20", [21]),
                                  (104, "RINV/2026/00030", 2.0, USD, "outbound", "2026-09-20", [30]),
                                  (105, "RINV/2026/00031", 3.0, USD, "outbound", "2026-09-20", [31]),
                                  (106, "INV/2026/00040", 6.0, USD, "inbound", "2026-09-20", [])],
                                 columns=AWAITING_COLUMNS)

    got = classify(transactions, payouts, odoo, settled_before={"ch_0"}, settled_moves_before={30}).to_pylist()

    missing = sorted(row["payment_id"] for row in got if row["status"] == "missing_at_provider")
    assert missing == [105, 106]
    assert settled_moves(classify(transactions, payouts, odoo)) == {10, 21}
