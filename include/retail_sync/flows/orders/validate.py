"""Order step: a page of canonical order tables → GX validation → the passing orders and the quarantine.

Every order ends in one place: it passes whole (its lines, payments, refunds and shipments with it), or
it is quarantined whole with its raw payload and the rules it failed — as a dead letter at stage
`validate`, so an operator can replay it once the cause is fixed. One bad order never holds up the
others of its page.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from retail_sync.flows.orders.pages import narrow
from retail_sync.quality import order_suite
from retail_sync.quality.validation import SuiteRunner, ValidationReport
from retail_sync.state.store import StateStore

SUITE = "channel_orders"


@dataclass(frozen=True)
class QuarantinedOrder:
    key: str
    reasons: list[str]          # the rules it failed, with what failed them ("every SKU …: NOPE-1")
    raw: str                    # the platform's payload as it came
    lines: list[dict]           # its canonical lines, for the person who replays it


@dataclass
class ValidatedOrders:
    good: dict[str, pa.Table]                   # every table of the page, narrowed to the passing orders
    quarantined: list[QuarantinedOrder] = field(default_factory=list)
    report: ValidationReport | None = None

    @property
    def good_keys(self) -> list[str]:
        return self.good["orders"].column("key").to_pylist()


class OrderValidator:
    """The order suite, set up once (a run) and applied to every page."""

    def __init__(self, known_skus: Collection[str], docs_root: Path | None = None):
        self.known_skus = set(known_skus)
        self.docs_root = docs_root
        self.runner = SuiteRunner(SUITE, order_suite.rules(), key_column="key")

    def validate(self, tables: dict[str, pa.Table]) -> ValidatedOrders:
        frame = order_suite.prepare(tables, self.known_skus)
        if frame.empty:
            return ValidatedOrders(dict(tables))
        report = self.runner.run(frame, self.docs_root, docs_for_passing=False)
        by_row = frame.set_index("_row")
        failed_keys = {}
        for row, names in report.row_failures.items():
            failed_keys[by_row.at[row, "key"]] = [_reason(name, by_row.loc[row]) for name in names]
        lines = tables["lines"].to_pylist()
        quarantined = [QuarantinedOrder(key, reasons, by_row.loc[by_row["key"] == key, "raw"].iloc[0],
                                        [li for li in lines if li["order_key"] == key])
                       for key, reasons in failed_keys.items()]
        return ValidatedOrders(narrow(tables, failed_keys, keep=False), quarantined, report)


# The derived cell that says what failed a rule, added to the rule's name in the reason.
DETAIL_COLUMNS = {
    "every SKU is a product in Odoo": "unknown_skus",
    "every quantity is above 0": "bad_quantities",
    "prices, discounts, taxes and totals are not negative": "negative_amounts",
    "every line has a SKU": "lines_without_sku",
    "lines are in the order's currency": "line_currencies",
    "currency is an ISO-4217 code": "currency",
}


def _reason(rule: str, row) -> str:
    column = DETAIL_COLUMNS.get(rule)
    detail = row.get(column) if column else None
    return f"{rule}: {detail}" if detail is not None else rule


def dead_letter(store: StateStore, flow: str, run_id: str, quarantined: list[QuarantinedOrder]) -> None:
    """Park each quarantined order with its raw payload, lines and reasons (stage `validate`)."""
    for order in quarantined:
        store.dead_letter(flow, order.key, {"raw": order.raw, "lines": order.lines}, "; ".join(order.reasons),
                          "validate", run_id)
