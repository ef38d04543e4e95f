"""`python -m retail_sync.dedupe link` on a generated customer file (CSV and Parquet): the planted duplicates
are found, households and namesakes are not merged, the 7-record cluster is one cluster, and files that
cannot be linked are refused with a clear message."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections import defaultdict

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from bench.dedupe_quality import score_pairs
from retail_sync_sandbox.datagen.customer_base import customer_base

RECORDS = 2000
# Fewer random pairs for u than production's default: the test file is small, and the test budget too.
SETTINGS = '{"u_max_pairs": 100000, "em_max_pairs": 100000}'
F1_FLOOR = 0.97


def run_link(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retail_sync.dedupe", "link", *map(str, args)],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def base():
    return customer_base(RECORDS, seed=21)


@pytest.fixture(scope="module", params=["csv", "parquet"])
def linked(request, base, tmp_path_factory):
    """The link command run once per format: (pairs table, {id: cluster}, the command's output)."""
    folder = tmp_path_factory.mktemp(request.param)
    source, out = folder / f"customers.{request.param}", folder / f"pairs.{request.param}"
    if request.param == "csv":
        pacsv.write_csv(base.table, source)
    else:
        pq.write_table(base.table, source)
    settings = folder / "settings.json"
    settings.write_text(SETTINGS)
    done = run_link("--input", source, "--out", out, "--settings", settings)
    assert done.returncode == 0, done.stderr
    read = pacsv.read_csv if request.param == "csv" else pq.read_table
    clusters = read(folder / f"pairs.clusters.{request.param}").to_pylist()
    return read(out), {row["id"]: str(row["cluster_id"]) for row in clusters}, done.stdout


def clustered_pairs(clusters: dict[str, str]) -> set[tuple[str, str]]:
    members = defaultdict(list)
    for record, cluster in clusters.items():
        members[cluster].append(record)
    return {tuple(sorted(p)) for group in members.values() for p in itertools.combinations(group, 2)}


def test_clusters_match_the_truth(linked, base):
    pairs, clusters, stdout = linked
    assert set(clusters) == set(base.table["id"].to_pylist())          # every record, singletons too
    score = score_pairs(clustered_pairs(clusters), base.truth)
    assert score["f1"] >= F1_FLOOR, score
    assert f"{RECORDS} records" in stdout


def test_pairs_carry_probability_and_fields(linked, base):
    pairs, _, _ = linked
    assert {"id_l", "id_r", "match_probability", "agreed", "disagreed"} <= set(pairs.column_names)
    rows = pairs.to_pylist()
    assert rows and all(0.5 <= r["match_probability"] <= 1 and r["id_l"] < r["id_r"] for r in rows)
    as_list = (lambda v: v) if isinstance(rows[0]["agreed"], list) else (lambda v: (v or "").split(";"))
    top = rows[0]
    assert base.truth[top["id_l"]] == base.truth[top["id_r"]]
    assert "name" in as_list(top["agreed"])


def test_households_sharing_email_and_address_are_not_merged(linked, base):
    _, clusters, _ = linked
    email = dict(zip(base.table["id"].to_pylist(), base.table["email"].to_pylist(), strict=True))
    shared_email = [h for h in base.households if len({email[i] for i in h}) == 1 and email[h[0]]]
    assert shared_email, "the generated base has households sharing one email"
    for household in base.households:
        assert len({clusters[i] for i in household}) == len(household), household


def test_identical_names_at_different_addresses_are_not_merged(linked, base):
    _, clusters, _ = linked
    assert base.namesakes
    for namesakes in base.namesakes:
        assert clusters[namesakes[0]] != clusters[namesakes[1]]


def test_seven_duplicates_are_one_cluster(linked, base):
    _, clusters, _ = linked
    assert len(base.big_cluster) == 7
    cluster = {clusters[i] for i in base.big_cluster}
    assert len(cluster) == 1
    assert sorted(i for i, c in clusters.items() if c in cluster) == sorted(base.big_cluster)


def test_records_without_email_and_phone_are_linked_by_name_address_and_birth_date(linked, base):
    _, clusters, _ = linked
    bare = {row["id"] for row in base.table.to_pylist() if not row["email"] and not row["phone"]}
    true_bare_pairs = [(a, b) for a, b in itertools.combinations(sorted(bare), 2) if base.truth[a] == base.truth[b]]
    assert len(true_bare_pairs) >= 3, "the generated base has duplicates with neither email nor phone"
    found = [pair for pair in true_bare_pairs if clusters[pair[0]] == clusters[pair[1]]]
    assert len(found) >= 0.8 * len(true_bare_pairs)


# ---------------------------------------------------------------------------------------------- bad input
def test_missing_id_column_is_refused(tmp_path):
    source = tmp_path / "customers.csv"
    source.write_text("customer_id,email\n1,a@example.com\n")
    done = run_link("--input", source, "--out", tmp_path / "pairs.csv")
    assert done.returncode == 2
    assert "no 'id' column" in done.stderr and "customer_id" in done.stderr
    assert not (tmp_path / "pairs.csv").exists()


def test_repeated_ids_are_refused(tmp_path):
    source = tmp_path / "customers.csv"
    source.write_text("id,email\n1,a@example.com\n1,b@example.com\n")
    done = run_link("--input", source, "--out", tmp_path / "pairs.csv")
    assert done.returncode == 2 and "ids repeat" in done.stderr


def test_empty_file_is_refused(tmp_path):
    source = tmp_path / "customers.csv"
    source.write_text("")
    done = run_link("--input", source, "--out", tmp_path / "pairs.csv")
    assert done.returncode == 2 and "empty" in done.stderr


def test_unknown_format_is_refused(tmp_path):
    source = tmp_path / "customers.xlsx"
    source.write_text("id\n1\n")
    done = run_link("--input", source, "--out", tmp_path / "pairs.csv")
    assert done.returncode == 2 and ".csv and .parquet" in done.stderr


def test_missing_input_file_is_refused(tmp_path):
    done = run_link("--input", tmp_path / "nope.csv", "--out", tmp_path / "pairs.csv")
    assert done.returncode == 2 and "nope.csv" in done.stderr
