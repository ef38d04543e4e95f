"""What every DAG of the project shares: retries with backoff, an owner, and failure alerts.

A DAG file spreads `dag_kwargs()` into `@dag(...)`, so a new DAG alerts on failure without anyone
remembering to wire it. Pools are not here: only the tasks that call Odoo take an Odoo pool slot.
"""

from __future__ import annotations

from datetime import timedelta

from retail_sync.airflow.notifiers import RunFailureNotifier, TaskFailureNotifier
from retail_sync.alerts.messages import file_name


def default_args(**overrides) -> dict:
    return {
        "owner": "data-team",
        "retries": 3,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=10),
        "on_failure_callback": TaskFailureNotifier(),
        **overrides,
    }


def dag_kwargs(*, default_args_overrides: dict | None = None, **overrides) -> dict:
    """Keyword arguments for `@dag`: the shared defaults, then this DAG's own settings."""
    return {
        "catchup": False,
        "max_active_runs": 1,
        "default_args": default_args(**(default_args_overrides or {})),
        "on_failure_callback": RunFailureNotifier(),
        "user_defined_filters": {"file_name": feed_file_name},
        **overrides,
    }


def map_index_by_file(argument: str = "uri") -> str:
    """A `map_index_template` that names each mapped task instance after the feed file in `argument`
    (a URI, or a dict holding one under "uri"), masked: the UI shows `a-feed.csv`, not `3`."""
    return f"{{{{ task.op_kwargs[{argument!r}] | file_name }}}}"


def feed_file_name(value) -> str:
    uri = value.get("uri") if isinstance(value, dict) else value
    return file_name(str(uri)) if uri else "-"
