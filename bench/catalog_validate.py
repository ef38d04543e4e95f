"""Validate a generated catalog feed (default 1,000,000 rows) in batches, against the whole-file path
(every row in one frame, as validation worked before batching) as the naive baseline.

Each mode runs in its own child process, so its peak RSS is its own: `peak_rss_delta_mib` is the peak
minus the resident size just before reading (imports, GX, the state store already loaded), and
`ratio_to_file` that delta over the file size. The baseline runs on BENCH_VALIDATE_BASELINE_ROWS rows
(default 300,000) to keep `make bench` within memory; compare rates and ratios, which are per row/byte.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = int(os.environ.get("BENCH_VALIDATE_ROWS", "1000000"))
BASELINE_ROWS = int(os.environ.get("BENCH_VALIDATE_BASELINE_ROWS", "300000"))


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mib() -> float:
    """This process's own high-water mark (VmHWM). Not ru_maxrss: Linux carries the parent's resident size
    at fork into the child's ru_maxrss across exec, so every child reported at least what the bench's
    parent held (the generated rows), whatever it validated."""
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def measure(path: str, batch_rows: int) -> dict:
    """In the child: validate `path` once and report the figures."""
    import great_expectations.checkpoint  # imported before measuring: not the validation's memory
    import great_expectations.expectations  # noqa: F401 - the same

    from retail_sync.feeds.pim import read_feed
    from retail_sync.flows.catalog.settings import CatalogSettings
    from retail_sync.flows.catalog.validate import validate_feed
    from retail_sync.state.store import StateStore

    workdir = Path(path).parent / f"run-{batch_rows}"
    store = StateStore(f"sqlite:///{workdir}.sqlite")
    settings = CatalogSettings(staging_root=workdir)
    before = _rss_mib()
    wall = time.perf_counter()
    result = validate_feed(read_feed(path), workdir, settings, store, "bench", lambda alert: None, batch_rows)
    wall = time.perf_counter() - wall
    peak = _peak_rss_mib()
    size = Path(path).stat().st_size / 2**20
    return {"rows": result.rows, "good": result.good, "file_mib": round(size, 1), "wall_s": round(wall, 1),
            "rows_per_s": round(result.rows / wall), "peak_rss_delta_mib": round(peak - before),
            "ratio_to_file": round((peak - before) / size, 1)}


def run_child(path: Path, batch_rows: int) -> dict:
    output = subprocess.run([sys.executable, "-m", "bench.catalog_validate", "--child", str(path), str(batch_rows)],
                            check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    from retail_sync.flows.catalog.settings import CatalogSettings
    from retail_sync_sandbox.datagen.catalog import catalog_rows, write_catalog_csv

    batch_rows = CatalogSettings(staging_root=Path(".")).validate_batch_rows
    with tempfile.TemporaryDirectory() as tmp:
        rows = catalog_rows(ROWS, seed=7)
        streamed_file = write_catalog_csv(Path(tmp) / "streamed" / "feed.csv", rows)
        baseline_file = write_catalog_csv(Path(tmp) / "whole" / "feed.csv", rows[:BASELINE_ROWS])
        del rows
        streamed = run_child(streamed_file, batch_rows)
        baseline = run_child(baseline_file, 0)
    print(json.dumps({"bench": "catalog_validate", "batch_rows": batch_rows, **streamed,
                      "naive_baseline_whole_file": baseline,
                      "speed_ratio_streamed_vs_naive": round(streamed["rows_per_s"] / baseline["rows_per_s"], 1)}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
    else:
        main()
