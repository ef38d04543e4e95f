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
        "user_defined_filters": {"feed_file_name": feed_file_name},
        **overrides,
    }


def map_index_by_file(argument: str = "uri") -> str:
    """A `map_index_template` that names each mapped task instance after the feed file in its argument
    `argument` (a URI, or a dict holding one under "uri"), masked: the UI shows `a-feed.csv`, not `3`."""
    return f"{{{{ task | feed_file_name({argument!r}) }}}}"


def feed_file_name(task, argument: str) -> str:
    """The masked file name a task works on, or "" (Airflow then shows the index).

    A template that raises fails the task once it has run, so this never raises. TaskFlow keeps
    keyword arguments in `op_kwargs` and positional ones (`validate(uri)`) in `op_args`.
    """
    kwargs = getattr(task, "op_kwargs", None)
    value = kwargs.get(argument) if isinstance(kwargs, dict) else None
    if value is None:
        args = getattr(task, "op_args", None)
        value = args[0] if isinstance(args, list | tuple) and args else None
    uri = value.get("uri") if isinstance(value, dict) else value
    return file_name(uri) if isinstance(uri, str) and uri else ""
