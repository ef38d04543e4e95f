"""A snapshot writer killed mid-write (SIGKILL, no clean-up of its own) leaves the history as it was: the
hour reads whole, old or new, never half a file or both; the next write of the hour clears what the dead
writer left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from retail_sync.canonical.stock import STOCK_SNAPSHOT_SCHEMA
from retail_sync.flows.inventory.history import SnapshotHistory

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WRITER = """
import sys
from datetime import UTC, datetime
import pyarrow as pa
import pyarrow.compute as pc
from retail_sync.canonical.stock import STOCK_SNAPSHOT_SCHEMA
from retail_sync.flows.inventory.history import SnapshotHistory

rows = int(sys.argv[2])
numbers = pa.array(range(rows), pa.int64())
table = pa.table({"snapshot_at": pa.repeat(pa.scalar(datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
                                                     STOCK_SNAPSHOT_SCHEMA.field("snapshot_at").type), rows),
                  "warehouse": pa.repeat(pa.scalar("WH"), rows), "sku": pc.cast(numbers, pa.string()),
                  "product_id": numbers, "on_hand": pc.cast(numbers, pa.float64()),
                  "reserved": pa.repeat(pa.scalar(0.0), rows), "available": pc.cast(numbers, pa.float64()),
                  "quants": pa.repeat(pa.scalar(1), rows)}, schema=STOCK_SNAPSHOT_SCHEMA)
SnapshotHistory(sys.argv[1]).write(table, datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
"""


def small_snapshot(rows: int) -> pa.Table:
    return pa.table({"snapshot_at": [AT] * rows, "warehouse": ["ANT"] * rows, "sku": [f"S{i}" for i in range(rows)],
                     "product_id": list(range(rows)), "on_hand": [1.0] * rows, "reserved": [0.0] * rows,
                     "available": [1.0] * rows, "quants": [1] * rows}, schema=STOCK_SNAPSHOT_SCHEMA)


def test_a_writer_killed_mid_write_leaves_the_hour_whole(tmp_path: Path):
    root = tmp_path / "history"
    history = SnapshotHistory(str(root))
    history.write(small_snapshot(3), AT)
    partition = root / "date=2026-11-02" / "hour=09"
    big = 3_000_000
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(root), str(big)])
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".writing-") for p in partition.iterdir()) and writer.poll() is None:
        assert time.monotonic() < deadline, "the writer never started its file"
        time.sleep(0.001)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()

    table = history.dataset().to_table()
    assert table.num_rows in (3, big)                                    # one whole snapshot, never both
    assert set(table["warehouse"].to_pylist()) == ({"ANT"} if table.num_rows == 3 else {"WH"})
    assert [p.name for p in partition.iterdir() if not p.name.startswith(".")] == ["snapshot.parquet"]

    history.write(small_snapshot(5), AT)                                 # the hour's next run
    assert sorted(p.name for p in partition.iterdir()) == ["snapshot.parquet"]
    assert history.dataset().to_table().num_rows == 5
