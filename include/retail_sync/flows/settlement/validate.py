"""Settlement step 2: GX validation of the extracted window. A payout is valid when it and every one of its
transactions pass; an invalid payout is reported with its reasons and is not booked (its lines are
classified `invalid_payout`). Nothing is dropped: every payout leaves here valid or not, with a reason."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from retail_sync.canonical.money import from_minor_units
from retail_sync.canonical.settlement import SETTLEMENT_PAYOUT_SCHEMA
from retail_sync.quality import settlement_suite
from retail_sync.quality.validation import ROW_ID, SuiteRunner

TRANSACTION_COLUMNS = ["payout_id", "transaction_id", "type", "currency", "gross_minor", "fee_minor", "net_minor"]


@dataclass
class ValidatedPayouts:
    payouts: pa.Table                                        # SETTLEMENT_PAYOUT_SCHEMA: every payout, valid or not
    failures: dict[str, int] = field(default_factory=dict)   # rule -> failing rows
    docs_index: str | None = None

    @property
    def invalid(self) -> int:
        return len(self.payouts) - sum(self.payouts.column("valid").to_pylist())


def validate_window(payouts: pa.Table, transactions: pa.Table, odoo_currencies: set[str],
                    docs_root: Path | None = None) -> ValidatedPayouts:
    payout_frame = payouts.to_pandas()
    txn_frame = transactions.select(TRANSACTION_COLUMNS).to_pandas()
    reasons: dict[str, list[str]] = defaultdict(list)
    failures: dict[str, int] = {}
    docs = None
    if len(txn_frame):
        currency_of = payout_frame.set_index("payout_id")["currency"]
        checked = settlement_suite.prepare_transactions(txn_frame, currency_of)
        runner = SuiteRunner("settlement_transactions", settlement_suite.transaction_rules(),
                             key_column="transaction_id")
        report = runner.run(checked, docs_root, docs_for_passing=False)
        docs = report.docs_index
        failures.update({r.rule: r.unexpected_count for r in report.failed_rules})
        if report.row_failures:
            payout_of = checked.set_index(ROW_ID)["payout_id"]
            per_payout: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for row, rules in report.row_failures.items():
                for rule in rules:
                    per_payout[payout_of[row]][rule] += 1
            for payout_id, rules in per_payout.items():
                reasons[payout_id] += [f"{rule} ({n} transaction{'s' if n > 1 else ''})" for rule, n in rules.items()]
    if len(payout_frame):
        checked = settlement_suite.prepare_payouts(payout_frame, txn_frame, odoo_currencies)
        report = SuiteRunner("settlement_payouts", settlement_suite.payout_rules(), key_column="payout_id").run(
            checked, docs_root, docs_for_passing=False)
        docs = docs or report.docs_index
        failures.update({r.rule: r.unexpected_count for r in report.failed_rules})
        by_row = checked.set_index(ROW_ID)
        for row, rules in report.row_failures.items():
            payout = by_row.loc[row]
            for rule in rules:
                reasons[payout["payout_id"]].append(_explain(rule, payout))
    return ValidatedPayouts(_payout_table(payout_frame, reasons), failures, docs)


def _explain(rule: str, payout: pd.Series) -> str:
    if rule == settlement_suite.SUMS_TO_PAYOUT:
        currency = payout["currency"]
        return (f"{rule}: transactions net {from_minor_units(payout['transactions_net_minor'], currency)} "
                f"≠ payout {from_minor_units(payout['amount_minor'], currency)} {currency}")
    if rule == settlement_suite.CURRENCY_IN_ODOO:
        return f"{rule}: {payout['currency']} is not an active currency in Odoo"
    return rule


def _payout_table(frame: pd.DataFrame, reasons: dict[str, list[str]]) -> pa.Table:
    rows = [{"provider": p["provider"], "payout_id": p["payout_id"],
             "amount": from_minor_units(p["amount_minor"], p["currency"]), "currency": p["currency"],
             "arrival_date": p["arrival_date"], "status": p["status"], "valid": p["payout_id"] not in reasons,
             "reason": "; ".join(reasons[p["payout_id"]]) if p["payout_id"] in reasons else None}
            for p in frame.to_dict("records")]
    return pa.Table.from_pylist(rows, schema=SETTLEMENT_PAYOUT_SCHEMA)
