"""The people-apart check of the dedupe model: a pair whose given names and birth years disagree is two people,
however much it shares (a household's family name, address, phone, email) — issue 14's precision at 1M."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from retail_sync.dedupe.model import GIVEN_NAME_DIFFERS, comparisons, other_people_condition


def test_the_levels_read_as_given_name_differs_are_family_name_only_and_nothing():
    levels = comparisons()[0].create_comparison_levels()
    non_null = [level for level in levels if not level.is_null_level]
    # splink numbers the non-null levels from the first (highest) down to the else level (0)
    gamma = {len(non_null) - 1 - index: level for index, level in enumerate(non_null)}
    labels = {value: gamma[value].create_label_for_charts() for value in GIVEN_NAME_DIFFERS}
    assert labels == {0: "All other comparisons", 2: "Exact match on family_name"}


@pytest.mark.parametrize(("gamma_name", "given", "years", "apart"), [
    (2, ("anna", "paul"), ("1946", "1976"), True),      # household: one family name, other person, 30 years
    (0, ("anna", "paul"), ("1980", "1982"), True),      # nothing in the name agrees, two years apart
    (2, ("anna", "paul"), ("1980", "1981"), False),     # a year apart: a date typo may do that
    (6, ("anna", "anna"), ("1946", "1976"), False),     # the same name: a year typo, not another person
    (4, ("anna", "annie"), ("1946", "1976"), False),    # given names alike (a typo): the name agrees
    (2, ("anna", None), ("1946", "1976"), False),       # a given name missing: nothing says it differs
    (2, ("anna", "paul"), ("1946", None), False),       # a birth date missing
    (2, ("anna", "paul"), (None, None), False),         # no birth dates at all (Odoo's partners)
])
def test_other_people(gamma_name, given, years, apart):
    rows = pa.table({"gamma_name": [gamma_name], "given_name_l": [given[0]], "given_name_r": [given[1]],
                     "birth_year_l": pa.array([years[0]], pa.string()),
                     "birth_year_r": pa.array([years[1]], pa.string())})
    con = duckdb.connect()
    con.register("predictions", rows)
    assert con.execute(f"select {other_people_condition()} from predictions").fetchone()[0] is apart
