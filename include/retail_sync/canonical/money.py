"""Money is never a float: decimal strings in, `Decimal` (pyarrow decimal128) through the pipeline."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import pyarrow as pa

from retail_sync.canonical.currencies import minor_unit_exponent

MONEY = pa.decimal128(18, 4)
DECIMAL_TEXT = re.compile(r"^[0-9]{1,12}(?:\.[0-9]{1,4})?$")  # ASCII digits only: "١٢" is not 12


def parse_money(text: str | None) -> Decimal | None:
    """A non-negative decimal with at most 4 places, or None when absent; ValueError when malformed."""
    if text is None or str(text).strip() == "":
        return None
    text = str(text).strip()
    if not DECIMAL_TEXT.match(text):
        raise ValueError(f"{text!r} is not a decimal amount")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal amount") from None


def from_minor_units(amount: int, currency: str) -> Decimal:
    """Stripe-style integer minor units to a decimal amount (JPY has none, KWD has three)."""
    return Decimal(int(amount)).scaleb(-minor_unit_exponent(currency))


def to_minor_units(amount: Decimal, currency: str) -> int:
    scaled = Decimal(amount).scaleb(minor_unit_exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} has more decimals than the currency allows")
    return int(scaled)
