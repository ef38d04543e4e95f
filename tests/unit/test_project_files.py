"""The deployment files hang together: compose parses, and what it mounts and runs exists."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_is_consistent():
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker",
            "airflow-triggerer", "airflow-init"} <= set(services)
    assert services["airflow-scheduler"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    for volume in services["airflow-scheduler"]["volumes"]:
        source = volume.split(":", 1)[0]
        if source.startswith("./"):
            assert (ROOT / source).exists(), source
    assert (ROOT / "Dockerfile").exists()
    env = services["airflow-scheduler"]["environment"]
    assert all(str(v).startswith("${") for k, v in env.items() if k.startswith("AIRFLOW_CONN_"))  # no inline secrets


def test_pools_file_names_the_pools_the_dags_use():
    pools = json.loads((ROOT / "config" / "pools.json").read_text())
    assert set(pools) == {"odoo_realtime", "odoo_batch"}
    assert all(p["slots"] >= 1 for p in pools.values())


def test_requirements_are_pinned_exactly():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r", "-e")):
                assert "==" in line, f"{name}: {line} is not pinned"


def test_pending_feeds_on_an_fsspec_filesystem():
    import fsspec

    from retail_sync.feeds.landing import move_to, pending_feeds

    memory = fsspec.filesystem("memory")
    memory.pipe("/landing/b.csv", b"x")
    memory.pipe("/landing/a.parquet", b"x")
    memory.pipe("/landing/notes.txt", b"x")
    found = pending_feeds("memory:///landing")
    assert sorted(found) == ["memory:///landing/a.parquet", "memory:///landing/b.csv"]
    move_to("memory:///landing/b.csv", "processed")
    assert memory.exists("/landing/processed/b.csv") and pending_feeds("memory:///landing") == [
        "memory:///landing/a.parquet"]
