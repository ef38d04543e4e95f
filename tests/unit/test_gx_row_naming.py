"""GX judges every batch with counts; the failing rows are named by each expectation's own condition. Those
rows are exactly the ones GX lists when asked for every failing row, and an expectation whose condition
is not mirrored here is still answered row by row by GX."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from retail_sync.quality import product_suite
from retail_sync.quality.validation import ROW_ID, Rule, SuiteRunner, run_suite, unexpected_mask

ODD = [None, "", " ", "ok", "OK-1", "a" * 300, "\u200bhidden", "tab\there", "١٢", "１２", "12.5", "-1", "1e3",
       "12.34567", "EUR", "eur", "XXX", "standard", "Home//Kitchen", "Home/ /Kitchen", "/Home", "Home/Kitchen",
       "<script>", "S\u0301", "x" * 64, "y" * 65, "None", "nan", True, False, 1, 0]


def _frame(columns: list[str]) -> pd.DataFrame:
    size = len(ODD)
    frame = pd.DataFrame({column: pd.Series(ODD[i:] + ODD[:i], dtype=object) for i, column in enumerate(columns)})
    frame[ROW_ID] = range(1, size + 1)
    return frame


def test_rows_named_by_condition_are_the_rows_gx_lists():
    rules = product_suite.rules(["attr_size"])
    frame = _frame(sorted({rule.column for rule in rules}))
    runner = SuiteRunner("odd", rules, key_column="sku")
    complete = runner.definition.run(batch_parameters={"dataframe": frame}, result_format={
        "result_format": "COMPLETE", "unexpected_index_column_names": [ROW_ID]})
    by_name = {rule.name: rule for rule in rules}
    failed = 0
    for item in complete.results:
        rule = by_name[item.expectation_config.meta["rule"]]
        listed = sorted(entry[ROW_ID] for entry in item.result.get("unexpected_index_list") or [])
        mask = unexpected_mask(rule.expectation, frame[rule.column])
        assert sorted(frame[ROW_ID][mask]) == listed, rule.name
        failed += bool(listed)
    assert failed >= 15   # the odd values fail most rules: the comparison is not between empty lists
    expected: dict[int, list[str]] = {}
    for item in complete.results:
        for entry in item.result.get("unexpected_index_list") or []:
            expected.setdefault(entry[ROW_ID], []).append(item.expectation_config.meta["rule"])
    assert runner.run(frame).row_failures == expected


def test_an_expectation_not_mirrored_is_answered_by_gx():
    frame = pd.DataFrame({"sku": pd.Series(["A", "B", "A", None], dtype=object), ROW_ID: [1, 2, 3, 4]})
    rule = Rule("SKU unique", gxe.ExpectColumnValuesToBeUnique(column="sku"))
    assert unexpected_mask(rule.expectation, frame["sku"]) is None
    report = run_suite(frame, "unique", [rule], key_column="sku")
    assert report.row_failures == {1: ["SKU unique"], 3: ["SKU unique"]}
    assert [(row.row, row.key) for row in report.results[0].rows] == [(1, "A"), (3, "A")]
