"""The GX suite for the merchandising feed's products, and the derived columns it checks.

Derived columns turn rules GX has no expectation for (a GTIN check digit, a readable row, dates
that make sense) into plain `in set [True]` checks, so every rule reports through GX the same way.
They are total: a value that makes a computation raise is a failed check for its row, never a crash.
Rules across rows (a SKU unique in the file, one SKU per attribute combination) are computed from the
whole file's key columns (`FileKeys`), so they hold when the file is validated in batches.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from retail_sync.canonical.barcodes import is_valid_gtin
from retail_sync.canonical.currencies import ISO_4217
from retail_sync.canonical.money import DECIMAL_TEXT
from retail_sync.feeds.pim import BOOLEAN_WORDS, parse_timestamp
from retail_sync.quality.validation import Rule

TAX_CLASSES = ("standard", "reduced", "zero")
READABLE = "row is readable (field count, UTF-8, JSON)"   # its reason names the reader's `_problem`
MAX_NAME = 255       # names longer than this are refused rather than silently cut
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
# Keys and names built from these columns must not hide characters: C0/C1 controls, zero-width and
# bidirectional marks, the byte order mark, soft hyphen.
VISIBLE_PATTERN = (r"^[^\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                   r"\ufeff\ufff9-\ufffb]*$")
CATEGORY_PATTERN = r"^[^/]*[^/\s][^/]*(?:/[^/]*[^/\s][^/]*)*$"
DECIMAL_PATTERN = DECIMAL_TEXT.pattern


def _total(check: Callable[..., bool]) -> Callable[..., bool]:
    """A derived check that fails its row instead of raising (an overflowing date is a bad row, not a crash)."""
    def checked(*args) -> bool:
        try:
            return bool(check(*args))
        except Exception:
            return False
    return checked


@_total
def _promo_times_ok(start, end) -> bool:
    """Readable ISO-8601 times, to the second (Odoo keeps seconds; a fraction would make start = end)."""
    return all(parse_timestamp(v).microsecond == 0 for v in (start, end) if v is not None)


@_total
def _promo_ok(price, start, end) -> bool:
    if price is None and start is None and end is None:
        return True
    begins, ends = parse_timestamp(start), parse_timestamp(end)
    return price is not None and begins is not None and ends is not None and begins < ends


@dataclass
class FileKeys:
    """What the rules across rows need from the whole file: the keys that occur more than once."""

    repeated_skus: set
    repeated_signatures: set

    @classmethod
    def of(cls, keys: pd.DataFrame, attribute_columns: list[str]) -> FileKeys:
        if keys.empty:
            return cls(set(), set())
        skus = keys["sku"]
        signatures = variant_signatures(keys, attribute_columns)
        return cls(set(skus[skus.duplicated(keep=False)].dropna()),
                   set(signatures[signatures.duplicated(keep=False)]))


def attribute_json(frame: pd.DataFrame, attribute_columns: list[str]) -> pd.Series:
    """`attr_size`, `attr_fit_type` → '{"Fit Type": "Slim", "Size": "M"}' (sorted keys), per row."""
    names = [c[len("attr_"):].replace("_", " ").title() for c in attribute_columns]
    built: dict[tuple, str] = {}   # a feed has few distinct combinations: build each JSON text once

    def as_json(values: tuple) -> str:
        text = built.get(values)
        if text is None:
            text = built[values] = json.dumps({n: v for n, v in zip(names, values) if v is not None}, sort_keys=True,
                                              ensure_ascii=False)
        return text

    return pd.Series([as_json(values) for values in zip(*[frame[c].tolist() for c in attribute_columns])]
                     if attribute_columns else ["{}"] * len(frame), index=frame.index, dtype=object)


def variant_signatures(frame: pd.DataFrame, attribute_columns: list[str]) -> pd.Series:
    return frame["parent_key"].astype(object).map(str) + "|" + attribute_json(frame, attribute_columns)


def prepare(rows: pd.DataFrame, attribute_columns: list[str], keys: FileKeys | None = None) -> pd.DataFrame:
    """The derived columns the rules check; `keys` from the whole file (default: this frame is the file)."""
    frame = rows.copy()
    for column in ("description", "cost", "barcode", "weight", "promo_price", "promo_start", "promo_end"):
        if column not in frame:
            frame[column] = None
    frame["currency"] = frame["currency"].map(lambda v: v.upper() if isinstance(v, str) else v)
    frame["tax_class"] = frame["tax_class"].map(lambda v: v.lower() if isinstance(v, str) else v)
    frame["active_flag"] = frame["active"].map(lambda v: BOOLEAN_WORDS.get(str(v).lower()) if v is not None else None)
    frame["barcode_valid"] = frame["barcode"].map(_total(lambda v: v is None or is_valid_gtin(str(v))))
    promo = list(zip(frame["promo_price"].tolist(), frame["promo_start"].tolist(), frame["promo_end"].tolist()))
    no_promo = (None, None, None)
    frame["promo_times_valid"] = pd.Series([v == no_promo or _promo_times_ok(v[1], v[2]) for v in promo],
                                           index=frame.index, dtype=object)
    frame["promo_valid"] = pd.Series([v == no_promo or _promo_ok(*v) for v in promo], index=frame.index, dtype=object)
    frame["attributes"] = attribute_json(frame, attribute_columns)
    frame["variant_signature"] = frame["parent_key"].astype(object).map(str) + "|" + frame["attributes"]
    keys = keys or FileKeys.of(frame, attribute_columns)
    frame["sku_unique"] = ~frame["sku"].isin(keys.repeated_skus)
    frame["variant_unique"] = ~frame["variant_signature"].isin(keys.repeated_signatures)
    return frame


def rules(attribute_columns: list[str] = ()) -> list[Rule]:
    import great_expectations.expectations as gxe

    visible = [Rule(f"{column} has no control or invisible characters",
                    gxe.ExpectColumnValuesToMatchRegex(column=column, regex=VISIBLE_PATTERN))
               for column in ("parent_key", "name", "category_path", *attribute_columns)]
    return [
        Rule(READABLE, gxe.ExpectColumnValuesToBeNull(column="_problem")),
        Rule("SKU present", gxe.ExpectColumnValuesToNotBeNull(column="sku")),
        Rule("SKU well-formed (letters, digits, . _ / -; at most 64)",
             gxe.ExpectColumnValuesToMatchRegex(column="sku", regex=SKU_PATTERN)),
        Rule("SKU unique in the file", gxe.ExpectColumnValuesToBeInSet(column="sku_unique", value_set=[True]),
             show="sku"),
        Rule("parent product key present", gxe.ExpectColumnValuesToNotBeNull(column="parent_key")),
        Rule("name present", gxe.ExpectColumnValuesToNotBeNull(column="name")),
        Rule(f"name at most {MAX_NAME} characters",
             gxe.ExpectColumnValueLengthsToBeBetween(column="name", min_value=1, max_value=MAX_NAME)),
        Rule("category path present", gxe.ExpectColumnValuesToNotBeNull(column="category_path")),
        Rule("category path has no empty level",
             gxe.ExpectColumnValuesToMatchRegex(column="category_path", regex=CATEGORY_PATTERN)),
        Rule("list price present", gxe.ExpectColumnValuesToNotBeNull(column="list_price")),
        Rule("list price is a non-negative decimal (max 4 places)",
             gxe.ExpectColumnValuesToMatchRegex(column="list_price", regex=DECIMAL_PATTERN)),
        Rule("cost is a non-negative decimal", gxe.ExpectColumnValuesToMatchRegex(column="cost", regex=DECIMAL_PATTERN)),
        Rule("weight is a non-negative decimal",
             gxe.ExpectColumnValuesToMatchRegex(column="weight", regex=DECIMAL_PATTERN)),
        Rule("currency is an ISO-4217 code", gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=sorted(ISO_4217))),
        Rule("barcode is a GTIN (EAN-8/UPC-A/EAN-13/GTIN-14) with a valid check digit",
             gxe.ExpectColumnValuesToBeInSet(column="barcode_valid", value_set=[True]), show="barcode"),
        Rule("tax class known", gxe.ExpectColumnValuesToBeInSet(column="tax_class", value_set=list(TAX_CLASSES))),
        Rule("active flag is true/false", gxe.ExpectColumnValuesToNotBeNull(column="active_flag"), show="active"),
        Rule("promotion has a decimal price", gxe.ExpectColumnValuesToMatchRegex(column="promo_price",
                                                                                 regex=DECIMAL_PATTERN)),
        Rule("promotion times are ISO-8601, in whole seconds",
             gxe.ExpectColumnValuesToBeInSet(column="promo_times_valid", value_set=[True]), show="promo_start"),
        Rule("promotion has a price and a start before its end",
             gxe.ExpectColumnValuesToBeInSet(column="promo_valid", value_set=[True]), show="promo_start"),
        Rule("one SKU per attribute combination of a product",
             gxe.ExpectColumnValuesToBeInSet(column="variant_unique", value_set=[True]), show="sku"),
        *visible,
    ]

