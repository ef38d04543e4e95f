"""The CSV reader parses in blocks with pyarrow and puts the rows pyarrow sets aside (wrong field count)
back in their place: where the block boundaries fall changes nothing, blank rows are not rows, cells are
trimmed exactly as Python's str.strip() trims, and a file pyarrow cannot hand over is still read."""

from __future__ import annotations

import pytest

from retail_sync.feeds import pim
from retail_sync.feeds.pim import read_feed

HEADER = "sku,parent_key,name,category_path,list_price,currency,tax_class,active"
LINES = [
    "",                                                        # blank lines and empty rows before the header
    ",,,,,,,",
    HEADER,
    "A,A,Alpha,Home,1.00,EUR,standard,true",
    "",
    "   ",                                                     # a blank line of spaces (one field to pyarrow)
    "B,B,Beta",                                                # too few fields
    ",,,,,,,",
    '"C","C","Line one\nline two, ""quoted""",Home,2.00,EUR,standard,true',
    "D,D,\u3000Ideographic space\x1c,Home,3.00,EUR,standard,true",   # Python whitespace at both ends
    "E,E,Zero\u200bwidth\u200b,Home,4.00,EUR,standard,true",      # zero-width space is not whitespace
    "F,F,Too,Home,5.00,EUR,standard,true,extra,fields",
    "G,G,Gamma,Home,6.00,EUR,standard,true",
]


def _read(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return read_feed(str(path))


def _rows(feed) -> list[tuple]:
    frame = feed.rows
    return list(zip(frame["_row"], frame["sku"], frame["name"], frame["_problem"]))


@pytest.mark.parametrize("block", [64, 1 << 20])
def test_rows_in_place_whatever_the_block_size(tmp_path, monkeypatch, block):
    monkeypatch.setattr(pim, "_CSV_BLOCK", block)
    feed = _read(tmp_path, "odd.csv", b"\xef\xbb\xbf" + "\r\n".join(LINES).encode() + b"\r\n")
    assert feed.columns == HEADER.split(",") and feed.row_count == 7
    assert _rows(feed) == [
        (1, "A", "Alpha", None),
        (2, "B", "Beta", "row has 3 fields, the header has 8"),
        (3, "C", 'Line one\nline two, "quoted"', None),
        (4, "D", "Ideographic space", None),
        (5, "E", "Zero\u200bwidth\u200b", None),
        (6, "F", "Too", "row has 10 fields, the header has 8"),
        (7, "G", "Gamma", None),
    ]
    assert feed.keys["sku"].to_pylist() == ["A", "B", "C", "D", "E", "F", "G"]


def test_blocks_of_many_rows_keep_their_order(tmp_path, monkeypatch):
    monkeypatch.setattr(pim, "_CSV_BLOCK", 256)
    lines = [HEADER, *[f"S{i},P,N{i},Home,1.00,EUR,standard,true" if i % 7 else f"S{i},short" for i in range(300)]]
    feed = _read(tmp_path, "many.csv", ("\n".join(lines) + "\n").encode())
    frame = feed.rows
    assert frame["_row"].tolist() == list(range(1, 301)) and frame["sku"].tolist() == [f"S{i}" for i in range(300)]
    assert [p is not None for p in frame["_problem"]] == [i % 7 == 0 for i in range(300)]


def test_bad_bytes_flag_their_row_even_in_a_ragged_row(tmp_path):
    good = _read(tmp_path, "latin1.csv", (HEADER + "\nA,A,Caf\xe9,Home,1,EUR,standard,true\n").encode("latin-1"))
    assert _rows(good) == [(1, "A", "Caf\ufffd", "row contains bytes that are not valid UTF-8")]
    # pyarrow cannot hand this row to Python (it decodes a set-aside row strictly): Python's csv reads the file.
    ragged = _read(tmp_path, "ragged.csv", (HEADER + "\nA,A,Alpha,Home,1,EUR,standard,true\nB,Caf\xe9\n"
                                            "C,C,Gamma,Home,1,EUR,standard,true\n").encode("latin-1"))
    assert _rows(ragged) == [(1, "A", "Alpha", None), (2, "B", None, "row has 2 fields, the header has 8"),
                             (3, "C", "Gamma", None)]
    assert ragged.rows["parent_key"][1] == "Caf\ufffd"


def test_batches_read_the_spool_in_any_size(tmp_path):
    lines = [HEADER, *[f"S{i},P,N{i},Home,1.00,EUR,standard,true" for i in range(25)]]
    feed = _read(tmp_path, "spool.csv", ("\n".join(lines) + "\n").encode())
    for size in (1, 7, 25, 100):
        batches = list(feed.batches(size))
        assert [r for b in batches for r in b["_row"]] == list(range(1, 26))
        assert max(len(b) for b in batches) == min(size, 25)
