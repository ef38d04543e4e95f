"""The Stripe account behind the stores: charges for captured money, refunds, disputes, fees,
adjustments, and the automatic payouts that settle them, per currency, in integer minor units.

Invariant (Stripe's own): for a payout P, the net of the balance transactions paid out on P, the
payout's own transaction excluded, equals P's amount. A mess knob breaks it on purpose.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from retail_sync.canonical.money import to_minor_units

from .orders import stamp

FEES = {"EUR": (Decimal("0.015"), 25), "USD": (Decimal("0.029"), 30), "GBP": (Decimal("0.015"), 20)}
DISPUTE_FEE = 1500


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def unix(text: str) -> int:
    return int((parse_time(text) - datetime(1970, 1, 1)).total_seconds())


class StripeLedger:
    """Builds Stripe objects with ids that are unique and stable for a seed."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.charges: list[dict] = []
        self.refunds: list[dict] = []
        self.disputes: list[dict] = []
        self.payouts: list[dict] = []
        self.balance_transactions: list[dict] = []
        self._n = 0

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_{self._n:08d}{self.rng.randrange(16**8):08x}"

    def _bt(self, kind: str, category: str, amount: int, fee: int, currency: str, created: str, source: str | None,
            description: str | None = None, days_to_available: int = 2) -> dict:
        row = {"id": self._id("txn"), "object": "balance_transaction", "type": kind, "reporting_category": category,
               "amount": amount, "fee": fee, "net": amount - fee, "currency": currency.lower(),
               "created": unix(created),
               "available_on": unix(created) + days_to_available * 86400, "source": source,
               "description": description, "status": "available", "payout": None,
               "fee_details": [{"amount": fee, "currency": currency.lower(), "type": "stripe_fee",
                                "description": "Stripe processing fees", "application": None}] if fee else []}
        self.balance_transactions.append(row)
        return row

    def charge(self, amount: Decimal, currency: str, created: str, metadata: dict, description: str) -> dict:
        minor = to_minor_units(amount, currency)
        rate, fixed = FEES.get(currency, (Decimal("0.029"), 30))
        fee = int((minor * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)) + fixed
        charge = {"id": self._id("ch"), "object": "charge", "amount": minor, "amount_captured": minor,
                  "amount_refunded": 0, "currency": currency.lower(), "created": unix(created), "captured": True,
                  "paid": True, "refunded": False, "disputed": False, "status": "succeeded", "metadata": metadata,
                  "description": description, "payment_intent": self._id("pi"), "balance_transaction": None}
        charge["balance_transaction"] = self._bt("charge", "charge", minor, fee, currency, created, charge["id"])["id"]
        self.charges.append(charge)
        return charge

    def refund(self, charge: dict, amount: Decimal, created: str, metadata: dict | None = None) -> dict:
        minor = to_minor_units(amount, charge["currency"].upper())
        refund = {"id": self._id("re"), "object": "refund", "amount": minor, "charge": charge["id"],
                  "currency": charge["currency"], "created": unix(created), "status": "succeeded",
                  "metadata": metadata or dict(charge["metadata"]), "payment_intent": charge["payment_intent"],
                  "reason": "requested_by_customer", "balance_transaction": None}
        refund["balance_transaction"] = self._bt("refund", "refund", -minor, 0, charge["currency"], created,
                                                 refund["id"], days_to_available=0)["id"]
        charge["amount_refunded"] += minor
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        self.refunds.append(refund)
        return refund

    def dispute(self, charge: dict, created: str) -> dict:
        dispute = {"id": self._id("dp"), "object": "dispute", "amount": charge["amount"], "charge": charge["id"],
                   "currency": charge["currency"], "created": unix(created), "status": "needs_response",
                   "reason": "fraudulent", "payment_intent": charge["payment_intent"], "balance_transactions": []}
        bt = self._bt("adjustment", "dispute", -charge["amount"], DISPUTE_FEE, charge["currency"], created,
                      dispute["id"], "Chargeback withdrawal", days_to_available=0)
        dispute["balance_transactions"].append(bt["id"])
        charge["disputed"] = True
        self.disputes.append(dispute)
        return dispute

    def fee(self, amount: int, currency: str, created: str, description: str) -> dict:
        return self._bt("stripe_fee", "fee", -amount, 0, currency, created, None, description, days_to_available=0)

    def adjustment(self, amount: int, currency: str, created: str, description: str) -> dict:
        return self._bt("adjustment", "other_adjustment", amount, 0, currency, created, None, description,
                        days_to_available=0)

    def pay_out(self, until: datetime) -> None:
        """Automatic daily payouts per currency of everything available by each day, up to `until`."""
        pending = sorted(self.balance_transactions, key=lambda b: (b["available_on"], b["id"]))
        if not pending:
            return
        day = datetime(1970, 1, 1) + timedelta(seconds=pending[0]["available_on"])
        day = day.replace(hour=6, minute=0, second=0)
        while day <= until:
            cutoff = unix(stamp(day))
            due: dict[str, list[dict]] = defaultdict(list)
            for bt in pending:
                if bt["payout"] is None and bt["type"] != "payout" and bt["available_on"] <= cutoff:
                    due[bt["currency"]].append(bt)
            for currency, rows in sorted(due.items()):
                amount = sum(b["net"] for b in rows)
                if amount <= 0:
                    continue          # Stripe carries a negative balance forward
                arrival = day + timedelta(days=2)
                payout = {"id": self._id("po"), "object": "payout", "amount": amount, "currency": currency,
                          "arrival_date": unix(stamp(arrival)), "created": cutoff, "automatic": True,
                          "method": "standard", "type": "bank_account", "description": "STRIPE PAYOUT",
                          "status": "paid" if arrival <= until else "in_transit",
                          "reconciliation_status": "completed" if arrival <= until else "in_progress",
                          "balance_transaction": None, "metadata": {}, "destination": "ba_demo",
                          "statement_descriptor": None, "failure_code": None, "failure_message": None}
                for bt in rows:
                    bt["payout"] = payout["id"]
                own = self._bt("payout", "payout", -amount, 0, currency, stamp(day), payout["id"], "STRIPE PAYOUT",
                               days_to_available=0)
                own["payout"] = payout["id"]
                payout["balance_transaction"] = own["id"]
                self.payouts.append(payout)
            day += timedelta(days=1)
