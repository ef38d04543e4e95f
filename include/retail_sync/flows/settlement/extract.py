"""Settlement step 1: a provider's payouts in a window and the balance transactions paid out on each, as
two staged frames every provider fills the same way.

A provider plugs in by implementing `SettlementProvider` (Stripe now; Shopify Payments' payouts and
`payments/balance_transactions` fit the same two calls). Amounts stay integer minor units here, exactly as
providers send them; decimals are made once, in the classified output.

A payout listed twice (a provider's list answering the same object on two pages) is taken once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc

from retail_sync.canonical.orders import UTC_TS

STAGED_PAYOUT_SCHEMA = pa.schema([
    pa.field("provider", pa.string(), nullable=False),
    pa.field("payout_id", pa.string(), nullable=False),
    pa.field("amount_minor", pa.int64(), nullable=False),
    pa.field("currency", pa.string(), nullable=False),
    pa.field("arrival_date", UTC_TS, nullable=False),
    pa.field("created_at", UTC_TS, nullable=False),
    pa.field("status", pa.string(), nullable=False),
])

STAGED_TRANSACTION_SCHEMA = pa.schema([
    pa.field("provider", pa.string(), nullable=False),
    pa.field("payout_id", pa.string(), nullable=False),
    pa.field("transaction_id", pa.string(), nullable=False),
    pa.field("type", pa.string(), nullable=False),            # charge|refund|dispute|fee|adjustment|payout, or raw
    pa.field("raw_type", pa.string(), nullable=False),        # the provider's own type
    pa.field("gross_minor", pa.int64(), nullable=False),      # settlement currency, signed
    pa.field("fee_minor", pa.int64(), nullable=False),
    pa.field("net_minor", pa.int64(), nullable=False),
    pa.field("currency", pa.string(), nullable=False),        # settlement currency
    pa.field("presentment_minor", pa.int64()),
    pa.field("presentment_currency", pa.string()),
    pa.field("exchange_rate", pa.string()),
    pa.field("source", pa.string()),                          # ch_/re_/dp_ id: an Odoo payment's memo names it
    pa.field("order_ref", pa.string()),                       # canonical order key, e.g. shopify-eu:order:5100…
    pa.field("order_name", pa.string()),                      # the channel's order name: Odoo's client_order_ref
    pa.field("created_at", UTC_TS, nullable=False),
])


class SettlementProvider(Protocol):
    """What settlement needs of a payment provider; one implementation per provider."""

    name: str                                  # "stripe": the `provider` column and the journal it settles into

    def payouts(self, start: datetime, end: datetime) -> pa.Table:
        """Payouts created in [start, end), STAGED_PAYOUT_SCHEMA, duplicates allowed (dropped here)."""

    def transactions(self, payout_id: str) -> pa.Table:
        """Every balance transaction paid out on one payout, STAGED_TRANSACTION_SCHEMA."""


@dataclass
class Extracted:
    payouts: pa.Table
    transactions: pa.Table
    duplicate_payouts: int = 0


def extract_window(provider: SettlementProvider, start: datetime, end: datetime) -> Extracted:
    payouts = provider.payouts(start, end)
    unique, duplicates = first_of_each(payouts, "payout_id")
    tables = [provider.transactions(payout_id) for payout_id in unique.column("payout_id").to_pylist()]
    transactions = pa.concat_tables(tables) if tables else STAGED_TRANSACTION_SCHEMA.empty_table()
    # A payout's list answering one transaction twice is the same mistake one level down.
    transactions, _ = first_of_each(transactions, "transaction_id")
    return Extracted(unique, transactions, duplicates)


def first_of_each(table: pa.Table, column: str) -> tuple[pa.Table, int]:
    """The table with only the first row of each value of `column`, and how many rows went."""
    if table.num_rows == 0:
        return table, 0
    numbered = table.append_column("_n", pa.array(range(table.num_rows), pa.int64()))
    firsts = numbered.group_by(column, use_threads=False).aggregate([("_n", "min")]).column("_n_min")
    keep = pc.is_in(numbered.column("_n"), value_set=firsts)
    return table.filter(keep), table.num_rows - len(firsts)


def concat(tables: Iterable[pa.Table], schema: pa.Schema) -> pa.Table:
    tables = list(tables)
    return pa.concat_tables(tables) if tables else schema.empty_table()
