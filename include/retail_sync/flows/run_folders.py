"""Where a run keeps its files under the staging root: one folder per flow and run, named after the Airflow
run id made safe for any file system (`manual__2026-11-27T10:00:00+00:00` → `manual__2026-11-27T10_00_00_00_00`)."""

from __future__ import annotations

from pathlib import Path


def safe_run_id(run_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in run_id)


def run_folder(staging_root: str | Path, flow: str, run_id: str) -> Path:
    return Path(staging_root) / flow / "runs" / safe_run_id(run_id)
