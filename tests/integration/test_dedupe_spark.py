"""The dedupe model on splink's Spark backend (Spark in local mode, a real JVM): the same standardized table,
comparisons, blocking and training as on DuckDB give the same quality. Opt-in (`make test-spark`): it needs
pyspark and a Java runtime, and Spark's per-stage overhead makes it minutes, not seconds."""

from __future__ import annotations

import pyarrow.compute as pc
import pytest

from bench.dedupe_quality import score_pairs
from retail_sync.dedupe.link import CLUSTERS_SCHEMA, PAIRS_SCHEMA, link
from retail_sync.dedupe.settings import DedupeSettings
from retail_sync_sandbox.datagen.customer_base import customer_base

pytestmark = pytest.mark.spark


def found(result, settings) -> list[tuple[str, str]]:
    pairs = result.pairs.filter(pc.greater_equal(result.pairs["match_probability"], settings.cluster_threshold))
    return list(zip(pairs["id_l"].to_pylist(), pairs["id_r"].to_pylist(), strict=True))


def test_spark_links_a_customer_base_as_well_as_duckdb(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                  # Spark's scratch space goes to a temporary directory, not here
    base = customer_base(2_000, seed=4)          # with dates of birth: the date comparison's format per backend
    scores = {}
    for backend in ("duckdb", "spark"):
        settings = DedupeSettings(backend=backend, spark_master="local[2]", u_max_pairs=1e5, em_max_pairs=1e5)
        result = link(base.table, settings)
        assert result.pairs.schema == PAIRS_SCHEMA and result.clusters.schema == CLUSTERS_SCHEMA
        assert result.clusters.num_rows == base.table.num_rows
        scores[backend] = score_pairs(found(result, settings), base.truth)
    assert scores["spark"]["f1"] >= 0.99, scores
    assert abs(scores["spark"]["f1"] - scores["duckdb"]["f1"]) <= 0.01, scores
    assert list(tmp_path.iterdir()) == []
