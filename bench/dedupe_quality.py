"""Dedupe quality scored against the truth (issue 14): precision, recall and F1 of the pairs found, and the
blocking recall of each rule — the share of the true pairs that some rule up to it proposes at all.

`score_pairs` and `blocking_recall` are the scoring code (tests and `dedupe_link.py` use them too); run as
`python -m bench.dedupe_quality` it scores the model on a generated customer base (BENCH_DEDUPE_QUALITY_RECORDS,
default 20,000) and on the demo world's own customer accounts (`world.make_customers`: its duplicate clusters
are its truth), and prints one JSON line.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from collections import defaultdict
from collections.abc import Iterable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from retail_sync.dedupe.link import LinkResult, link
from retail_sync.dedupe.model import BLOCKING_RULES
from retail_sync.dedupe.settings import DedupeSettings
from retail_sync.dedupe.standardize import standardize

RECORDS = int(os.environ.get("BENCH_DEDUPE_QUALITY_RECORDS", "20000"))


def true_pairs(truth: dict[str, int]) -> set[tuple[str, str]]:
    """Every pair (smaller id first) of records of one person."""
    members: dict[int, list[str]] = defaultdict(list)
    for record, entity in truth.items():
        members[entity].append(record)
    return {tuple(sorted(pair)) for group in members.values() for pair in itertools.combinations(group, 2)}


def score_pairs(found: Iterable[tuple[str, str]], truth: dict[str, int]) -> dict:
    """Precision, recall and F1 of `found` pairs against the truth (record id -> person)."""
    expected = true_pairs(truth)
    got = {tuple(sorted(pair)) for pair in found}
    hits = len(got & expected)
    precision = hits / len(got) if got else 1.0
    recall = hits / len(expected) if expected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5),
            "true_pairs": len(expected), "found_pairs": len(got), "false_pairs": len(got) - hits,
            "missed_pairs": len(expected) - hits}


def matched_pairs(result: LinkResult, threshold: float) -> list[tuple[str, str]]:
    """The pairs the model calls matches: scored at or above `threshold` (the cluster threshold)."""
    kept = result.pairs.filter(pc.greater_equal(result.pairs["match_probability"], threshold))
    return list(zip(kept["id_l"].to_pylist(), kept["id_r"].to_pylist(), strict=True))


def blocking_recall(table: pa.Table, truth: dict[str, int]) -> list[dict]:
    """For each blocking rule in order: the true pairs it proposes, and the share of all true pairs the
    rules up to it propose (what the model can find at best)."""
    standardized = standardize(table)
    expected = sorted(true_pairs(truth))
    pairs = pa.table({"id_l": [p[0] for p in expected], "id_r": [p[1] for p in expected]})
    con = duckdb.connect()
    con.register("std", standardized)
    con.register("truth_pairs", pairs)
    conditions = {name: rule.get_blocking_rule("duckdb").blocking_rule_sql for name, rule in BLOCKING_RULES.items()}
    select = ", ".join(f"count(*) filter (where coalesce(({sql}), false)) as \"{name}\""
                       for name, sql in conditions.items())
    cumulative = []
    so_far = []
    for name, sql in conditions.items():
        so_far.append(f"coalesce(({sql}), false)")
        cumulative.append(f"count(*) filter (where {' or '.join(so_far)}) as \"upto_{name}\"")
    row = con.execute(f"select {select}, {', '.join(cumulative)} from truth_pairs t "
                      f"join std l on l.unique_id = t.id_l join std r on r.unique_id = t.id_r").fetchone()
    total = len(expected) or 1
    names = list(conditions)
    return [{"rule": name, "true_pairs": row[i], "recall_alone": round(row[i] / total, 5),
             "recall_cumulative": round(row[len(names) + i] / total, 5)} for i, name in enumerate(names)]


def world_accounts(people: int, seed: int = 7) -> tuple[pa.Table, dict[str, int]]:
    """The demo world's customer accounts (`world.make_customers`, its own duplicate kinds) as a dedupe
    input, with its truth: accounts of one cluster are one person."""
    from retail_sync_sandbox.datagen.world import Mess, make_customers

    truth_out: dict = {"customer_clusters": {}}
    accounts = make_customers(random.Random(seed), Mess(), people, truth_out)
    ids = [f"{a['store']}:customer:{a['id']}" for a in accounts]
    table = pa.table({"id": ids, "given_name": [a["first_name"] for a in accounts],
                      "family_name": [a["last_name"] for a in accounts], "email": [a["email"] for a in accounts],
                      "phone": [a["phone"] for a in accounts], "street": [a["street"] for a in accounts],
                      "city": [a["city"] for a in accounts], "postcode": [a["zip"] for a in accounts],
                      "country": [a["country"] for a in accounts]})
    return table, dict(zip(ids, (a["cluster"] for a in accounts), strict=True))


def main() -> None:
    from retail_sync_sandbox.datagen.customer_base import customer_base

    settings = DedupeSettings()
    base = customer_base(RECORDS, seed=11)
    result = link(base.table, settings)
    world_table, world_truth = world_accounts(max(2000, RECORDS // 4))
    world_result = link(world_table, settings)
    print(json.dumps({"bench": "dedupe_quality", "records": RECORDS,
                      "generated_base": score_pairs(matched_pairs(result, settings.cluster_threshold), base.truth),
                      "blocking_recall": blocking_recall(base.table, base.truth),
                      "world_accounts": {"records": world_table.num_rows,
                                         **score_pairs(matched_pairs(world_result, settings.cluster_threshold),
                                                       world_truth)}}))


if __name__ == "__main__":
    main()
