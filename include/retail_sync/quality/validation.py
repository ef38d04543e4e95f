"""Run a GX suite on a pandas frame and say, row by row, which expectations each row failed.

GX is called directly (its Airflow provider does not install beside Airflow 3.3). Column-map
expectations name the failing rows through `unexpected_index_column_names`; aggregate expectations
(row counts) fail the batch as a whole.

Each validation has its own ephemeral GX context: nothing of GX's configuration is shared on disk, so
two validations at once (two runs, two mapped tasks) cannot corrupt each other's suite. Data Docs are
the one shared output; each validation writes its own site into a temporary folder under the docs root
and renames it into place, so a reader never sees half a site. The failing values GX would render are
replaced by masked, HTML-escaped copies first: GX's renderer writes values into the page unescaped.
"""

from __future__ import annotations

import copy
import html
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from retail_sync.alerts.masking import mask_field

if TYPE_CHECKING:
    import pandas as pd

# GX logs at INFO as it imports and sets up (one "Skipping registering function …" line per public API:
# 214 of a 237-line task log, then "Multiple declarations of metric …"); its warnings still come through.
# Set before GX is first imported, wherever that happens.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

ROW_ID = "_row"
SHOWN_ROWS = 20        # failing rows a rule names in its report (the quarantine holds them all)
# The keys of a GX result that carry row values; everything else is counts and percentages.
_VALUE_KEYS = ("partial_unexpected_list", "unexpected_list")
_COUNT_KEYS = ("partial_unexpected_counts",)
_INDEX_KEYS = ("partial_unexpected_index_list", "unexpected_index_list")


@dataclass(frozen=True)
class Rule:
    name: str            # what the rule means to a person: "SKU present"
    expectation: object  # a great_expectations.expectations.Expectation
    show: str | None = None  # the column whose values illustrate a failure (for derived columns)

    @property
    def column(self) -> str | None:
        return getattr(self.expectation, "column", None)


@dataclass(frozen=True)
class FailingRow:
    row: int                 # the row number in the file (1-based data row)
    key: str | None          # the record key (SKU), so a person can find the record
    column: str | None       # the column whose value shows the failure
    value: object


@dataclass
class RuleResult:
    rule: str
    column: str | None
    success: bool
    unexpected_count: int
    rows: list[FailingRow] = field(default_factory=list)   # the first SHOWN_ROWS failing rows


@dataclass
class ValidationReport:
    suite: str
    success: bool
    evaluated_rows: int
    results: list[RuleResult]
    row_failures: dict[int, list[str]]       # row id -> names of the rules it failed
    docs_index: str | None = None            # absolute path of this validation's Data Docs page
    docs_page: str | None = None             # the same page, relative to the docs root (for a served URL)

    @property
    def failed_rules(self) -> list[RuleResult]:
        return [r for r in self.results if not r.success]

    @property
    def batch_failures(self) -> list[RuleResult]:
        """Failed rules that name no rows: they are about the batch as a whole."""
        return [r for r in self.failed_rules if r.column is None]


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # In memory: no GX file is shared between runs. No default docs site: each validation adds its own.
    context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False)))
    # tqdm bars ignore TQDM_DISABLE because GX passes disable= itself; this is the switch that works.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


