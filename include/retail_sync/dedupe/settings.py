"""The linkage model's settings: one object, read by the `link` command and the customer_dedupe DAG alike.

Defaults are the ones measured in `bench/dedupe_link.py` (F1 and blocking recall on the generated customer
base). A JSON file with any subset of the fields overrides them (`DedupeSettings.from_file`), so the data
team can try a threshold or another backend without touching code.

Backends: `duckdb` (default) runs in this process on one machine. `spark` runs the same model (the same
comparisons, blocking rules and training) on splink's Spark backend, for customer bases beyond one machine:
it needs `pyspark` and a Java runtime, which the project does not install; `spark_master` names the
cluster (`local[2]` runs Spark inside this machine).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

BACKENDS = ("duckdb", "spark")


@dataclass(frozen=True)
class DedupeSettings:
    # Pairs scored at or above this probability are returned (the review queue reads from here up).
    predict_threshold: float = 0.5
    # Pairs at or above this probability join their records into one cluster (and count as matches
    # when the model is scored).
    cluster_threshold: float = 0.99
    # The prior: deterministic rules' matches divided by the recall they are believed to have.
    prior_recall: float = 0.8
    # Random pairs sampled to estimate u (how often fields agree by chance); seeded for repeatable runs.
    u_max_pairs: float = 1e6
    seed: int = 42
    # Pairs used per EM training session (sampled from the session's blocked pairs when more). 5e5 gave the
    # same F1 as 2e6 at 300,000 and 1,000,000 records (bench/dedupe_link.py) for a third of EM's time.
    em_max_pairs: float = 5e5
    backend: str = "duckdb"
    spark_master: str = "local[2]"
    # DuckDB's memory limit and threads (None: DuckDB's defaults, 80 % of RAM and every core).
    duckdb_memory_limit: str | None = None
    duckdb_threads: int | None = None

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}")
        if not 0 < self.predict_threshold <= self.cluster_threshold < 1:
            raise ValueError("thresholds must satisfy 0 < predict_threshold <= cluster_threshold < 1")
        if not 0 < self.prior_recall <= 1:
            raise ValueError("prior_recall must be in (0, 1]")

    @classmethod
    def from_file(cls, path: str | Path) -> DedupeSettings:
        """Defaults overridden by a JSON object's fields; an unknown field is an error (a typo would
        otherwise be silently ignored)."""
        values = json.loads(Path(path).read_text())
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown dedupe setting(s) in {path}: {', '.join(unknown)}")
        return cls(**values)
