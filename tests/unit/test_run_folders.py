"""A run's folder is named after its Airflow run id, made safe for any file system, and the same for every flow."""

from __future__ import annotations

from pathlib import Path

from retail_sync.flows.run_folders import run_folder, safe_run_id


def test_a_manual_run_id_becomes_a_safe_folder_name():
    assert safe_run_id("manual__2026-11-27T10:00:00.5+00:00") == "manual__2026-11-27T10_00_00.5_00_00"
    assert safe_run_id("scheduled__a/b\\c d") == "scheduled__a_b_c_d"


def test_every_flow_keeps_its_runs_under_its_own_runs_folder(tmp_path):
    assert run_folder(tmp_path, "inventory", "r:1") == Path(tmp_path) / "inventory" / "runs" / "r_1"
