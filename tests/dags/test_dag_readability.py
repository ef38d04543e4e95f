"""What people see of every DAG: a one-line description, mapped tasks named after what they work on,
failure alerts wired by default, and Odoo pool slots only for the tasks that call Odoo."""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_sync.airflow.notifiers import RunFailureNotifier, TaskFailureNotifier

DAGS = sorted((Path(__file__).resolve().parents[2] / "dags").glob("*.py"))
ODOO_POOLS = {"odoo_realtime", "odoo_batch"}


def _as_list(callbacks) -> list:
    return callbacks if isinstance(callbacks, list) else [callbacks] if callbacks else []


@pytest.mark.parametrize("path", DAGS, ids=lambda p: p.stem)
def test_description_is_one_line(dagbag, path):
    description = dagbag.get_dag(path.stem).description
    assert description and "\n" not in description and 20 <= len(description) <= 120


@pytest.mark.parametrize("path", DAGS, ids=lambda p: p.stem)
def test_every_failure_alerts(dagbag, path):
    dag = dagbag.get_dag(path.stem)
    assert any(isinstance(c, RunFailureNotifier) for c in _as_list(dag.on_failure_callback))
    for task in dag.tasks:
        assert any(isinstance(c, TaskFailureNotifier) for c in _as_list(task.on_failure_callback)), task.task_id


@pytest.mark.parametrize("path", DAGS, ids=lambda p: p.stem)
def test_mapped_tasks_are_named_after_their_item(dagbag, path):
    for task in dagbag.get_dag(path.stem).tasks:
        if getattr(task, "is_mapped", False) or task.get_closest_mapped_task_group() is not None:
            assert task.map_index_template, task.task_id


def test_catalog_takes_an_odoo_slot_only_to_publish(dagbag):
    dag = dagbag.get_dag("catalog_publish")
    assert dag.get_task("pending_feeds").pool == "default_pool"
    publishing = [task for task in dag.tasks if "publish" in task.task_id]
    assert publishing and all(task.pool == "odoo_batch" for task in publishing)
    assert {task.pool for task in dag.tasks if task not in publishing} == {"default_pool"}