class SuiteRunner:
    """One GX suite, set up once and run on many frames (the batches of one file).

    Setting up a GX context, suite and validation definition costs about as much as validating a
    50,000-row batch (GX serialises every expectation it is given), so a file's batches share one.
    """

    def __init__(self, suite_name: str, rules: list[Rule], key_column: str | None = None):
        import great_expectations as gx

        self.suite_name, self.rules, self.key_column = suite_name, rules, key_column
        self.context = _context()
        batch = (self.context.data_sources.add_pandas(f"{suite_name}_source")
                 .add_dataframe_asset(f"{suite_name}_frame")
                 .add_batch_definition_whole_dataframe("whole"))
        suite = self.context.suites.add(gx.ExpectationSuite(name=suite_name))
        for rule in rules:
            rule.expectation.meta = {"rule": rule.name}
            suite.add_expectation(rule.expectation)
        self.definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite_name}_definition", data=batch, suite=suite))

    def run(self, frame: pd.DataFrame, docs_root: Path | None = None, docs_for_passing: bool = True
            ) -> ValidationReport:
        """Validate `frame` (which has a `_row` column). Data Docs are built under `docs_root` when given —
        for every validation, or only for failing ones with `docs_for_passing=False`.

        GX judges every rule with counts only (result format BASIC: about half the cost of listing every
        failing row). The rows a failed rule names are then found with the expectation's own condition on
        the same column; when their number is not exactly GX's count (or the expectation is of a kind not
        mirrored here) GX is asked again, for this frame, with every failing row listed."""
        checked = _as_text_columns(frame[sorted({ROW_ID, *(r.column for r in self.rules if r.column)})])
        result = self.definition.run(batch_parameters={"dataframe": checked}, result_format={"result_format": "BASIC"})
        found = self._rows_by_condition(checked, result)
        if found is None:
            result = self.definition.run(batch_parameters={"dataframe": checked}, result_format={
                "result_format": "COMPLETE", "unexpected_index_column_names": [ROW_ID]})
            found = {id(item): [(entry.get(ROW_ID) if isinstance(entry, dict) else entry)
                                for entry in (item.result or {}).get("unexpected_index_list") or []]
                     for item in result.results}
        row_failures: dict[int, list[str]] = defaultdict(list)
        by_name = {rule.name: rule for rule in self.rules}
        values_by_row = None
        outcomes = []
        for item in result.results:
            config = item.expectation_config
            name = (config.meta or {}).get("rule") or config.type
            column = config.kwargs.get("column")
            rows = found[id(item)]
            for row in rows:
                row_failures[int(row)].append(name)
            shown = (by_name[name].show if name in by_name else None) or column
            if rows and values_by_row is None:
                values_by_row = frame.set_index(ROW_ID)
            failing = [FailingRow(int(row), _cell(values_by_row, row, self.key_column), shown,
                                  _cell(values_by_row, row, shown)) for row in rows[:SHOWN_ROWS]]
            count = (item.result or {}).get("unexpected_count") or len(rows)
            outcomes.append(RuleResult(name, column, bool(item.success), int(count or 0), failing))
        success = all(o.success for o in outcomes)
        report = ValidationReport(self.suite_name, success, len(frame), outcomes, dict(row_failures))
        if docs_root is not None and (docs_for_passing or not success):
            report.docs_index, report.docs_page = _publish_data_docs(self.context, result, self.suite_name,
                                                                     Path(docs_root))
        return report

    def _rows_by_condition(self, frame: pd.DataFrame, result) -> dict[int, list] | None:
        """{id(result item): the row ids its expectation found unexpected}, or None when they cannot be
        named here with certainty."""
        by_name = {rule.name: rule for rule in self.rules}
        found: dict[int, list] = {}
        for item in result.results:
            found[id(item)] = []
            if item.success:
                continue
            rule = by_name.get((item.expectation_config.meta or {}).get("rule"))
            count = (item.result or {}).get("unexpected_count")
            mask = unexpected_mask(rule.expectation, frame[rule.column]) if rule and rule.column else None
            if mask is None or count is None or int(mask.sum()) != int(count):
                return None
            found[id(item)] = frame[ROW_ID][mask].tolist()
        return found


