"""GX validation as people and concurrent runs meet it: Data Docs show no customer data and no live
markup from a feed, two validations at once do not disturb each other (or any later one), and the
task log carries no GX registration noise."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

HEADER = "sku,parent_key,name,category_path,list_price,currency,tax_class,active,attr_size"
EMAIL = "jane.doe@customer.example"
PHONE = "0470 12 34 56"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
HOSTILE = [
    "TEE-S,TEE,Organic tee,Apparel/Tops,19.90,EUR,standard,true,S",
    f"{EMAIL},MUG,Mug,Home/Kitchen,8.00,EUR,reduced,true,",           # an email where the SKU goes
    f"CAP,CAP,Cap,Apparel,{PHONE},EUR,standard,true,",                 # a phone where the price goes
    f"{SCRIPT},HAT,Hat,Apparel,12.00,EUR,standard,true,",              # markup where the SKU goes
    f"BAG,BAG,Bag,Apparel,30.00,{IMG},standard,true,",                 # markup where the currency goes
]


def _validate(path: Path, docs_root: Path | None):
    from retail_sync.feeds.pim import read_feed
    from retail_sync.quality import product_suite
    from retail_sync.quality.validation import run_suite

    feed = read_feed(str(path))
    frame = product_suite.prepare(feed.rows, feed.attribute_columns)
    return run_suite(frame, "catalog_products", product_suite.rules(), docs_root, key_column="sku")


def _write(tmp: Path, name: str, rows: list[str]) -> Path:
    path = tmp / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_data_docs_show_masked_escaped_values_only(tmp_path):
    docs = tmp_path / "docs"
    report = _validate(_write(tmp_path, "hostile.csv", HOSTILE), docs)
    assert sorted(report.row_failures) == [2, 3, 4, 5]
    page = Path(report.docs_index)
    assert page.is_file() and page.is_relative_to(docs) and report.docs_page == page.relative_to(docs).as_posix()
    files = [p for p in docs.rglob("*") if p.is_file()]
    assert len(files) > 5
    for path in files:
        content = path.read_text(encoding="utf-8", errors="replace").lower()   # currencies are upper-cased
        # The phone in any spacing ("0470 12", "0470123456"), but not a bare "0470", which GX's own run ids and
        # timestamps may contain by chance.
        for secret in (EMAIL, PHONE, "0470 12", "047012", SCRIPT, "<script>alert", IMG, "<img src=x"):
            assert secret not in content, f"{secret!r} in {path}"
    text = page.read_text(encoding="utf-8")
    assert "j***@customer.example" in text and "***56" in text          # masked values are there, readable
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text               # the markup shows as text
    assert "&lt;IMG SRC=X ONERROR=ALERT(2)&gt;" in text
    assert not list(docs.glob(".building-*"))


def test_failing_rows_are_named_by_row_number_and_sku(tmp_path):
    report = _validate(_write(tmp_path, "hostile.csv", HOSTILE), None)
    rows = {(row.row, row.key, row.column) for result in report.failed_rules for row in result.rows}
    assert (3, "CAP", "list_price") in rows and (5, "BAG", "currency") in rows
    assert (2, EMAIL, "sku") in rows and (4, SCRIPT, "sku") in rows   # raw here; masked and escaped where shown
    assert report.docs_index is None


def _validate_in_child(path: str, docs_root: str, start, results) -> None:
    """Runs in a fresh (spawned) interpreter: GX is imported here for the first time, so its import-time
    log lines, if any, are caught."""
    import io
    import logging

    captured = io.StringIO()
    logging.basicConfig(level=logging.DEBUG, stream=captured, force=True)
    start.wait(timeout=120)
    try:
        report = _validate(Path(path), Path(docs_root))
        logging.getLogger("great_expectations.probe").warning("probe")   # GX's loggers do reach the capture
        results.put((sorted(report.row_failures), report.docs_index, captured.getvalue()))
    except BaseException as exc:  # the parent asserts on what happened here
        results.put(("error", repr(exc), captured.getvalue()))


def test_two_validations_at_once_share_nothing_and_a_later_one_works(tmp_path):
    docs = tmp_path / "docs"
    first = _write(tmp_path, "first.csv", HOSTILE)
    second = _write(tmp_path, "second.csv", [HOSTILE[0], "MUG,MUG,Mug,Home/Kitchen,-1,EUR,reduced,true,"])
    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(2), spawn.Queue()
    children = [spawn.Process(target=_validate_in_child, args=(str(path), str(docs), start, results))
                for path in (first, second)]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=300) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    assert all(outcome[0] != "error" for outcome in outcomes), outcomes
    assert sorted(outcome[0] for outcome in outcomes) == [[2], [2, 3, 4, 5]]
    pages = {outcome[1] for outcome in outcomes}
    assert len(pages) == 2 and all(Path(page).is_file() for page in pages)
    for log_text in (outcome[2] for outcome in outcomes):
        assert "WARNING:great_expectations.probe:probe" in log_text
        assert "Skipping registering" not in log_text
        assert not [line for line in log_text.splitlines() if line.startswith(("INFO:great_exp", "DEBUG:great_exp"))]
    later = _validate(first, docs)
    assert sorted(later.row_failures) == [2, 3, 4, 5] and Path(later.docs_index).is_file()
    assert len(list((docs / "catalog_products").iterdir())) == 3
    assert not list(docs.glob(".building-*"))
