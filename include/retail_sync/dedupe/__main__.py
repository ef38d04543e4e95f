"""`python -m retail_sync.dedupe link --input customers.csv --out pairs.csv [--clusters clusters.csv]`

Reads a customer file (CSV or Parquet, by its extension; the columns are README's "Linking a customer
file"), links it with the model settings the customer_dedupe DAG uses (`--settings file.json` overrides
them), and writes the scored pairs and every id's cluster (CSV or Parquet, by the output's extension). In a
CSV the agreed/disagreed field lists are joined by ";". Exit status 2 and one line on stderr for an input
that cannot be linked.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from retail_sync.dedupe.link import link
from retail_sync.dedupe.settings import DedupeSettings
from retail_sync.dedupe.standardize import InputError

FORMATS = (".csv", ".parquet")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retail_sync.dedupe")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("link", help="score the duplicate pairs of a customer file and cluster them")
    command.add_argument("--input", required=True, type=Path, help="customers, .csv or .parquet")
    command.add_argument("--out", required=True, type=Path, help="the scored pairs, .csv or .parquet")
    command.add_argument("--clusters", type=Path, help="each id's cluster (default: <out>.clusters.<ext>)")
    command.add_argument("--settings", type=Path, help="JSON file overriding the model settings")
    args = parser.parse_args(argv)
    clusters_path = args.clusters or args.out.with_name(f"{args.out.stem}.clusters{args.out.suffix}")
    try:
        for path in (args.input, args.out, clusters_path):
            if path.suffix.lower() not in FORMATS:
                raise InputError(f"{path}: only .csv and .parquet files are read and written")
        settings = DedupeSettings.from_file(args.settings) if args.settings else DedupeSettings()
        table = read_customers(args.input)
        result = link(table, settings)
    except (InputError, ValueError, FileNotFoundError, pa.ArrowInvalid) as exc:
        print(f"link: {exc}", file=sys.stderr)
        return 2
    write_table(result.pairs, args.out)
    write_table(result.clusters, clusters_path)
    clustered = result.clusters.num_rows - pc.count_distinct(result.clusters["cluster_id"]).as_py()
    print(f"{table.num_rows} records, {result.pairs.num_rows} pairs scored, {clustered} records joined to "
          f"another's cluster: {args.out}, {clusters_path}")
    return 0


def read_customers(path: Path) -> pa.Table:
    """Every column read as text (ids, postcodes and phones keep their leading zeros)."""
    if path.suffix.lower() == ".parquet":
        return pq.read_table(path)
    with path.open(newline="", encoding="utf-8") as handle:
        names = next(csv.reader(handle), [])
    if not names:
        raise InputError(f"{path} is empty: it needs a header line with at least an 'id' column")
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())))


def write_table(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".parquet":
        pq.write_table(table, path)
        return
    flat = table
    for name in ("agreed", "disagreed"):
        if name in flat.column_names:
            flat = flat.set_column(flat.column_names.index(name), name,
                                   pc.binary_join(flat[name], ";"))
    pacsv.write_csv(flat, path)


if __name__ == "__main__":
    sys.exit(main())
