"""The review queue: the pairs a person should decide on, as Parquet (for the dashboard and the data team)
and CSV (for a spreadsheet).

One row per pair: both partner ids and names (the reviewer opens them in Odoo by id; emails and phones stay
out of the file), the match probability, why it is queued (medium confidence, or a sure pair that one of
Odoo's merge rules kept apart) and the fields that agreed and disagreed. The model reports the latter either
as `agreed`/`disagreed` columns or as splink's comparison levels (`gamma_<field>`: above 0 some agreement,
0 none, -1 a value missing on one side).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from retail_sync.flows.dedupe.extract import PartnerFacts
from retail_sync.flows.dedupe.plan import Held

REVIEW_SCHEMA = pa.schema([
    ("id_l", pa.int64()), ("id_r", pa.int64()), ("name_l", pa.string()), ("name_r", pa.string()),
    ("match_probability", pa.float64()), ("reason", pa.string()), ("agreed", pa.list_(pa.string())),
    ("disagreed", pa.list_(pa.string())),
])


def field_agreement(pairs: pa.Table) -> dict[tuple[int, int], tuple[list[str], list[str]]]:
    """(id_l, id_r) → (fields agreed, fields disagreed), from whichever form the model gave."""
    data = pairs.to_pydict()
    ids = list(zip(data["id_l"], data["id_r"]))
    if "agreed" in data and "disagreed" in data:
        return {(int(a), int(b)): (_as_list(agreed), _as_list(disagreed))
                for (a, b), agreed, disagreed in zip(ids, data["agreed"], data["disagreed"])}
    levels = {name[len("gamma_"):]: values for name, values in data.items() if name.startswith("gamma_")}
    found = {}
    for row, (a, b) in enumerate(ids):
        agreed = [name for name, values in levels.items() if values[row] is not None and values[row] > 0]
        disagreed = [name for name, values in levels.items() if values[row] == 0]
        found[(int(a), int(b))] = (agreed, disagreed)
    return found


def review_table(held: list[Held], pairs: pa.Table, facts: dict[int, PartnerFacts]) -> pa.Table:
    agreement = field_agreement(pairs) if pairs.num_rows else {}
    rows = []
    for item in sorted(held, key=lambda h: -h.pair.probability):
        pair = item.pair
        agreed, disagreed = agreement.get((pair.id_l, pair.id_r), ([], []))
        rows.append({"id_l": pair.id_l, "id_r": pair.id_r, "name_l": _name(facts, pair.id_l),
                     "name_r": _name(facts, pair.id_r), "match_probability": pair.probability,
                     "reason": item.reason, "agreed": agreed, "disagreed": disagreed})
    return pa.Table.from_pylist(rows, schema=REVIEW_SCHEMA)


def write_review_queue(table: pa.Table, folder: Path) -> tuple[str, str]:
    """review-queue.parquet and review-queue.csv (list columns joined with "; ")."""
    folder.mkdir(parents=True, exist_ok=True)
    parquet, csv = folder / "review-queue.parquet", folder / "review-queue.csv"
    pq.write_table(table, parquet)
    flat = table
    for name in ("agreed", "disagreed"):
        joined = pa.array(["; ".join(values or []) for values in table[name].to_pylist()], pa.string())
        flat = flat.set_column(flat.schema.get_field_index(name), name, joined)
    pacsv.write_csv(flat, csv)
    return str(parquet), str(csv)


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return [str(v) for v in value]


def _name(facts: dict[int, PartnerFacts], partner_id: int) -> str | None:
    found = facts.get(partner_id)
    return found.name if found else None
