"""The canonical Payout and BalanceTransaction of a payment provider (Stripe first).

Amounts stay in the provider's integer minor units (`amount_minor`) beside a decimal `amount`
derived with the currency's exponent, so sums are exact either way.
"""

from __future__ import annotations

import pyarrow as pa

from retail_sync.canonical.money import MONEY
from retail_sync.canonical.orders import UTC_TS

PAYOUT_SCHEMA = pa.schema([
    pa.field("key", pa.string(), nullable=False),             # stripe:payout:po_...
    pa.field("channel", pa.string(), nullable=False),
    pa.field("source_id", pa.string(), nullable=False),
    pa.field("amount_minor", pa.int64(), nullable=False),
    pa.field("amount", MONEY, nullable=False),
    pa.field("currency", pa.string(), nullable=False),        # upper case ISO-4217
    pa.field("status", pa.string(), nullable=False),
    pa.field("automatic", pa.bool_(), nullable=False),
    pa.field("reconciliation_status", pa.string()),
    pa.field("arrival_date", UTC_TS, nullable=False),
    pa.field("created_at", UTC_TS, nullable=False),
])

BALANCE_TRANSACTION_SCHEMA = pa.schema([
    pa.field("key", pa.string(), nullable=False),             # stripe:balance_transaction:txn_...
    pa.field("channel", pa.string(), nullable=False),
    pa.field("source_id", pa.string(), nullable=False),
    pa.field("payout_key", pa.string()),
    pa.field("type", pa.string(), nullable=False),
    pa.field("reporting_category", pa.string(), nullable=False),
    pa.field("amount_minor", pa.int64(), nullable=False),
    pa.field("fee_minor", pa.int64(), nullable=False),
    pa.field("net_minor", pa.int64(), nullable=False),
    pa.field("amount", MONEY, nullable=False),
    pa.field("fee", MONEY, nullable=False),
    pa.field("net", MONEY, nullable=False),
    pa.field("currency", pa.string(), nullable=False),
    pa.field("source", pa.string()),                          # ch_/re_/dp_/po_ id
    pa.field("charge", pa.string()),                          # the charge a refund or dispute belongs to
    pa.field("order_reference", pa.string()),                 # metadata[order_id] of the charge, if any
    pa.field("description", pa.string()),
    pa.field("created_at", UTC_TS, nullable=False),
    pa.field("available_on", UTC_TS),
])
