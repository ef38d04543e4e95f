"""Several tasks opening one fresh state store at the same moment: real processes, PostgreSQL and SQLite."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from retail_sync.state import schema
from retail_sync.state.store import StateStore

# Every process waits for the same instant, then opens the store (which creates its schema).
OPEN_AT_ONCE = """
import sys, time
from retail_sync.state.store import StateStore
url, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
StateStore(url)
"""
PROCESSES = 6


def open_at_once(url: str) -> list[subprocess.CompletedProcess]:
    start = time.time() + 4  # time enough for every interpreter to import SQLAlchemy first
    running = [subprocess.Popen([sys.executable, "-c", OPEN_AT_ONCE, url, str(start)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(PROCESSES)]
    return [subprocess.CompletedProcess(p.args, p.wait(60), *p.communicate()) for p in running]


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_tasks_creating_the_schema_at_once_all_succeed(backend, tmp_path, postgres_server):
    url = postgres_server("fresh") if backend == "postgresql" else f"sqlite:///{tmp_path}/state.sqlite"
    results = open_at_once(url)
    assert [r.stderr.strip().splitlines()[-1:] for r in results if r.returncode] == []
    store = StateStore(url)
    assert store.schema_version() == schema.CURRENT_VERSION
    with store.engine.connect() as conn:
        versions = conn.execute(schema.schema_version.select()).all()
    assert len(versions) == schema.CURRENT_VERSION  # one row per version, not one per process
