"""Stripe as a settlement provider: its automatic payouts and their balance transactions (sources
expanded), through the Stripe connector; Stripe's transaction types named the way settlement names them.

A dispute's source object carries no metadata: its order is the one of the charge it disputes, asked of
Stripe once per charge.
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from retail_sync.channels.stripe.connector import StripeConnector
from retail_sync.channels.stripe.mapping import order_reference
from retail_sync.flows.settlement.extract import STAGED_PAYOUT_SCHEMA, STAGED_TRANSACTION_SCHEMA

CHARGE_TYPES = {"charge", "payment"}
REFUND_TYPES = {"refund", "payment_refund"}
FEE_TYPES = {"stripe_fee", "application_fee", "tax_fee", "stripe_fx_fee"}


def settlement_type(raw_type: str, reporting_category: str) -> str:
    """Stripe's (type, reporting_category) as settlement's kind; a type settlement does not know stays raw,
    and validation refuses its payout."""
    if raw_type in CHARGE_TYPES:
        return "charge"
    if raw_type in REFUND_TYPES:
        return "refund"
    if reporting_category == "dispute" or raw_type in ("dispute", "dispute_reversal"):
        return "dispute"
    if raw_type in FEE_TYPES or reporting_category == "fee":
        return "fee"
    if raw_type == "adjustment":
        return "adjustment"
    if raw_type == "payout":
        return "payout"
    return raw_type


class StripeSettlement:
    name = "stripe"

    def __init__(self, connector: StripeConnector):
        self.connector = connector
        self._charge_orders: dict[str, tuple[str | None, str | None]] = {}

    def payouts(self, start: datetime, end: datetime) -> pa.Table:
        rows = []
        for page in self.connector.payouts(since=start, until=end):
            for p in page.records.to_pylist():
                rows.append({"provider": self.name, "payout_id": p["source_id"], "amount_minor": p["amount_minor"],
                             "currency": p["currency"], "arrival_date": p["arrival_date"],
                             "created_at": p["created_at"], "status": p["status"]})
        return pa.Table.from_pylist(rows, schema=STAGED_PAYOUT_SCHEMA)

    def transactions(self, payout_id: str) -> pa.Table:
        rows = []
        for bt in self.connector.balance_transactions(payout_id).to_pylist():
            kind = settlement_type(bt["type"], bt["reporting_category"])
            ref, name = bt["order_reference"], bt["order_name"]
            if kind == "dispute" and ref is None and bt["charge"]:
                ref, name = self._order_of_charge(bt["charge"])
            rows.append({"provider": self.name, "payout_id": payout_id, "transaction_id": bt["source_id"],
                         "type": kind, "raw_type": bt["type"], "gross_minor": bt["amount_minor"],
                         "fee_minor": bt["fee_minor"], "net_minor": bt["net_minor"], "currency": bt["currency"],
                         "presentment_minor": bt["presentment_amount_minor"],
                         "presentment_currency": bt["presentment_currency"], "exchange_rate": bt["exchange_rate"],
                         "source": bt["source"], "order_ref": ref, "order_name": name,
                         "created_at": bt["created_at"]})
        return pa.Table.from_pylist(rows, schema=STAGED_TRANSACTION_SCHEMA)

    def _order_of_charge(self, charge_id: str) -> tuple[str | None, str | None]:
        if charge_id not in self._charge_orders:
            metadata = self.connector.charge(charge_id).get("metadata") or {}
            self._charge_orders[charge_id] = (order_reference(metadata), metadata.get("order_name"))
        return self._charge_orders[charge_id]
