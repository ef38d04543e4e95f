"""The GX suites for a provider's settlement: each balance transaction (a type settlement knows, the
payout's currency, net = gross − fee) and each payout as a whole (its transactions' net sums to its
amount; its currency is one Odoo has active). A payout failing any of them is not booked."""

from __future__ import annotations

import pandas as pd

from retail_sync.canonical.settlement import TRANSACTION_TYPES
from retail_sync.quality.validation import ROW_ID, Rule

KNOWN_TYPE = "transaction type known"
SAME_CURRENCY = "transaction in its payout's currency"
NET_IS_GROSS_LESS_FEE = "net = gross − fee"
SUMS_TO_PAYOUT = "transactions' net sums to the payout amount"
CURRENCY_IN_ODOO = "payout currency active in Odoo"


def prepare_transactions(transactions: pd.DataFrame, payout_currency: pd.Series) -> pd.DataFrame:
    """The transactions with a row id and the derived columns GX checks (payout_currency: by payout id)."""
    frame = transactions.reset_index(drop=True)
    frame[ROW_ID] = range(1, len(frame) + 1)
    frame["_currency_ok"] = frame["currency"].to_numpy() == frame["payout_id"].map(payout_currency).to_numpy()
    frame["_net_ok"] = (frame["gross_minor"] - frame["fee_minor"]).to_numpy() == frame["net_minor"].to_numpy()
    return frame


def prepare_payouts(payouts: pd.DataFrame, transactions: pd.DataFrame, odoo_currencies: set[str]) -> pd.DataFrame:
    """The payouts with a row id, their transactions' net summed (Stripe's own payout line left out) and
    the derived columns GX checks."""
    paid = transactions[transactions["type"] != "payout"].groupby("payout_id")["net_minor"].sum()
    frame = payouts.reset_index(drop=True)
    frame[ROW_ID] = range(1, len(frame) + 1)
    frame["transactions_net_minor"] = frame["payout_id"].map(paid).fillna(0).astype("int64")
    frame["_sums_ok"] = frame["transactions_net_minor"].to_numpy() == frame["amount_minor"].to_numpy()
    frame["_currency_in_odoo"] = frame["currency"].isin(sorted(odoo_currencies))
    return frame


def transaction_rules() -> list[Rule]:
    import great_expectations as gx

    return [
        Rule(KNOWN_TYPE, gx.expectations.ExpectColumnValuesToBeInSet(column="type", value_set=list(TRANSACTION_TYPES))),
        Rule(SAME_CURRENCY, gx.expectations.ExpectColumnValuesToBeInSet(column="_currency_ok", value_set=[True]),
             show="currency"),
        Rule(NET_IS_GROSS_LESS_FEE, gx.expectations.ExpectColumnValuesToBeInSet(column="_net_ok", value_set=[True]),
             show="net_minor"),
    ]


def payout_rules() -> list[Rule]:
    import great_expectations as gx

    return [
        Rule(SUMS_TO_PAYOUT, gx.expectations.ExpectColumnValuesToBeInSet(column="_sums_ok", value_set=[True]),
             show="transactions_net_minor"),
        Rule(CURRENCY_IN_ODOO, gx.expectations.ExpectColumnValuesToBeInSet(column="_currency_in_odoo",
                                                                           value_set=[True]), show="currency"),
    ]
