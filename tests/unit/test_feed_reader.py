"""The PIM feed reader: every way a file can be unreadable, and rows that are kept but flagged."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from retail_sync.feeds.pim import FeedFormatError, read_feed, to_canonical
from retail_sync.quality.product_suite import prepare

HEADER = "sku,parent_key,name,category_path,list_price,currency,tax_class,active\n"
ROW = "A,A,Alpha,Home,1.50,EUR,standard,true\n"


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_empty_file_is_rejected(tmp_path):
    with pytest.raises(FeedFormatError, match="empty"):
        read_feed(write(tmp_path, "empty.csv", b""))
    with pytest.raises(FeedFormatError, match="no rows"):
        read_feed(write(tmp_path, "header.csv", HEADER.encode()))


def test_wrong_columns_are_named(tmp_path):
    with pytest.raises(FeedFormatError) as info:
        read_feed(write(tmp_path, "cols.csv", b"sku,title,price\nA,Alpha,1\n"))
    assert "missing required column(s) parent_key, name" in str(info.value)
    assert "unknown column(s) title, price" in str(info.value)


def test_not_parquet_and_unknown_format(tmp_path):
    with pytest.raises(FeedFormatError, match="not a valid Parquet file"):
        read_feed(write(tmp_path, "fake.parquet", b"PAR1 this is not parquet"))
    with pytest.raises(FeedFormatError, match="unknown feed format"):
        read_feed(write(tmp_path, "feed.xlsx", b"whatever"))


def test_not_csv_rows_are_flagged_not_lost(tmp_path):
    feed = read_feed(write(tmp_path, "ragged.csv", (HEADER + ROW + "B,B,Beta\n" + 'C,C,"unterminated\n').encode()))
    problems = dict(zip(feed.rows["sku"], feed.rows["_problem"]))
    assert problems["A"] is None
    assert "fields" in problems["B"] and "fields" in problems["C"]
    assert len(feed.rows) == 3


def test_non_utf8_bytes_flag_the_row_only(tmp_path):
    feed = read_feed(write(tmp_path, "latin1.csv", (HEADER + ROW).encode() + b"B,B,Caf\xe9,Home,2,EUR,standard,true\n"))
    assert list(feed.rows["_problem"].isna()) == [True, False]
    assert "UTF-8" in feed.rows["_problem"][1]
    assert feed.rows["name"][1] == "Caf\ufffd"


def test_parquet_and_jsonl_read_as_text(tmp_path):
    table = pa.table({"sku": ["A"], "parent_key": ["A"], "name": ["Alpha"], "category_path": ["Home"],
                      "list_price": [1.5], "currency": ["EUR"], "tax_class": ["standard"], "active": [True]})
    path = tmp_path / "feed.parquet"
    pq.write_table(table, path)
    assert read_feed(str(path)).rows.loc[0, "list_price"] == "1.5"
    lines = [json.dumps(dict(zip(HEADER.strip().split(","), ROW.strip().split(","))))]
    lines.append("{not json")
    feed = read_feed(write(tmp_path, "feed.jsonl", "\n".join(lines).encode()))
    assert feed.rows["_problem"].isna().tolist() == [True, False]
    assert feed.rows["_raw"][1] == "{not json"
    with pytest.raises(FeedFormatError, match="not valid JSON Lines"):
        read_feed(write(tmp_path, "all-bad.jsonl", b"nope\nnada\n"))


def test_same_bytes_same_fingerprint(tmp_path):
    first = read_feed(write(tmp_path, "a.csv", (HEADER + ROW).encode()))
    second = read_feed(write(tmp_path, "b.csv", (HEADER + ROW).encode()))
    assert first.fingerprint == second.fingerprint


def test_to_canonical_keeps_money_decimal(tmp_path):
    feed = read_feed(write(tmp_path, "a.csv", (HEADER.strip() + ",attr_size\n" + ROW.strip() + ",M\n").encode()))
    table, failures = to_canonical(prepare(feed.rows, feed.attribute_columns))
    assert failures == {}
    assert pa.types.is_decimal(table.schema.field("list_price").type)
    row = table.to_pylist()[0]
    assert str(row["list_price"]) == "1.5000" and row["key"] == "pim:product:A" and row["attributes"] == '{"Size": "M"}'
