"""Taking a feed file in through the catalog entry point: only complete files, read as RFC 4180 CSV or
JSON Lines, every odd value ending as a loaded row or a quarantined row with its reason."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from retail_sync.feeds.landing import pending_feeds
from retail_sync.flows.catalog.flow import FileStatus

from .catalog_fixtures import HEADER, snapshot

ROWS = [f"SKU{i},SKU{i},Item {i},Home,19.90,EUR,standard,true,," for i in range(40)]


def errors(world) -> dict[str, str]:
    return {d.key: d.error for d in world.store.dead_letters("catalog")}


def loaded(world) -> dict[str, float]:
    return {p[0]: p[3] for p in snapshot(world.client)["products"]}


def template_names(world) -> set[str]:
    return {t[0] for t in snapshot(world.client)["templates"]}


def test_a_file_still_being_written_is_left_until_it_settles(world):
    from dataclasses import replace

    world.settings = replace(world.settings, settle_seconds=0.5)
    landing = Path(world.settings.landing_folder)
    landing.mkdir(parents=True)
    path = landing / "feed.csv"
    path.write_text(HEADER + "\n")
    started, stop = threading.Event(), threading.Event()

    def writer():  # a slow exporter: a row every 50 ms, the last price cut mid-value until the end
        with path.open("a") as handle:
            for row in ROWS:
                head, tail = row.split("19.90")
                handle.write(head + "1")   # "19.90" cut to "1" until the rest is written
                handle.flush()
                started.set()
                time.sleep(0.025)
                handle.write("9.90" + tail + "\n")
                handle.flush()
                time.sleep(0.025)
                if stop.is_set():
                    return

    thread = threading.Thread(target=writer)
    thread.start()
    started.wait(5)
    try:
        outcome = world.run(str(path))
    finally:
        thread.join()
    assert outcome.status == FileStatus.STILL_WRITING and "changed" in outcome.reason
    assert path.exists() and loaded(world) == {} and world.alerts == []
    assert pending_feeds(str(landing)) == [str(path)]
    outcome = world.run(str(path), run_id="run-2")
    assert outcome.status == FileStatus.PUBLISHED and outcome.loaded == len(ROWS)
    assert set(loaded(world).values()) == {19.9}
    assert (landing / "processed" / "feed.csv").exists()


def test_temporary_and_hidden_names_are_never_listed(world):
    landing = Path(world.settings.landing_folder)
    landing.mkdir(parents=True)
    for name in ("feed.csv.tmp", "feed.csv.part", ".feed.csv", "done.csv"):
        (landing / name).write_text(HEADER + "\n" + ROWS[0] + "\n")
    assert [Path(p).name for p in pending_feeds(str(landing))] == ["done.csv"]
    (landing / "feed.csv.tmp").rename(landing / "feed.csv")   # the writer's last step
    assert sorted(Path(p).name for p in pending_feeds(str(landing))) == ["done.csv", "feed.csv"]


def test_a_file_rewritten_after_it_was_read_stays_in_landing(world):
    """A writer thread appends while the flow is between reading and finishing: those bytes are not lost."""
    landing = Path(world.settings.landing_folder)
    landing.mkdir(parents=True)
    path = landing / "feed.csv"
    path.write_text("\n".join([HEADER, *ROWS[:20]]) + "\n")
    reading_done = threading.Event()

    def writer():
        reading_done.wait(60)
        with path.open("a") as handle:
            handle.write("\n".join(ROWS[20:]) + "\n")

    thread = threading.Thread(target=writer)
    thread.start()
    connect = world.flow().connect

    def connect_after_read():  # Odoo is opened after validation: the file has been read by then
        reading_done.set()
        thread.join()
        return connect()

    flow = world.flow()
    flow.connect = connect_after_read
    outcome = flow.publish_file(str(path))
    assert outcome.status == FileStatus.PUBLISHED and outcome.loaded == 20
    assert "changed after it was read" in outcome.reason
    assert path.exists() and not (landing / "processed" / "feed.csv").exists()
    outcome = world.run(str(path), run_id="run-2")
    assert outcome.status == FileStatus.PUBLISHED and outcome.rows == len(ROWS)
    assert len(loaded(world)) == len(ROWS) and (landing / "processed" / "feed.csv").exists()


def test_rfc4180_quotes_anywhere_in_the_file_and_apostrophes(world):
    filler = [f"F{i},F{i},Filler {i} with a long enough name to pass four KiB,Home,1.00,EUR,standard,true,,"
              for i in range(80)]
    rows = ["AP1,AP1,Kid's mug,Home,2.00,EUR,standard,true,,", "AP2,AP2,O'Neill cap,Home,3.00,EUR,standard,true,,",
            *filler, 'MON,MON,"Monitor 27"" wide",Office,199.00,EUR,standard,true,,']
    outcome = world.run(world.feed("quotes.csv", rows))
    assert outcome.status == FileStatus.PUBLISHED and outcome.quarantined == 0 and outcome.loaded == len(rows)
    names = template_names(world)
    assert 'Monitor 27" wide' in names and "Kid's mug" in names and "O'Neill cap" in names


def test_the_delimiter_is_a_setting(world):
    from dataclasses import replace

    world.settings = replace(world.settings, csv_delimiter=";")
    outcome = world.run(world.feed("semi.csv", (HEADER.replace(",", ";") + "\nSEMI;SEMI;Semi, colon;Home;"
                                                "1.00;EUR;standard;true;;\n").encode()))
    assert outcome.status == FileStatus.PUBLISHED and outcome.loaded == 1
    assert template_names(world) == {"Semi, colon"}


def test_a_date_that_overflows_quarantines_its_row_and_the_rest_loads(world):
    header = HEADER + ",promo_price,promo_start,promo_end"
    rows = [r + ",,," for r in ROWS[:10]] + ["OVF,OVF,Overflow,Home,5.00,EUR,standard,true,,,4.00,"
                                             "0001-01-01T00:00+01:00,2026-01-01T00:00:00Z"]
    outcome = world.run(world.feed("overflow.csv", ("\n".join([header, *rows]) + "\n").encode()))
    assert outcome.status == FileStatus.PUBLISHED and outcome.loaded == 10 and outcome.quarantined == 1
    assert "promotion times are ISO-8601" in errors(world)["pim:product:OVF"]
    assert world.alerts and "OVF" not in loaded(world)
    again = world.run(world.feed("overflow.csv", ("\n".join([header, *rows]) + "\n").encode()), run_id="run-2")
    assert again.status == FileStatus.ALREADY_PUBLISHED


def test_odd_values_each_have_a_clear_outcome(world):
    header = HEADER + ",promo_price,promo_start,promo_end"
    good = [r + ",,," for r in ROWS[:20]]
    bad = {
        "ZW": ("ZW\u200b1,ZW1,Zero width,Home,1.00,EUR,standard,true,,,,,", "SKU well-formed"),
        "CTRL": ("CTRL,CT\x01RL,Control in parent,Home,1.00,EUR,standard,true,,,,,",
                 "parent_key has no control or invisible characters"),
        "ARAB": ("ARAB,ARAB,Arabic digits,Home,\u0661\u0662,EUR,standard,true,,,,,", "list price is a non-negative"),
        "FULL": ("FULL,FULL,Full width,Home,\uff11\uff12,EUR,standard,true,,,,,", "list price is a non-negative"),
        "SUB": ("SUB,SUB,Sub-second,Home,5.00,EUR,standard,true,,,4.00,2026-12-01T10:00:00.250Z,"
                "2026-12-01T10:00:00.750Z", "whole seconds"),
    }
    lines = good + [line for line, _ in bad.values()]
    outcome = world.run(world.feed("odd.csv", ("\n".join([header, *lines]) + "\n").encode()))
    assert outcome.status == FileStatus.PUBLISHED and outcome.loaded == len(good)
    assert outcome.quarantined == len(bad)
    found = errors(world)
    assert len(found) == len(bad)
    for key, (_line, reason) in bad.items():
        [error] = [e for k, e in found.items() if k.startswith(f"pim:product:{key}")]
        assert reason in error, (key, error)
    assert set(loaded(world)) == {f"SKU{i}" for i in range(20)}


def test_jsonl_nested_values_case_clashes_and_a_bom(world):
    def row(sku, **extra):
        base = {"sku": sku, "parent_key": sku, "name": f"Item {sku}", "category_path": "Home", "list_price": "2.50",
                "currency": "EUR", "tax_class": "standard", "active": True}
        return json.dumps({**base, **extra})

    lines = [row(f"J{i}") for i in range(12)]
    lines += [row("NEST", name={"en": "Nested"}), row("LIST", attr_size=["S", "M"]),
              json.dumps({"sku": "CASE", "SKU": "case", "parent_key": "CASE", "name": "Case", "category_path": "Home",
                          "list_price": "1.00", "currency": "EUR", "tax_class": "standard", "active": "true"})]
    data = b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n"
    outcome = world.run(world.feed("feed.jsonl", data))
    assert outcome.status == FileStatus.PUBLISHED and outcome.loaded == 12 and outcome.quarantined == 3
    found = errors(world)
    assert "nested object or list" in found["pim:product:NEST"]
    assert "nested object or list" in found["pim:product:LIST"]
    [case] = [e for k, e in found.items() if k not in ("pim:product:NEST", "pim:product:LIST")]
    assert "ambiguous keys 'sku' and 'SKU'" in case
    assert set(loaded(world)) == {f"J{i}" for i in range(12)}
    assert template_names(world) == {f"Item J{i}" for i in range(12)}
