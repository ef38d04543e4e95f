"""The sandbox's tax computation (retail_sync_sandbox/odoo/taxes.py) on the worked examples of Odoo's own
account_tax.py, figures computed by hand from the algorithm, per version and rounding method."""

from __future__ import annotations

import pytest

from retail_sync_sandbox.odoo.taxes import (
    ROUND_GLOBALLY,
    ROUND_PER_LINE,
    LineInput,
    TaxSpec,
    compute_document,
    round_to,
)

VAT19_INCL = TaxSpec(1, 19.0, True)
VAT21_INCL = TaxSpec(2, 21.0, True)
VAT21_EXCL = TaxSpec(3, 21.0, False)
ECO10_EXCL = TaxSpec(4, 10.0, False)


def totals(lines, rounding, method, version):
    doc = compute_document(lines, rounding, method, version)
    return doc.amount_untaxed, doc.amount_tax, doc.amount_total


@pytest.mark.parametrize("version,method,expected", [
    # compute_all's comment (17): lines of 27000 and 10920 with 19% included, no decimals: the excluded
    # amounts are rounded (22689, 9176) and each tax is what is left (4311, 1744).
    (17, ROUND_PER_LINE, (31865.0, 6055.0, 37920.0)),
    (17, ROUND_GLOBALLY, (31865.0, 6055.0, 37920.0)),
    (18, ROUND_PER_LINE, (31865.0, 6055.0, 37920.0)),
    # 18+: round(22689.0756 + 9176.4706) = 31866, round(4310.9244 + 1743.5294) = 6054.
    (18, ROUND_GLOBALLY, (31866.0, 6054.0, 37920.0)),
    (19, ROUND_GLOBALLY, (31866.0, 6054.0, 37920.0)),
])
def test_included_tax_without_decimals(version, method, expected):
    lines = [LineInput(27000.0, 1, 0, [VAT19_INCL]), LineInput(10920.0, 1, 0, [VAT19_INCL])]
    assert totals(lines, 1.0, method, version) == expected


def test_two_excluded_taxes_on_one_line():
    """Both on the same untaxed base: 19.99 x 3 = 59.97; 21% = 12.5937 -> 12.59; 10% = 5.997 -> 6.00."""
    doc = compute_document([LineInput(19.99, 3, 0, [VAT21_EXCL, ECO10_EXCL])], 0.01, ROUND_PER_LINE, 18)
    assert (doc.amount_untaxed, doc.amount_tax, doc.amount_total) == (59.97, 18.59, 78.56)
    assert doc.tax_totals == {3: 12.59, 4: 6.0}


def test_negative_quantities_round_away_from_zero():
    """A refund line mirrors the sale: -0.125 rounds to -0.13 as 0.125 rounds to 0.13."""
    sale = totals([LineInput(1.25, 1, 0, [ECO10_EXCL])], 0.01, ROUND_PER_LINE, 17)
    refund = totals([LineInput(1.25, -1, 0, [ECO10_EXCL])], 0.01, ROUND_PER_LINE, 17)
    assert refund == tuple(-x for x in sale) == (-1.25, -0.13, -1.38)


def test_a_line_without_taxes_and_a_full_discount():
    doc = compute_document([LineInput(9.99, 2, 0, []), LineInput(50.0, 1, 100, [VAT21_INCL])], 0.01,
                           ROUND_GLOBALLY, 19)
    assert (doc.amount_untaxed, doc.amount_tax, doc.amount_total) == (19.98, 0.0, 19.98)


def test_round_to_is_half_up_on_the_decimal_value():
    assert (round_to(2.675, 0.01), round_to(0.125, 0.01), round_to(-0.125, 0.01), round_to(1.5, 1.0)) == (
        2.68, 0.13, -0.13, 2.0)
    assert round_to(0.07, 0.05) == 0.05 and round_to(0.075, 0.05) == 0.1


def test_an_unknown_rounding_method_is_refused():
    with pytest.raises(ValueError, match="Unknown tax rounding method"):
        compute_document([LineInput(1.0, 1)], 0.01, "round_sometimes", 18)
