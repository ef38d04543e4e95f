"""Link a customer table: standardize, train the model on it, score the candidate pairs, cluster.

`link(table, settings)` is the one entry point: the `link` command runs it on a file and the
customer_dedupe flow on Odoo's partners. The model is trained on the table it links (unsupervised), so
a table needs enough records for the estimates to mean something (thousands, not dozens).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from retail_sync.dedupe.model import COMPARED_FIELDS, database_api, other_people_condition, trained_linker
from retail_sync.dedupe.settings import DedupeSettings
from retail_sync.dedupe.standardize import standardize

FIELD_LIST = pa.list_(pa.string())
PAIRS_SCHEMA = pa.schema([("id_l", pa.string()), ("id_r", pa.string()), ("match_probability", pa.float64()),
                          ("agreed", FIELD_LIST), ("disagreed", FIELD_LIST)])
CLUSTERS_SCHEMA = pa.schema([("id", pa.string()), ("cluster_id", pa.string())])


@dataclass(frozen=True)
class LinkResult:
    """`pairs`: every scored pair at or above `predict_threshold` (PAIRS_SCHEMA): the ids (id_l < id_r), the
    match probability, and the compared fields (COMPARED_FIELDS) that spoke for the match (their level —
    exact, or near: a typo, swapped names, the same postcode — weighs towards a match) and against it; a
    field missing on either side is in neither; a pair the people-apart check names
    (`model.other_people_condition`: given names and birth years disagree) is left out. `clusters`: every id with its cluster (CLUSTERS_SCHEMA),
    the records joined by pairs at or above `cluster_threshold`; a cluster is named by its smallest id."""

    pairs: pa.Table
    clusters: pa.Table
    model: dict               # the trained splink model (settings with m, u and the prior), for the record


def link(table: pa.Table, settings: DedupeSettings | None = None) -> LinkResult:
    settings = settings or DedupeSettings()
    standardized = standardize(table)
    db_api = database_api(settings)
    linker = trained_linker(db_api, standardized, settings)
    scored = linker.inference.predict(threshold_match_probability=settings.predict_threshold)
    # Pairs the people-apart check names (a household's members) are dropped before clustering: no
    # probability makes them one person.
    predictions = linker.misc.query_sql(f"select * from {scored.physical_name} where not {other_people_condition()}")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=settings.cluster_threshold)
    pairs = _pairs(predictions.as_pyarrow_table())
    members = clusters.as_pyarrow_table()
    return LinkResult(pairs, pa.table({"id": pc.cast(members["unique_id"], pa.string()),
                                       "cluster_id": pc.cast(members["cluster_id"], pa.string())},
                                      schema=CLUSTERS_SCHEMA),
                      linker.misc.save_model_to_json())


def _pairs(frame: pa.Table) -> pa.Table:
    """The scored pairs with each compared field's match weight read as for (> 0) or against (< 0)."""
    fields = [field for field in COMPARED_FIELDS if f"mw_{field}" in frame.column_names]
    weights = [frame[f"mw_{field}"].to_pylist() for field in fields]
    rows = list(zip(*weights, strict=True)) if weights else [()] * frame.num_rows
    agreed = [[f for f, w in zip(fields, row, strict=True) if w is not None and w > 0] for row in rows]
    disagreed = [[f for f, w in zip(fields, row, strict=True) if w is not None and w < 0] for row in rows]
    table = pa.table({"id_l": pc.cast(frame["unique_id_l"], pa.string()),
                      "id_r": pc.cast(frame["unique_id_r"], pa.string()),
                      "match_probability": pc.cast(frame["match_probability"], pa.float64()),
                      "agreed": pa.array(agreed, FIELD_LIST), "disagreed": pa.array(disagreed, FIELD_LIST)},
                     schema=PAIRS_SCHEMA)
    return table.sort_by([("match_probability", "descending"), ("id_l", "ascending"), ("id_r", "ascending")])
