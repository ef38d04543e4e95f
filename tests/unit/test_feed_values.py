"""Feed values at the reader and the suite's derived columns: RFC 4180 without guessing, JSON Lines
oddities, ASCII digits, and checks that fail their row instead of raising."""

from __future__ import annotations

import json

from retail_sync.canonical.money import parse_money
from retail_sync.feeds.pim import read_feed, to_canonical
from retail_sync.quality.product_suite import prepare

HEADER = "sku,parent_key,name,category_path,list_price,currency,tax_class,active"


def write(tmp_path, name, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_csv_is_rfc4180_wherever_the_quotes_are(tmp_path):
    filler = [f"F{i},F{i},Kid's item {i} with a name long enough to fill four KiB,Home,1.00,EUR,standard,true"
              for i in range(80)]
    lines = [HEADER, *filler, 'MON,MON,"Monitor 27"" wide, matte",Office,199.00,EUR,standard,true']
    feed = read_feed(write(tmp_path, "q.csv", ("\n".join(lines) + "\n").encode()))
    rows = feed.rows
    assert rows["_problem"].isna().all() and len(rows) == 81
    assert rows["name"].iloc[-1] == 'Monitor 27" wide, matte' and rows["name"].iloc[0].startswith("Kid's item 0")


def test_the_delimiter_is_given_not_guessed(tmp_path):
    data = (HEADER.replace(",", "\t") + "\nA\tA\tA, with comma\tHome\t1.00\tEUR\tstandard\ttrue\n").encode()
    feed = read_feed(write(tmp_path, "t.csv", data), delimiter="\t")
    assert feed.rows["name"].tolist() == ["A, with comma"]


def test_batches_cover_every_row_once(tmp_path):
    lines = [HEADER, *[f"S{i},S{i},N{i},Home,1.00,EUR,standard,true" for i in range(10)], "SHORT,row"]
    feed = read_feed(write(tmp_path, "b.csv", ("\n".join(lines) + "\n").encode()))
    batches = list(feed.batches(4))
    assert [len(b) for b in batches] == [4, 4, 3] and feed.row_count == 11
    assert [r for b in batches for r in b["_row"]] == list(range(1, 12))
    assert batches[-1]["_problem"].iloc[-1] == "row has 2 fields, the header has 8"
    assert feed.keys["sku"].to_pylist() == [*[f"S{i}" for i in range(10)], "SHORT"]


def test_jsonl_bom_nested_and_case_clash(tmp_path):
    base = dict(zip(HEADER.split(","), ["A", "A", "Alpha", "Home", "1.00", "EUR", "standard", "true"]))
    lines = [json.dumps(base), json.dumps({**base, "sku": "N", "attr_size": {"eu": 40}}),
             json.dumps({**base, "SKU": "a"})]
    feed = read_feed(write(tmp_path, "f.jsonl", b"\xef\xbb\xbf" + "\n".join(lines).encode()))
    problems = feed.rows["_problem"].tolist()
    assert problems[0] is None and feed.rows["sku"][0] == "A"
    assert "attr_size hold a nested object" in problems[1] and feed.rows["attr_size"][1] is None
    assert "ambiguous keys 'sku' and 'SKU'" in problems[2]


def test_only_ascii_digits_are_money():
    assert str(parse_money("12.50")) == "12.50"
    for text in ("\u0661\u0662", "\uff11\uff12", "1\u06f2.5"):
        try:
            parse_money(text)
        except ValueError:
            continue
        raise AssertionError(f"{text!r} was taken as money")


def test_derived_checks_fail_their_row_instead_of_raising(tmp_path):
    header = HEADER + ",promo_price,promo_start,promo_end"
    lines = [header, "OK,OK,Ok,Home,1.00,EUR,standard,true,0.50,2026-12-01T00:00:00Z,2026-12-02T00:00:00Z",
             "OVF,OVF,Overflow,Home,1.00,EUR,standard,true,0.50,0001-01-01T00:00+01:00,2026-01-01T00:00:00Z",
             "SUB,SUB,Sub,Home,1.00,EUR,standard,true,0.50,2026-12-01T00:00:00.2Z,2026-12-01T00:00:00.8Z"]
    feed = read_feed(write(tmp_path, "p.csv", ("\n".join(lines) + "\n").encode()))
    frame = prepare(feed.rows, feed.attribute_columns)
    assert frame["promo_times_valid"].tolist() == [True, False, False]
    assert frame["promo_valid"].tolist() == [True, False, True]


def test_to_canonical_quarantines_what_does_not_convert(tmp_path):
    header = HEADER + ",promo_price,promo_start,promo_end"
    lines = [header, "OK,OK,Ok,Home,1.00,EUR,standard,true,,,",
             "OVF,OVF,Overflow,Home,1.00,EUR,standard,true,0.50,0001-01-01T00:00+01:00,2026-01-01T00:00:00Z",
             "BAD,BAD,Bad price,Home,1e3,EUR,standard,true,,,"]
    feed = read_feed(write(tmp_path, "c.csv", ("\n".join(lines) + "\n").encode()))
    table, failures = to_canonical(prepare(feed.rows, feed.attribute_columns))
    assert table.column("sku").to_pylist() == ["OK"]
    assert set(failures) == {2, 3} and "OverflowError" in failures[2] and "list_price" in failures[3]
