"""Run a GX suite on a pandas frame and say, row by row, which expectations each row failed.

GX is called directly (its Airflow provider does not install beside Airflow 3.3). Column-map
expectations name the failing rows through `unexpected_index_column_names`; aggregate expectations
(row counts) fail the batch as a whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROW_ID = "_row"


@dataclass(frozen=True)
class Rule:
    name: str            # what the rule means to a person: "SKU present"
    expectation: object  # a great_expectations.expectations.Expectation
    show: str | None = None  # the column whose values illustrate a failure (for derived columns)

    @property
    def column(self) -> str | None:
        return getattr(self.expectation, "column", None)


@dataclass
class RuleResult:
    rule: str
    column: str | None
    success: bool
    unexpected_count: int
    examples: list = field(default_factory=list)


@dataclass
class ValidationReport:
    suite: str
    success: bool
    evaluated_rows: int
    results: list[RuleResult]
    row_failures: dict[int, list[str]]       # row id -> names of the rules it failed
    docs_index: str | None = None

    @property
    def failed_rules(self) -> list[RuleResult]:
        return [r for r in self.results if not r.success]

    @property
    def batch_failures(self) -> list[RuleResult]:
        """Failed rules that name no rows: they are about the batch as a whole."""
        return [r for r in self.failed_rules if r.column is None]


def _context(docs_root: Path | None):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if docs_root is None:
        context = gx.get_context(mode="ephemeral")
    else:
        docs_root.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(docs_root))
    # tqdm bars ignore TQDM_DISABLE because GX passes disable= itself; this is the switch that works.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def run_suite(frame: pd.DataFrame, suite_name: str, rules: list[Rule], docs_root: Path | None = None
              ) -> ValidationReport:
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    context = _context(docs_root)
    batch = (context.data_sources.add_or_update_pandas(f"{suite_name}_source")
             .add_dataframe_asset(f"{suite_name}_frame")
             .add_batch_definition_whole_dataframe("whole"))
    suite = context.suites.add_or_update(gx.ExpectationSuite(name=suite_name))
    for expectation in list(suite.expectations):
        suite.delete_expectation(expectation)
    for rule in rules:
        rule.expectation.meta = {"rule": rule.name}
        suite.add_expectation(rule.expectation)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{suite_name}_definition", data=batch, suite=suite))
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_ID]}
    docs_index = None
    if docs_root is None:
        result = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format)
        results = result.results
    else:
        checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
            name=f"{suite_name}_checkpoint", validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="data_docs")], result_format=result_format))
        run = checkpoint.run(batch_parameters={"dataframe": frame})
        results = [r for validation in run.run_results.values() for r in validation.results]
        docs_index = str(Path(docs_root) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html")
    row_failures: dict[int, list[str]] = defaultdict(list)
    by_name = {rule.name: rule for rule in rules}
    values_by_row = frame.set_index(ROW_ID)
    outcomes = []
    for item in results:
        config = item.expectation_config
        name = (config.meta or {}).get("rule") or config.type
        column = config.kwargs.get("column")
        indexes = (item.result or {}).get("unexpected_index_list") or []
        for entry in indexes:
            row = entry.get(ROW_ID) if isinstance(entry, dict) else entry
            row_failures[int(row)].append(name)
        shown = (by_name[name].show if name in by_name else None) or column
        example_rows = [entry.get(ROW_ID) for entry in indexes[:5] if isinstance(entry, dict)]
        examples = [values_by_row.at[row, shown] for row in example_rows] if shown else []
        count = (item.result or {}).get("unexpected_count") or len(indexes)
        outcomes.append(RuleResult(name, column, bool(item.success),
                                   int(count or 0), examples))
    success = all(o.success for o in outcomes)
    return ValidationReport(suite_name, success, len(frame), outcomes, dict(row_failures), docs_index)
