"""The GX suite for the merchandising feed's products, and the derived columns it checks.

Derived columns turn rules GX has no expectation for (a GTIN check digit, a readable row, dates
that make sense) into plain `in set [True]` checks, so every rule reports through GX the same way.
They are total: a value that makes a computation raise is a failed check for its row, never a crash.
Rules across rows (a SKU unique in the file, one SKU per attribute combination) are computed from the
whole file's key columns (`FileKeys`), so they hold when the file is validated in batches.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from retail_sync.canonical.barcodes import valid_gtins
from retail_sync.canonical.currencies import ISO_4217
from retail_sync.canonical.money import DECIMAL_TEXT
from retail_sync.feeds.distinct_values import map_distinct
from retail_sync.feeds.pim import BOOLEAN_WORDS, parse_timestamp
from retail_sync.quality.validation import Rule

TAX_CLASSES = ("standard", "reduced", "zero")
READABLE = "row is readable (field count, UTF-8, JSON)"   # its reason names the reader's `_problem`
MAX_NAME = 255       # names longer than this are refused rather than silently cut
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
# Keys and names built from these columns must not hide characters: C0/C1 controls, zero-width and
# bidirectional marks, the byte order mark, soft hyphen.
# From U+00AD on the characters are written as themselves, not as \u escapes: the same class to Python's re,
# and one pandas can hand to pyarrow's RE2 (on a \u escape it falls back to Python's re, value by value).
VISIBLE_PATTERN = (r"^[^\x00-\x1f\x7f-\x9f"
                   "\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
                   r"]*$")
CATEGORY_PATTERN = r"^[^/]*[^/\s][^/]*(?:/[^/]*[^/\s][^/]*)*$"
DECIMAL_PATTERN = DECIMAL_TEXT.pattern
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _timestamp_micros(text: str) -> int | None:
    """A promotion time → microseconds since the epoch (UTC), or None when it does not read. Never
    raises: an overflowing date is a bad row, not a crash."""
    try:
        return (parse_timestamp(text) - EPOCH) // dt.timedelta(microseconds=1)
    except Exception:
        return None


def _promo_checks(price: pa.Array, start: pa.Array, end: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(times are readable and in whole seconds, the promotion has a price and starts before it ends) per
    row; both true for a row without any promotion field. Odoo keeps seconds: a fraction would make
    start = end."""
    begins = map_distinct(start, _timestamp_micros, pa.int64())[0]
    ends = map_distinct(end, _timestamp_micros, pa.int64())[0]

    def whole_seconds(micros: pa.Array, text: pa.Array) -> pa.Array:
        return pc.or_kleene(pc.is_null(text), pc.fill_null(pc.equal(pc.remainder(micros, 1_000_000), 0), False))

    no_promo = pc.and_(pc.and_(pc.is_null(price), pc.is_null(start)), pc.is_null(end))
    times_ok = pc.and_(whole_seconds(begins, start), whole_seconds(ends, end))
    promo_ok = pc.fill_null(pc.and_(pc.is_valid(price), pc.less(begins, ends)), False)
    return pc.or_(no_promo, times_ok), pc.or_(no_promo, promo_ok)


@dataclass
class FileKeys:
    """What the rules across rows need from the whole file: the keys that occur more than once."""

    repeated_skus: set
    repeated_signatures: set

    @classmethod
    def of(cls, keys: pa.Table, attribute_columns: list[str]) -> FileKeys:
        """From the whole file's key columns (sku, parent_key, attr_*), grouped in Arrow: only the keys
        that repeat come back to Python."""
        if not keys.num_columns or not keys.num_rows:
            return cls(set(), set())
        skus = keys.select(["sku"]).group_by("sku").aggregate([([], "count_all")])
        repeated_skus = skus.filter(pc.greater(skus["count_all"], 1))["sku"].drop_null().to_pylist()
        # parent_key as str() sees it (a missing one reads "None"), so groups are exactly equal signatures.
        variant = keys.select(["parent_key", *attribute_columns]).set_column(
            0, "parent_key", pc.fill_null(keys["parent_key"], "None"))
        groups = variant.group_by(variant.column_names).aggregate([([], "count_all")])
        repeated = groups.filter(pc.greater(groups["count_all"], 1)).drop_columns(["count_all"]).to_pandas(
            types_mapper=None).astype(object).where(lambda f: f.notna(), None)
        return cls(set(repeated_skus), set(variant_signatures(repeated, attribute_columns)))


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
    """The derived columns the rules check; `keys` from the whole file (default: this frame is the file).
    Computed column-wise (Arrow, or the exact row-wise function once per distinct value)."""
    frame = rows.copy()
    for column in ("description", "cost", "barcode", "weight", "promo_price", "promo_start", "promo_end"):
        if column not in frame:
            frame[column] = None

    def arrow(column: str) -> pa.Array:
        return pa.array(frame[column].to_numpy(dtype=object), pa.string(), from_pandas=True)

    def objects(values: pa.Array) -> np.ndarray:
        return values.to_numpy(zero_copy_only=False)

    frame["currency"] = objects(map_distinct(arrow("currency"), str.upper, pa.string())[0])
    frame["tax_class"] = objects(map_distinct(arrow("tax_class"), str.lower, pa.string())[0])
    frame["active_flag"] = objects(map_distinct(arrow("active"), lambda v: BOOLEAN_WORDS.get(v.lower()),
                                                pa.bool_())[0])
    frame["barcode_valid"] = objects(pc.fill_null(valid_gtins(arrow("barcode")), True))
    times_ok, promo_ok = _promo_checks(arrow("promo_price"), arrow("promo_start"), arrow("promo_end"))
    frame["promo_times_valid"], frame["promo_valid"] = objects(times_ok), objects(promo_ok)
    frame["attributes"] = attribute_json(frame, attribute_columns)
    frame["variant_signature"] = frame["parent_key"].astype(object).map(str) + "|" + frame["attributes"]
    if keys is None:
        keys = FileKeys.of(pa.Table.from_pydict({c: arrow(c) for c in ["sku", "parent_key", *attribute_columns]}),
                           attribute_columns)
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

