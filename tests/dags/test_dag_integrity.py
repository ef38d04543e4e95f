"""Every DAG imports cleanly and follows the house conventions; DAG files stay light to parse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DAGS = sorted((Path(__file__).resolve().parents[2] / "dags").glob("*.py"))
POOLS = {"odoo_realtime", "odoo_batch"}
LEDGERS = {"settlement_reconciliation"}   # catch up on every day missed (DESIGN: only ledger flows do)
HEAVY = ("great_expectations", "pandas", "pyarrow", "splink", "duckdb", "retail_sync.flows", "retail_sync.quality")


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {dag_id for dag_id in dagbag.dag_ids} == {path.stem for path in DAGS}


@pytest.mark.parametrize("path", DAGS, ids=lambda p: p.stem)
def test_conventions(dagbag, path):
    dag = dagbag.get_dag(path.stem)
    assert dag is not None, "file name == dag_id"
    assert dag.tags and "retail-sync" in dag.tags
    assert dag.catchup is (dag.dag_id in LEDGERS)
    assert dag.max_active_runs == 1
    assert dag.doc_md and len(dag.doc_md) > 100
    for task in dag.tasks:
        assert task.retries >= 1, task.task_id
        assert task.retry_exponential_backoff, task.task_id
        assert task.pool in POOLS | {"default_pool"}, task.task_id   # Odoo pools only where Odoo is called
        assert task.owner != "airflow", task.task_id


@pytest.mark.parametrize("path", DAGS, ids=lambda p: p.stem)
def test_no_heavy_imports_at_module_level(path):
    probe = (f"import runpy, sys; runpy.run_path({str(path)!r}); "
             f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    [found] = [line for line in out.stdout.splitlines() if line.startswith("HEAVY=")]
    assert found == "HEAVY=", f"heavy modules imported at parse time: {found}"
