"""What a payout's lines add up to, the same way for the booking and for finance's report.

A provider keeps its fees out of each transaction (`fee`), and some fees come as lines of their own
(type `fee`, e.g. Stripe's monthly fees: a negative gross, no fee): both are the payout's fees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

ZERO = Decimal("0")


def fee_of(line: Mapping) -> Decimal:
    """The fees one classified line stands for."""
    fee = Decimal(line["fee"] or 0)
    if line["type"] == "fee":
        fee -= Decimal(line["gross"] or 0)
    return fee


def total_fees(lines: Iterable[Mapping]) -> Decimal:
    return sum((fee_of(line) for line in lines), ZERO)


def total_of(lines: Iterable[Mapping], column: str, types: tuple[str, ...]) -> Decimal:
    return sum((Decimal(line[column] or 0) for line in lines if line["type"] in types), ZERO)
