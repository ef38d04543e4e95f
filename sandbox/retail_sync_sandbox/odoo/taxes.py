"""Percent taxes on document lines, computed and rounded as account.tax does it in Odoo 17, 18 and 19.

The one entry point is `compute_document(lines, currency_rounding, rounding_method, version)`: give it the
lines of a sale order or an invoice (price, quantity, discount and the taxes that apply), get back each
line's subtotal / tax / total and the document's untaxed amount, tax and total. No ORM in here: the models
load the taxes with `models/company_taxes.py` (`tax_specs`, `rounding_settings`) and store the figures.

What Odoo does, by version (addons/account/models/account_tax.py):

* 17 (`compute_all`): the line base `price_unit_after_discount * quantity` is rounded to the currency first.
  A price-included tax takes the rounded price back out (`total_excluded = round(base / (1 + rate))`) and the
  tax is what is left (`base - total_excluded`), so included taxes are whole cents whatever the method.
  Excluded taxes are rounded to the currency with `round_per_line`, kept to rounding * 1e-5 with
  `round_globally`. The order (`sale.order._compute_amounts`) then sums the line subtotals and either the
  line taxes (per line) or, per tax, the rounded sum of the unrounded amounts (globally).
* 18 and 19 (`_add_tax_details_in_base_lines` + `_round_base_lines_tax_details`): raw (unrounded) amounts per
  line, rounded at each step only with `round_per_line`; then, per tax, the document's tax is the rounded sum
  of the raw taxes and the untaxed amount the rounded sum of the raw bases, the rounding delta being spread
  over the lines. With included taxes that can differ from 17 by a cent (Odoo's own example, two lines of
  21.53 with 21% included: 17 gives 35.58 + 7.48, 18 gives 35.59 + 7.47, both 43.06).

Only percent taxes are handled (the sandbox has no fixed, division, group or python taxes, nor taxes that
affect the base of later ones); several percent taxes on one line are independent of each other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ROUND_PER_LINE = "round_per_line"
ROUND_GLOBALLY = "round_globally"


@dataclass(frozen=True)
class TaxSpec:
    """One percent tax as it applies: its id, rate in percent, and whether the price includes it."""

    id: int
    amount: float
    price_include: bool


@dataclass
class LineInput:
    price_unit: float
    quantity: float
    discount: float = 0.0          # percent
    taxes: list[TaxSpec] = field(default_factory=list)


@dataclass
class LineAmounts:
    price_subtotal: float          # untaxed, rounded to the currency
    price_tax: float
    price_total: float
    tax_amounts: dict[int, float]  # tax id -> this line's tax, rounded (17/per-line) or raw (18+/globally)


@dataclass
class DocumentAmounts:
    lines: list[LineAmounts]
    amount_untaxed: float
    amount_tax: float
    amount_total: float
    tax_totals: dict[int, float]   # tax id -> the document's amount for that tax


def round_to(value: float, rounding: float) -> float:
    """float_round(value, precision_rounding=rounding), half away from zero, on the value's shortest repr
    (what Odoo's epsilon correction aims at): 0.125 at 0.01 is 0.13, 2.675 is 2.68."""
    if not rounding:
        return value
    step = Decimal(repr(rounding))
    quantized = (Decimal(repr(value)) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    return float(quantized)


def compute_document(lines: list[LineInput], currency_rounding: float, rounding_method: str,
                     version: int) -> DocumentAmounts:
    if rounding_method not in (ROUND_PER_LINE, ROUND_GLOBALLY):
        raise ValueError(f"Unknown tax rounding method {rounding_method!r}")
    if version == 17:
        return _document_17(lines, currency_rounding, rounding_method)
    return _document_18(lines, currency_rounding, rounding_method)


def _discounted(line: LineInput) -> float:
    return line.price_unit * (1 - (line.discount or 0.0) / 100.0)


# ---------------------------------------------------------------- 17: compute_all per line, then the order sums
def _line_17(line: LineInput, rounding: float, method: str) -> LineAmounts:
    prec = rounding if method == ROUND_PER_LINE else rounding * 1e-5
    base = round_to(_discounted(line) * line.quantity, rounding)
    included = [t for t in line.taxes if t.price_include]
    included_rate = sum(t.amount for t in included)
    total_excluded = round_to(base / (1 + included_rate / 100.0), rounding) if included else base
    taxes: dict[int, float] = defaultdict(float)
    # Included taxes: each computed on the excluded base, the last one takes what is left to reach the
    # price (the "checkpoint"), so base = total_excluded + included taxes exactly.
    remaining = base - total_excluded
    for tax in included[:-1]:
        amount = round_to(total_excluded * tax.amount / 100.0, prec)
        taxes[tax.id] += amount
        remaining -= amount
    if included:
        taxes[included[-1].id] += round_to(remaining, prec)
    for tax in line.taxes:
        if not tax.price_include:
            taxes[tax.id] += round_to(total_excluded * tax.amount / 100.0, prec)
    total_included = round_to(total_excluded + sum(taxes.values()), rounding)
    return LineAmounts(total_excluded, round_to(total_included - total_excluded, rounding), total_included,
                       dict(taxes))


def _document_17(lines: list[LineInput], rounding: float, method: str) -> DocumentAmounts:
    amounts = [_line_17(line, rounding, method) for line in lines]
    untaxed = round_to(sum(a.price_subtotal for a in amounts), rounding)
    per_tax: dict[int, float] = defaultdict(float)
    for a in amounts:
        for tax_id, value in a.tax_amounts.items():
            per_tax[tax_id] += value
    tax_totals = {tax_id: round_to(value, rounding) for tax_id, value in per_tax.items()}
    # Per line the order adds the lines' (rounded) taxes; globally, the per-tax sums rounded once.
    lines_tax = sum(a.price_tax for a in amounts) if method == ROUND_PER_LINE else sum(tax_totals.values())
    tax = round_to(lines_tax, rounding)
    return DocumentAmounts(amounts, untaxed, tax, round_to(untaxed + tax, rounding), tax_totals)


# ---------------------------------------------------------------- 18/19: raw tax details, rounded per tax
def _raw_line_18(line: LineInput, rounding: float, method: str) -> tuple[float, dict[int, float]]:
    """(raw total excluded, raw tax per tax id): rounded at each step only when rounding per line."""
    def step(value: float) -> float:
        return round_to(value, rounding) if method == ROUND_PER_LINE else value

    raw_base = step(_discounted(line) * line.quantity)
    included = [t for t in line.taxes if t.price_include]
    included_rate = sum(t.amount for t in included)
    taxes: dict[int, float] = defaultdict(float)
    for tax in included:
        taxes[tax.id] += step(raw_base * tax.amount / (100.0 + included_rate))
    raw_excluded = raw_base - sum(taxes.values())
    for tax in line.taxes:
        if not tax.price_include:
            taxes[tax.id] += step(raw_excluded * tax.amount / 100.0)
    return raw_excluded, dict(taxes)


def _document_18(lines: list[LineInput], rounding: float, method: str) -> DocumentAmounts:
    raws = [_raw_line_18(line, rounding, method) for line in lines]
    amounts = []
    for raw_excluded, raw_taxes in raws:
        # sale.order.line._compute_amount: price_subtotal / price_total from the raw totals (a Monetary
        # field stores them rounded), price_tax the difference.
        subtotal = round_to(raw_excluded, rounding)
        total = round_to(raw_excluded + sum(raw_taxes.values()), rounding)
        amounts.append(LineAmounts(subtotal, round_to(total - subtotal, rounding), total, raw_taxes))
    per_tax: dict[int, float] = defaultdict(float)
    for _raw_excluded, raw_taxes in raws:
        for tax_id, value in raw_taxes.items():
            per_tax[tax_id] += value
    tax_totals = {tax_id: round_to(value, rounding) for tax_id, value in per_tax.items()}
    untaxed = round_to(sum(raw_excluded for raw_excluded, _ in raws), rounding)
    tax = round_to(sum(tax_totals.values()), rounding)
    return DocumentAmounts(amounts, untaxed, tax, round_to(untaxed + tax, rounding), tax_totals)
