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
    pa.field("order_name", pa.string()),                      # metadata[order_name]: Odoo's client_order_ref
    pa.field("presentment_amount_minor", pa.int64()),         # what the customer paid, in the charge's currency
    pa.field("presentment_currency", pa.string()),
    pa.field("exchange_rate", pa.string()),                   # Stripe's rate presentment -> settlement, as text
    pa.field("description", pa.string()),
    pa.field("created_at", UTC_TS, nullable=False),
    pa.field("available_on", UTC_TS),
])

# What the settlement flow hands from matching/classification to booking and the report. The
# column names are the contract between match.py (which builds them) and book.py / report.py.
TRANSACTION_TYPES = ("charge", "refund", "dispute", "fee", "adjustment", "payout")
LINE_STATUSES = (
    "matched", "amount_mismatch", "currency_mismatch",
    "missing_in_odoo", "missing_at_provider", "invalid_payout",
)
EXCHANGE_RATE = pa.decimal128(18, 8)  # Stripe gives up to 6+ places; 8 keeps them exact

CLASSIFIED_SCHEMA = pa.schema([
    pa.field("provider", pa.string(), nullable=False),        # stripe, shopify_payments, ...
    pa.field("payout_id", pa.string()),                       # null for missing_at_provider lines
    pa.field("transaction_id", pa.string()),                  # txn_...; null for missing_at_provider
    pa.field("source", pa.string()),                          # ch_/re_/dp_ id: what an Odoo payment's memo names
    pa.field("type", pa.string(), nullable=False),            # one of TRANSACTION_TYPES
    pa.field("gross", MONEY, nullable=False),                 # settlement currency, signed
    pa.field("fee", MONEY, nullable=False),
    pa.field("net", MONEY, nullable=False),
    pa.field("currency", pa.string(), nullable=False),        # settlement currency, upper case
    pa.field("presentment_amount", MONEY),
    pa.field("presentment_currency", pa.string()),
    pa.field("exchange_rate", EXCHANGE_RATE),
    pa.field("order_ref", pa.string()),
    pa.field("sale_order_id", pa.int64()),
    pa.field("invoice_id", pa.int64()),
    pa.field("payment_id", pa.int64()),
    pa.field("credit_note_id", pa.int64()),
    pa.field("status", pa.string(), nullable=False),          # one of LINE_STATUSES
    pa.field("reason", pa.string()),                          # why, for every status but matched
])

SETTLEMENT_PAYOUT_SCHEMA = pa.schema([
    pa.field("provider", pa.string(), nullable=False),
    pa.field("payout_id", pa.string(), nullable=False),
    pa.field("amount", MONEY, nullable=False),
    pa.field("currency", pa.string(), nullable=False),
    pa.field("arrival_date", UTC_TS, nullable=False),
    pa.field("status", pa.string(), nullable=False),
    pa.field("valid", pa.bool_(), nullable=False),            # passed validation (sums, currency, types)
    pa.field("reason", pa.string()),                          # why not valid
])
