"""Validation in batches gives exactly what validating the whole file at once gives: the same good rows,
the same quarantined rows with the same reasons, the same gates — with rows that clash across batches."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from retail_sync.feeds.pim import read_feed
from retail_sync.flows.catalog.settings import CatalogSettings
from retail_sync.flows.catalog.validate import BatchBlocked, validate_feed
from retail_sync.state.store import StateStore

HEADER = "sku,parent_key,name,category_path,list_price,currency,tax_class,active,attr_size,promo_price,promo_start,promo_end"


def rows() -> list[str]:
    lines = [f"S{i},P{i // 3},Item {i},Home/Kitchen,{i}.50,EUR,standard,true,{'SML'[i % 3]},,," for i in range(30)]
    lines[14] = "S1,P9,Repeats S1 a batch later,Home,1.00,EUR,standard,true,X,,,"       # SKU not unique
    lines[25] = "S25,P0,Same variant as S0,Home,1.00,EUR,standard,true,S,,,"               # variant not unique
    lines[7] = "S7,P2,Bad price,Home,\u0661\u0662,EUR,standard,true,M,,,"
    lines[12] = "S12,P4,Overflow,Home,1.00,EUR,standard,true,S,0.50,0001-01-01T00:00+01:00,2026-01-01T00:00:00Z"
    lines[19] = "S19,P6,Short row,Home"
    return lines


def validate(tmp_path, label, batch_rows, lines, previous_rows=None, max_share=0.25):
    store = StateStore(f"sqlite:///{tmp_path}/{label}.sqlite")
    if previous_rows:
        store.record_metrics("catalog", "before", {"rows_read": previous_rows}, {})
    settings = CatalogSettings(staging_root=tmp_path / label, max_quarantine_share=max_share)
    path = tmp_path / f"{label}.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    feed = read_feed(str(path))
    alerts = []
    try:
        result = validate_feed(feed, tmp_path / label / "run", settings, store, "run", alerts.append, batch_rows)
    except BatchBlocked as exc:
        return None, str(exc), alerts, store
    return result, None, alerts, store


def test_streamed_equals_whole_file(tmp_path):
    streamed, _, streamed_alerts, streamed_store = validate(tmp_path, "by10", 10, rows())
    whole, _, whole_alerts, whole_store = validate(tmp_path, "all", 0, rows())
    assert (streamed.rows, streamed.good, streamed.quarantined) == (whole.rows, whole.good, whole.quarantined) == (
        30, 23, 7)
    assert pq.read_table(streamed.good_path).equals(pq.read_table(whole.good_path))
    quarantine = pq.read_table(streamed.quarantine_path).to_pylist()
    assert quarantine == pq.read_table(whole.quarantine_path).to_pylist()
    reasons = {row["_row"]: row["_failed_rules"] for row in quarantine}
    assert "SKU unique in the file" in reasons[2] and "SKU unique in the file" in reasons[15]
    assert "one SKU per attribute combination" in reasons[1] and "one SKU per attribute combination" in reasons[26]
    assert "list price" in reasons[8] and "promotion times" in reasons[13] and "fields" in reasons[20]
    letters = {(d.key, d.error) for d in streamed_store.dead_letters("catalog")}
    assert letters == {(d.key, d.error) for d in whole_store.dead_letters("catalog")} and len(letters) == 7
    assert streamed_alerts[0].text.replace("/by10", "/all") == whole_alerts[0].text


@pytest.mark.parametrize("previous_rows, max_share, reason", [
    (None, 0.2, "of rows quarantined"),      # 7 of 30 bad: over 20% of the file, though the first batch of 10 has none
    (100, 0.25, "row count at least 50%"),   # 30 rows after a feed of 100
])
def test_the_gates_count_the_whole_file(tmp_path, previous_rows, max_share, reason):
    streamed = validate(tmp_path, "by10", 10, rows(), previous_rows, max_share)
    whole = validate(tmp_path, "all", 0, rows(), previous_rows, max_share)
    assert streamed[0] is None and whole[0] is None
    assert reason in streamed[1] and streamed[1] == whole[1]
    assert "BLOCKED" in streamed[2][0].subject
    assert streamed[2][0].text.replace("/by10", "/all") == whole[2][0].text
