"""The GX suite for the merchandising feed's products, and the derived columns it checks.

Derived columns turn rules GX has no expectation for (a GTIN check digit, a readable row, dates
that make sense) into plain `in set [True]` checks, so every rule reports through GX the same way.
"""

from __future__ import annotations

import json

import pandas as pd

from retail_sync.canonical.barcodes import is_valid_gtin
from retail_sync.canonical.currencies import ISO_4217
from retail_sync.canonical.money import DECIMAL_TEXT
from retail_sync.feeds.pim import BOOLEAN_WORDS, attributes_of, parse_timestamp
from retail_sync.quality.validation import Rule

TAX_CLASSES = ("standard", "reduced", "zero")
MAX_NAME = 255       # names longer than this are refused rather than silently cut
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
CATEGORY_PATTERN = r"^[^/]*[^/\s][^/]*(?:/[^/]*[^/\s][^/]*)*$"
DECIMAL_PATTERN = DECIMAL_TEXT.pattern


def _promo_ok(row) -> bool:
    price, start, end = row["promo_price"], row["promo_start"], row["promo_end"]
    if price is None and start is None and end is None:
        return True
    try:
        begins, ends = parse_timestamp(start), parse_timestamp(end)
    except ValueError:
        return False
    return price is not None and begins is not None and ends is not None and begins < ends


def prepare(rows: pd.DataFrame, attribute_columns: list[str]) -> pd.DataFrame:
    frame = rows.copy()
    for column in ("description", "cost", "barcode", "weight", "promo_price", "promo_start", "promo_end"):
        if column not in frame:
            frame[column] = None
    frame["currency"] = frame["currency"].map(lambda v: v.upper() if isinstance(v, str) else v)
    frame["tax_class"] = frame["tax_class"].map(lambda v: v.lower() if isinstance(v, str) else v)
    frame["active_flag"] = frame["active"].map(lambda v: BOOLEAN_WORDS.get(str(v).lower()) if v is not None else None)
    frame["barcode_valid"] = frame["barcode"].map(lambda v: v is None or is_valid_gtin(str(v)))
    frame["promo_valid"] = frame.apply(_promo_ok, axis=1)
    frame["attributes"] = frame.apply(
        lambda row: json.dumps(attributes_of(row, attribute_columns), sort_keys=True, ensure_ascii=False), axis=1)
    frame["variant_signature"] = frame["parent_key"].astype(str) + "|" + frame["attributes"]
    return frame


def rules() -> list[Rule]:
    import great_expectations.expectations as gxe

    return [
        Rule("row is readable (field count, UTF-8, JSON)", gxe.ExpectColumnValuesToBeNull(column="_problem")),
        Rule("SKU present", gxe.ExpectColumnValuesToNotBeNull(column="sku")),
        Rule("SKU well-formed (letters, digits, . _ / -; at most 64)",
             gxe.ExpectColumnValuesToMatchRegex(column="sku", regex=SKU_PATTERN)),
        Rule("SKU unique in the file", gxe.ExpectColumnValuesToBeUnique(column="sku")),
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
        Rule("promotion has a price and a start before its end",
             gxe.ExpectColumnValuesToBeInSet(column="promo_valid", value_set=[True]), show="promo_start"),
        Rule("one SKU per attribute combination of a product",
             gxe.ExpectColumnValuesToBeUnique(column="variant_signature"), show="sku"),
    ]


def row_count_rule(previous_rows: int, min_ratio: float) -> Rule:
    import great_expectations.expectations as gxe

    return Rule(f"row count at least {min_ratio:.0%} of the previous feed ({previous_rows} rows)",
                gxe.ExpectTableRowCountToBeBetween(min_value=int(previous_rows * min_ratio)))
