"""GTIN check digits: EAN-8, UPC-A (12), EAN-13 and GTIN-14 all use the same mod-10 weighting."""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)


def is_valid_gtin(code: str) -> bool:
    if not (code.isascii() and code.isdigit()) or len(code) not in GTIN_LENGTHS:  # "١٢" is a digit to str
        return False
    body, check = code[:-1], int(code[-1])
    # Weights 3,1,3,1... from the digit next to the check digit leftwards.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check
