"""What the catalog_publish DAG's tasks do, wired to Airflow: the Odoo connection, the state store,
alert delivery, and Airflow's own exceptions for outcomes that retrying cannot change."""

from __future__ import annotations

from pathlib import Path

from fsspec.core import url_to_fs

from retail_sync.airflow import settings
from retail_sync.airflow.notifiers import send_alert
from retail_sync.flows.catalog.settings import CatalogSettings
from retail_sync.state.store import StateStore

FEED_SUFFIXES = (".csv", ".parquet", ".jsonl", ".ndjson")


def pending_feeds(landing: str | None = None) -> list[str]:
    """Feed files waiting in the landing folder (a path or any fsspec URL), oldest first.

    Published files move to `processed/` and unreadable ones to `rejected/`, so the folder lists only work.
    """
    fs, root = url_to_fs(landing or str(settings.catalog_landing()))
    fs.makedirs(root, exist_ok=True)
    entries = [e for e in fs.ls(root, detail=True)
               if e["type"] == "file" and e["name"].lower().endswith(FEED_SUFFIXES)]
    entries.sort(key=lambda e: (_modified(e), e["name"]))
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return [e["name"] if protocol in ("file", "local") else f"{protocol}://{e['name']}" for e in entries]


def _modified(entry: dict) -> float:
    value = entry.get("mtime") or entry.get("LastModified") or entry.get("last_modified") or 0
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def validate(uri: str, run_id: str, config: CatalogSettings | None = None) -> dict | None:
    from airflow.sdk.exceptions import AirflowFailException

    from retail_sync.flows.catalog.validate import BatchBlocked, FeedRejected, validate_feed

    config = config or settings.catalog_settings()
    try:
        validated = validate_feed(uri, config, StateStore(), run_id, send_alert)
    except FeedRejected as exc:
        _move(uri, "rejected")
        raise AirflowFailException(f"feed rejected, nothing loaded: {exc}") from None
    except BatchBlocked as exc:
        raise AirflowFailException(f"batch blocked by its gates, nothing loaded: {exc}") from None
    if validated is None:
        _move(uri, "processed")  # this exact file was published before
        return None
    return validated.to_xcom()


def publish(validated: dict | None, run_id: str, odoo_conn_id: str = "odoo_default",
            config: CatalogSettings | None = None) -> dict:
    from airflow.sdk.exceptions import AirflowSkipException

    from retail_sync.airflow.hooks.odoo import OdooHook
    from retail_sync.alerts.messages import dead_letter_alert
    from retail_sync.flows.catalog.publish import publish_catalog

    if validated is None:
        raise AirflowSkipException("file already published")
    config = config or settings.catalog_settings()
    store = StateStore()
    with OdooHook(odoo_conn_id).get_conn() as client:
        result = publish_catalog(validated["good_path"], client, store, config, run_id)
    store.finish_file(config.flow, validated["fingerprint"])
    store.record_metrics(config.flow, run_id, {
        "rows_read": validated["rows"], "rows_quarantined": validated["quarantined"], "rows_loaded": result.loaded,
        "rows_skipped": result.skipped, "rows_dead_lettered": result.dead_lettered, "rpc_calls": result.rpc_calls,
    }, {"file": Path(validated["uri"]).name})
    if result.failures:
        send_alert(dead_letter_alert(config.flow, run_id, validated["uri"], result.failures))
    _move(validated["uri"], "processed")
    return result.to_xcom()


def _move(uri: str, folder: str) -> None:
    fs, path = url_to_fs(uri)
    if fs.exists(path):
        parent, name = path.rsplit("/", 1)
        fs.makedirs(f"{parent}/{folder}", exist_ok=True)
        fs.mv(path, f"{parent}/{folder}/{name}")