def _as_text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns GX checks, text ones as pandas' Arrow-backed `str`: what GX's regex and length checks
    turn every column into first (`astype(str)`), done once per column rather than once per expectation."""
    import pandas as pd

    return pd.DataFrame({name: column.astype("str") if pd.api.types.infer_dtype(column, skipna=True) == "string"
                         else column for name, column in frame.items()})


def unexpected_mask(expectation, column: pd.Series):
    """The rows a column-map expectation counts as unexpected, by the condition GX applies to it (values
    that are null are not checked, except by the null expectations), or None for another kind."""
    import great_expectations.expectations as gxe

    present = column.notna().to_numpy()
    if isinstance(expectation, gxe.ExpectColumnValuesToBeNull):
        return present
    if isinstance(expectation, gxe.ExpectColumnValuesToNotBeNull):
        return ~present
    values = column[present]
    if isinstance(expectation, gxe.ExpectColumnValuesToMatchRegex):
        pattern = re.compile(expectation.regex)
        bad = [pattern.search(str(value)) is None for value in values]
    elif isinstance(expectation, gxe.ExpectColumnValuesToBeInSet) and expectation.value_set is not None:
        bad = ~values.isin(expectation.value_set).to_numpy()
    elif isinstance(expectation, gxe.ExpectColumnValueLengthsToBeBetween):
        if expectation.strict_min or expectation.strict_max:
            return None
        lengths = values.map(lambda value: len(str(value))).to_numpy()   # GX measures astype(str)
        low, high = expectation.min_value, expectation.max_value
        bad = ((lengths < low) if low is not None else False) | ((lengths > high) if high is not None else False)
    else:
        return None
    mask = np.zeros(len(column), dtype=bool)
    mask[present] = bad
    return mask


def run_suite(frame: pd.DataFrame, suite_name: str, rules: list[Rule], docs_root: Path | None = None,
              key_column: str | None = None) -> ValidationReport:
    """Validate one frame with a suite of its own; `key_column` names the record key shown for failing rows."""
    return SuiteRunner(suite_name, rules, key_column).run(frame, docs_root)


def _cell(values_by_row, row, column: str | None):
    import pandas as pd

    if column is None or column not in values_by_row.columns:
        return None
    value = values_by_row.at[row, column]
    return None if pd.api.types.is_scalar(value) and pd.isna(value) else value


def _publish_data_docs(context, result, suite_name: str, docs_root: Path) -> tuple[str, str]:
    """Build this validation's Data Docs site from a masked copy of its result, then move it into place
    in one rename; return its validation page (absolute, and relative to the docs root)."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    docs_root.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    name = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=docs_root))
    try:
        context.add_data_docs_site("validation", {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(building)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
        key = ValidationResultIdentifier(expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
                                         run_id=RunIdentifier(run_name=name, run_time=now), batch_identifier="feed")
        context.validation_results_store.set(key, masked_result(result))
        context.build_data_docs(site_names=["validation"], resource_identifiers=[key])
        [page] = sorted(building.glob("validations/**/*.html"))
        final = docs_root / suite_name / name
        final.parent.mkdir(parents=True, exist_ok=True)
        os.rename(building, final)   # atomic on one filesystem: the site appears whole or not at all
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    relative = final / page.relative_to(building)
    return str(relative), relative.relative_to(docs_root).as_posix()


def masked_result(result):
    """A copy of a GX suite result fit to be rendered: row values masked (emails, phones) and
    HTML-escaped (GX writes them into the page as they are), the batch parameters (the frame) dropped."""
    safe = copy.deepcopy(result)
    for item in safe.results:
        values = item.result or {}
        column = item.expectation_config.kwargs.get("column") or ""
        for key in _VALUE_KEYS:
            if key in values:
                values[key] = [_safe(column, v) for v in values[key]]
        for key in _COUNT_KEYS:
            if key in values:
                values[key] = [{**entry, "value": _safe(column, entry.get("value"))} for entry in values[key]]
        for key in _INDEX_KEYS:
            if key in values:
                values[key] = [{k: (int(v) if k == ROW_ID else _safe(k, v)) for k, v in entry.items()}
                               if isinstance(entry, dict) else entry for entry in values[key]]
        values.pop("unexpected_index_query", None)
    for key in ("batch_parameters", "batch_spec", "batch_markers"):
        (safe.meta or {}).pop(key, None)
    return safe


def _safe(column: str, value) -> str:
    return html.escape(mask_field(column, value), quote=True)
