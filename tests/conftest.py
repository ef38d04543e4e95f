"""Shared fixtures: a throwaway PostgreSQL cluster of our own on a free loopback port.

Airflow reads its settings when first imported, so its home (a throwaway folder with a SQLite
metadata DB) is set here, before any test module imports it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="retail-sync-airflow-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"

pytest_plugins = ["tests.storefront_fixtures"]

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """Start PostgreSQL (initdb in a temp folder) and yield a function making fresh databases on it."""
    if not PG_BIN_DIRS:
        pytest.fail("PostgreSQL server binaries are missing: run `make test`, which installs them")
    bin_dir = PG_BIN_DIRS[0]
    root = Path(tempfile.mkdtemp(prefix="retail-sync-pg-"))
    port = _free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(root, "postgres")
    subprocess.run([*as_postgres, bin_dir / "initdb", "-D", root / "data", "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, bin_dir / "pg_ctl", "-D", root / "data", "-w", "-l", root / "log",
                    "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    counter = iter(range(10_000))

    def new_database(prefix: str = "t") -> str:
        import sqlalchemy as sa

        name = f"{prefix}_{next(counter)}"
        admin = sa.create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres",
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return f"postgresql+psycopg2://postgres@127.0.0.1:{port}/{name}"

    yield new_database
    subprocess.run([*as_postgres, bin_dir / "pg_ctl", "-D", root / "data", "-m", "immediate", "stop"],
                   capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


# Tests that run a whole stack for minutes, kept out of `make test` (its time budget) and run by their own
# make target, `pytest -m MARKER`: a plain run deselects them (listed as deselected, never skipped).
OPT_IN_MARKERS = {
    "production_image": "builds the production image's Python environment (~10 min; make test-image)",
    "browser": "a real browser against a whole Airflow (5-8 min; make test-browser)",
    "long": "make demo / make up end to end, thousands-of-rows fault runs (5-10 min; make test-long)",
    "spark": "the dedupe model on Spark in local mode: pyspark and a Java runtime (2-4 min; make test-spark)",
}


def pytest_configure(config):
    for name, what in OPT_IN_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {what}")


def pytest_collection_modifyitems(config, items):
    asked = config.getoption("markexpr") or ""
    left_out = [item for item in items
                if any(item.get_closest_marker(name) and name not in asked for name in OPT_IN_MARKERS)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]
