"""GTIN check digits: EAN-8, UPC-A (12), EAN-13 and GTIN-14 all use the same mod-10 weighting."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

GTIN_LENGTHS = (8, 12, 13, 14)


def is_valid_gtin(code: str) -> bool:
    if not (code.isascii() and code.isdigit()) or len(code) not in GTIN_LENGTHS:  # "١٢" is a digit to str
        return False
    body, check = code[:-1], int(code[-1])
    # Weights 3,1,3,1... from the digit next to the check digit leftwards.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def valid_gtins(codes: pa.Array) -> pa.Array:
    """`is_valid_gtin` for a whole column at once (null stays null)."""
    # [0-9] and not \d: RE2's \d is ASCII too, but spelling it out keeps "١٢" out by construction.
    shaped = pc.and_(pc.match_substring_regex(codes, r"^[0-9]+$"),
                     pc.is_in(pc.utf8_length(codes), value_set=pa.array(GTIN_LENGTHS, pa.int32())))
    # Left-padded with zeros to 14 digits the weights line up from the right for every length; rows of
    # another shape are checked as a harmless all-zero code and then masked out.
    padded = pc.utf8_lpad(pc.if_else(shaped, codes, pa.scalar("0")), width=14, padding="0")
    total = None
    for position in range(13):
        digit = pc.cast(pc.utf8_slice_codeunits(padded, position, position + 1), pa.int32())
        weighted = pc.multiply(digit, 3 if (12 - position) % 2 == 0 else 1)
        total = weighted if total is None else pc.add(total, weighted)
    check = pc.cast(pc.utf8_slice_codeunits(padded, 13, 14), pa.int32())
    expected = pc.remainder(pc.subtract(10, pc.remainder(total, 10)), 10)   # integer remainder, never negative here
    return pc.and_(shaped, pc.equal(expected, check))
