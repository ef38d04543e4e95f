"""The column-wise derived checks and conversions give exactly what the row-wise functions give, value for
value, on odd inputs: non-ASCII digits, zero-width and control characters, empty and blank text, huge
numbers, overflowing and sub-second dates."""

from __future__ import annotations

import datetime as dt
import sys

import pandas as pd
import pyarrow as pa
import pytest

from retail_sync.canonical.barcodes import is_valid_gtin, valid_gtins
from retail_sync.canonical.money import parse_money
from retail_sync.feeds.pim import BOOLEAN_WORDS, PY_WHITESPACE, parse_timestamp, to_canonical, whole_seconds
from retail_sync.quality.product_suite import prepare

ODD_TEXT = ["", " ", "\u200b", "\u3000", "\x00", "\ufeff1", "1\u200b", "\u0661\u0662", "\uff11\uff12", "1\u06f2.5",
            "9" * 40, "-1", "+1", "1e3", "1,50", "12.34567", "12.5", "0", "007", "12 ", "١٢٣٤٥٦٧٨", "<script>"]
BARCODES = ["4006381333931", "4006381333932", "036000291452", "036000291453", "96385074", "96385075",
            "12345678901231", "00000000000000", "4006381333931\u200b", "400638133393١", "４００６３８１３３３９３１",
            "40063813339A1", "4006381333931\n", "-4006381333931", "123456789012345", *ODD_TEXT]
TIMES = [None, "2026-12-01T00:00:00Z", "2026-12-01T00:00:00+01:00", "2026-12-01", "2026-12-01T00:00",
         "2026-12-01T00:00:00.2Z", "2026-12-01T00:00:00.000000Z", "0001-01-01T00:00+01:00", "9999-12-31T23:59:59-01:00",
         "2026-02-30T00:00:00Z", "２０２６-１２-０１", "2026-12-01T00:00:00Z\u200b", "not a date", "20261201T000000",
         "1969-12-31T23:59:59Z", "1969-12-31T23:59:59.5Z"]


def test_gtin_check_digits_column_wise_equal_row_wise():
    codes = [*BARCODES, None]
    assert valid_gtins(pa.array(codes, pa.string())).to_pylist() == [
        None if code is None else is_valid_gtin(code) for code in codes]


def test_python_whitespace_is_what_the_reader_trims():
    assert set(PY_WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def _frame(**columns) -> pd.DataFrame:
    size = len(next(iter(columns.values())))
    base = {"sku": [f"S{i}" for i in range(size)], "parent_key": [f"P{i}" for i in range(size)],
            "name": ["N"] * size, "category_path": ["Home"] * size, "list_price": ["1.00"] * size,
            "currency": ["EUR"] * size, "tax_class": ["standard"] * size, "active": ["true"] * size}
    base.update(columns)
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in base.items()})
    frame["_row"] = range(1, size + 1)
    frame["_problem"] = pd.Series([None] * size, dtype=object)
    return frame


def _promo_times_ok(start, end) -> bool:     # the row-wise rule, as the suite stated it before
    try:
        return all(parse_timestamp(v).microsecond == 0 for v in (start, end) if v is not None)
    except Exception:
        return False


def _promo_ok(price, start, end) -> bool:
    if price is None and start is None and end is None:
        return True
    try:
        begins, ends = parse_timestamp(start), parse_timestamp(end)
        return price is not None and begins is not None and ends is not None and begins < ends
    except Exception:
        return False


def test_derived_columns_equal_row_wise():
    combos = [(price, start, end) for price in (None, "0.50") for start in TIMES for end in TIMES]
    words = [*ODD_TEXT, "EUR", "eur", "ß", "İ", "ＥＵＲ", "TRUE", "Yes", "N", "Ｙ", "K", "\u212a"]
    size = len(combos)
    flags = (words * (size // len(words) + 1))[:size]
    barcodes = ([*BARCODES, None] * (size // len(BARCODES) + 1))[:size]
    frame = prepare(_frame(promo_price=[c[0] for c in combos], promo_start=[c[1] for c in combos],
                           promo_end=[c[2] for c in combos], currency=flags, tax_class=flags, active=flags,
                           barcode=barcodes), [])
    assert frame["promo_times_valid"].tolist() == [_promo_times_ok(s, e) for _, s, e in combos]
    assert frame["promo_valid"].tolist() == [_promo_ok(*c) for c in combos]
    assert frame["currency"].tolist() == [v.upper() for v in flags]
    assert frame["tax_class"].tolist() == [v.lower() for v in flags]
    assert frame["active_flag"].tolist() == [BOOLEAN_WORDS.get(v.lower()) for v in flags]
    assert frame["barcode_valid"].tolist() == [b is None or is_valid_gtin(b) for b in barcodes]


def _row_wise(convert, value):
    try:
        return None if value is None else convert(value), None
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("column, convert", [
    ("list_price", parse_money), ("weight", float), ("active", lambda v: BOOLEAN_WORDS[v.lower()]),
    ("category_path", lambda v: "/".join(level.strip() for level in v.split("/"))),
    ("promo_start", lambda v: whole_seconds(parse_timestamp(v))),
])
def test_canonical_conversion_equals_row_wise(column, convert):
    values = [*ODD_TEXT, *[t for t in TIMES if t], "A / B/ C", "1.5", "inf", "nan", "TRUE", "no", "12.50", "12.50"]
    frame = _frame(**{column: values})
    if column == "promo_start":
        frame["promo_end"] = "9999-12-31T00:00:00Z"
    table, failures = to_canonical(frame)
    expected = [_row_wise(convert, v) for v in values]
    converted = dict(zip(table["source_row"].to_pylist(), table[column].to_pylist()))
    for row, (value, (result, error)) in enumerate(zip(values, expected), start=1):
        if error is None:
            assert row not in failures and _same(converted[row], result), (value, converted.get(row), result)
        else:
            assert row not in converted and failures[row].startswith(f"{column} {value!r} does not convert: {error}"[:300])


def test_money_in_one_cast_equals_parse_money():
    values = ["0", "12.5", "12.50", "999999999999.9999", "000000000001.0001", None]
    table, failures = to_canonical(_frame(list_price=["1"] * len(values), cost=values))
    assert failures == {} and table["cost"].to_pylist() == [parse_money(v) for v in values]


def _same(left, right) -> bool:
    if isinstance(right, float) and right != right:   # nan
        return left != left
    if isinstance(right, dt.datetime):
        return left == right
    return left == right and type(left) is type(right)
