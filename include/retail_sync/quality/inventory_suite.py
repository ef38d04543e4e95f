"""The GX suite for a stock snapshot: row rules (a SKU, a warehouse, available not negative unless the
warehouse allows it) that quarantine a row, and the row-count band against the previous snapshot that
blocks the whole push (a half-read Odoo must never zero out a storefront)."""

from __future__ import annotations

import pandas as pd

from retail_sync.quality.validation import ROW_ID, Rule

HAS_SKU = "product has a SKU (default_code)"
IN_WAREHOUSE = "location belongs to a warehouse"
NOT_NEGATIVE = "available not negative (unless the warehouse allows it)"


def prepare(snapshot: pd.DataFrame, negative_allowed: set[str]) -> pd.DataFrame:
    """The snapshot with a row id and the derived check column GX looks at."""
    frame = snapshot.reset_index(drop=True).copy()
    frame[ROW_ID] = range(1, len(frame) + 1)
    frame["_available_ok"] = (frame["available"] >= 0) | frame["warehouse"].isin(sorted(negative_allowed))
    frame["_key"] = frame["sku"].fillna("product #" + frame["product_id"].astype(str)) + "@" + \
        frame["warehouse"].fillna("(no warehouse)")
    return frame


def rules(previous_rows: int | None, min_ratio: float, max_ratio: float) -> list[Rule]:
    import great_expectations as gx

    found = [
        Rule(HAS_SKU, gx.expectations.ExpectColumnValuesToNotBeNull(column="sku"), show="product_id"),
        Rule(IN_WAREHOUSE, gx.expectations.ExpectColumnValuesToNotBeNull(column="warehouse"), show="product_id"),
        Rule(NOT_NEGATIVE, gx.expectations.ExpectColumnValuesToBeInSet(column="_available_ok", value_set=[True]),
             show="available"),
    ]
    if previous_rows:
        found.append(Rule(band_rule(previous_rows, min_ratio, max_ratio), gx.expectations.ExpectTableRowCountToBeBetween(
            min_value=int(previous_rows * min_ratio), max_value=int(previous_rows * max_ratio))))
    return found


def band_rule(previous_rows: int, min_ratio: float, max_ratio: float) -> str:
    return (f"row count within {min_ratio:.0%}–{max_ratio:.0%} of the previous snapshot "
            f"({previous_rows} rows)")
