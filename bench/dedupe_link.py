"""Customer linking at scale (issue 14): generated customer bases of BENCH_DEDUPE_SIZES records (default
100,000 and 1,000,000, ~15 % duplicates) linked by `retail_sync.dedupe.link` — wall and CPU time, peak memory,
candidate pairs compared, pairs scored, F1 — against an exact-match baseline (the same standardized email
or phone) in the same run, plus each blocking rule's candidate pairs (new pairs over the rules before it)
and blocking recall.

Each size's base is generated first and written to Parquet (not timed); the link then runs in a fresh
process that reads it, so the peak memory (ru_maxrss) is the link's own. The baseline and the per-rule
counts run in processes of their own too. Targets: 1,000,000 in 2 minutes and under 6 GiB on the 2-core
machine; F1 ≥ 0.99. Times depend on what else runs on the machine: the load average is printed with them.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

SIZES = [int(s) for s in os.environ.get("BENCH_DEDUPE_SIZES", "100000,1000000").split(",")]
SEED = 5


def _link(path: str) -> dict:
    from retail_sync.dedupe.link import link
    from retail_sync.dedupe.settings import DedupeSettings
    from retail_sync.dedupe.standardize import standardize

    table = pq.read_table(path)
    wall = time.perf_counter()
    standardize(table)
    standardize_s = time.perf_counter() - wall
    wall, cpu = time.perf_counter(), _cpu_s()
    settings = DedupeSettings()
    result = link(table, settings)
    found = result.pairs.filter(pc.greater_equal(result.pairs["match_probability"], settings.cluster_threshold))
    return {"wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(_cpu_s() - cpu, 1),
             "standardize_s": round(standardize_s, 1), "pairs_scored": result.pairs.num_rows,
             "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
             # standardize's slice processes run at once, beside this one: their peaks add to it
             "slice_process_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
             "found": list(zip(found["id_l"].to_pylist(), found["id_r"].to_pylist(), strict=True))}


def _cpu_s() -> float:
    """CPU seconds of this process (all its threads) and of its ended children (standardize's slices)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _baseline(path: str) -> dict:
    """Exact match: two records with the same standardized email, or the same E.164 phone, are one person."""
    import duckdb

    from retail_sync.dedupe.standardize import standardize

    table = pq.read_table(path)
    wall = time.perf_counter()
    std = standardize(table)
    con = duckdb.connect()
    con.register("std", std)
    # two equi-joins (an OR in one join condition would compare every pair)
    rows = con.execute(" union ".join(f"select l.unique_id, r.unique_id from std l join std r on l.{c} = r.{c} "
                                      f"and l.unique_id < r.unique_id" for c in ("email", "phone"))).fetchall()
    return {"wall_s": round(time.perf_counter() - wall, 1),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "found": rows}


def _rules(path: str) -> list[dict]:
    """Candidate pairs each blocking rule adds (exact counts) and the total the model compares."""
    import logging

    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    from retail_sync.dedupe.model import BLOCKING_RULES, database_api
    from retail_sync.dedupe.settings import DedupeSettings
    from retail_sync.dedupe.standardize import standardize

    logging.getLogger("splink").setLevel(logging.WARNING)
    std = standardize(pq.read_table(path))
    db_api = database_api(DedupeSettings())
    records = count_comparisons_from_blocking_rules(db_api.register(std), blocking_rules=list(BLOCKING_RULES.values()),
                                                    link_type="dedupe_only", record_sample_proportion=1.0)
    return [{"rule": name, "new_pairs": int(record["marginal_comparison_count"]),
              "cumulative_pairs": int(record["cumulative_comparison_count"])}
             for name, record in zip(BLOCKING_RULES, records, strict=True)]


def _in_process(target, path: str):
    """`target(path)` in a fresh process of its own (its peak memory its own); its error raised here."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(target, path).result()


def main() -> None:
    from retail_sync_sandbox.datagen.customer_base import customer_base

    from .dedupe_quality import blocking_recall, score_pairs

    for size in SIZES:
        base = customer_base(size, seed=SEED)
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "customers.parquet")
            pq.write_table(base.table, path)
            load_before = os.getloadavg()[0]
            linked = _in_process(_link, path)
            baseline = _in_process(_baseline, path)
            rules = _in_process(_rules, path)
        recall = {row["rule"]: row for row in blocking_recall(base.table, base.truth)}
        for row in rules:
            row.update({k: recall[row["rule"]][k] for k in ("recall_alone", "recall_cumulative")})
        print(json.dumps({
            "bench": "dedupe_link", "records": size, "load_average": [round(load_before, 1),
                                                                     round(os.getloadavg()[0], 1)],
            "model": {**{k: v for k, v in linked.items() if k != "found"},
                      "pairs_compared": rules[-1]["cumulative_pairs"], **score_pairs(linked["found"], base.truth)},
            "exact_match_baseline": {**{k: v for k, v in baseline.items() if k != "found"},
                                     **score_pairs(baseline["found"], base.truth)},
            "blocking_rules": rules}), flush=True)


if __name__ == "__main__":
    main()
