"""The merchandising (PIM) feed: CSV, Parquet or JSON Lines, one row per sellable SKU.

Reading never loses a row: a file that cannot be read at all raises `FeedFormatError` (the whole
file is rejected and reported); a row that can be read but not trusted (wrong field count, bytes
that are not UTF-8, a broken JSON line, a nested JSON value, two keys that differ only in case) comes
back with `_problem` set, to be quarantined. Every value comes back as text; typing and checking is
validation's job.

A file is read in two passes so that it never sits in memory whole: `read_feed` walks it once to
check it and keep only its key columns (the cross-row rules need them), then `Feed.batches` walks it
again, N rows at a time, for validation. CSV is RFC 4180 (double quote, doubled quotes inside quoted
values) with a configurable delimiter; nothing is guessed from the data.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import fsspec
import pandas as pd
import pyarrow as pa

REQUIRED_COLUMNS = ("sku", "parent_key", "name", "category_path", "list_price", "currency", "tax_class", "active")
OPTIONAL_COLUMNS = ("description", "cost", "barcode", "weight", "promo_price", "promo_start", "promo_end")
ATTRIBUTE_PREFIX = "attr_"     # attr_size, attr_colour: the variant attributes
FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
META_COLUMNS = ("_row", "_problem", "_raw")
WHOLE_FILE = 0                 # batches(WHOLE_FILE): every row in one frame

BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "y": True, "false": False, "0": False, "no": False, "n": False}
_SURROGATE = re.compile("[\udc80-\udcff]")   # an undecodable byte, kept visible by surrogateescape
_HASH_BLOCK = 1 << 20


class FeedFormatError(ValueError):
    """The file cannot be taken in at all; nothing of it is loaded."""

    fingerprint: str | None = None


@dataclass
class Feed:
    uri: str                  # where the file came from (the landing folder)
    path: str                 # what is read: the file itself, or the run's snapshot of it
    fingerprint: str          # sha256 of the file's bytes: the same file is processed once
    kind: str                 # csv, parquet or jsonl
    columns: list[str]
    row_count: int
    keys: pd.DataFrame        # the key columns only (sku, parent_key, attr_*), for the cross-row rules
    delimiter: str = ","
    _header_row: int = field(default=0, repr=False)

    @property
    def attribute_columns(self) -> list[str]:
        return [c for c in self.columns if c.startswith(ATTRIBUTE_PREFIX)]

    @property
    def rows(self) -> pd.DataFrame:
        """The whole file as one frame (small files, tests); validation reads `batches` instead."""
        return next(self.batches(WHOLE_FILE))

    def batches(self, size: int) -> Iterator[pd.DataFrame]:
        """Frames of at most `size` rows (all rows when 0): text columns + `_row` (1-based data row),
        `_problem`, `_raw` (the unparsed line)."""
        records = {"csv": self._csv_records, "parquet": self._parquet_records, "jsonl": self._jsonl_records}[self.kind]
        chunk: list[tuple] = []
        for record in records():
            chunk.append(record)
            if size and len(chunk) >= size:
                yield self._frame(chunk)
                chunk = []
        if chunk or not size:
            yield self._frame(chunk)

    def _frame(self, chunk: list[tuple]) -> pd.DataFrame:
        names = [*self.columns, *META_COLUMNS]
        columns = list(zip(*chunk)) if chunk else [() for _ in names]
        frame = pd.DataFrame({name: pd.Series(list(values), dtype=object) for name, values in zip(names, columns)})
        frame["_row"] = frame["_row"].astype("int64")
        return frame

    def _csv_records(self) -> Iterator[tuple]:
        width = len(self.columns)
        for number, row in _csv_rows(self.path, self.delimiter, skip_header=True):
            problem = None
            if len(row) != width:
                problem = f"row has {len(row)} fields, the header has {width}"
                row = (row + [""] * width)[:width]
            if _SURROGATE.search("\x00".join(row)):
                problem = problem or "row contains bytes that are not valid UTF-8"
                row = [_readable(v) for v in row]
            yield (*[v.strip() or None for v in row], number, problem, None)

    def _parquet_records(self) -> Iterator[tuple]:
        import pyarrow.parquet as pq

        number = 0
        with fsspec.open(self.path, "rb") as handle:
            for batch in pq.ParquetFile(handle).iter_batches(batch_size=65_536):
                columns = [[_text(v) for v in column.to_pylist()] for column in batch.columns]
                nested = [any(isinstance(v, NestedValue) for v in values) for values in zip(*columns)]
                for values, is_nested in zip(zip(*columns), nested):
                    number += 1
                    problem = _nested_problem(self.columns, values) if is_nested else None
                    yield (*[None if isinstance(v, NestedValue) else v for v in values], number, problem, None)

    def _jsonl_records(self) -> Iterator[tuple]:
        for number, value, problem, raw in _jsonl_objects(self.path):
            if problem:
                yield (*[None] * len(self.columns), number, problem, raw)
                continue
            values = [_text(value.get(c)) for c in self.columns]
            problem = _nested_problem(self.columns, values)
            yield (*[None if isinstance(v, NestedValue) else v for v in values], number, problem,
                   raw if problem else None)


class NestedValue(str):
    """A JSON object or array where a feed field expects one value: the row is refused, not stringified."""


def feed_format(uri: str) -> str:
    for suffix, kind in FORMATS.items():
        if uri.lower().endswith(suffix):
            return kind
    raise FeedFormatError(f"{uri}: unknown feed format; name the file .csv, .parquet or .jsonl")


def file_fingerprint(path: str) -> str:
    digest = hashlib.sha256()
    with fsspec.open(path, "rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def read_feed(path: str, *, uri: str | None = None, delimiter: str = ",", fingerprint: str | None = None) -> Feed:
    """Check a feed file in one streaming pass; `uri` names it in messages when `path` is a snapshot."""
    uri = uri or path
    fingerprint = fingerprint or file_fingerprint(path)
    try:
        kind = feed_format(uri)
        pass_ = {"csv": _scan_csv, "parquet": _scan_parquet, "jsonl": _scan_jsonl}[kind]
        columns, row_count, keys = pass_(uri, path, delimiter)
        if not columns and not row_count:
            raise FeedFormatError(f"{uri}: the feed is empty")
        _check_columns(uri, columns)
        if not row_count:
            raise FeedFormatError(f"{uri}: the feed has a header but no rows")
    except FeedFormatError as exc:
        exc.fingerprint = fingerprint  # a rejected file is remembered by its bytes, too
        raise
    return Feed(uri, path, fingerprint, kind, columns, row_count, keys, delimiter)


def _key_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if c in ("sku", "parent_key") or c.startswith(ATTRIBUTE_PREFIX)]


class _KeyCollector:
    """The key columns of every row, held as compact Arrow strings (a few bytes a row, not a frame)."""

    def __init__(self, columns: list[str]):
        self.names = _key_columns(columns)
        self.index = [columns.index(c) for c in self.names] if set(REQUIRED_COLUMNS) <= set(columns) else []
        self.pending: list[list] = [[] for _ in self.names]
        self.chunks: list[list[pa.Array]] = [[] for _ in self.names]

    def add(self, row: list) -> None:
        """One row's values, in the file's column order."""
        for slot, position in zip(self.pending, self.index):
            value = row[position] if position < len(row) else None
            slot.append((value.strip() or None) if isinstance(value, str) else value)
        if self.pending and len(self.pending[0]) >= 65_536:
            self._flush()

    def _flush(self) -> None:
        for chunks, slot in zip(self.chunks, self.pending):
            chunks.append(pa.array([_readable(v) if isinstance(v, str) else None for v in slot], pa.string()))
            slot.clear()

    def frame(self) -> pd.DataFrame:
        self._flush()
        if not self.index:
            return pd.DataFrame()
        return pd.DataFrame({name: pd.Series(pa.chunked_array(chunks, pa.string()).to_pandas(), dtype=object)
                             for name, chunks in zip(self.names, self.chunks)})


def _check_columns(uri: str, columns: list[str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS and not c.startswith(ATTRIBUTE_PREFIX)]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing required column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise FeedFormatError(f"{uri}: wrong columns: {'; '.join(parts)} (see README, 'The catalog feed')")
    if len(set(columns)) != len(columns):
        raise FeedFormatError(f"{uri}: duplicate column names")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list | tuple):
        return NestedValue("nested")
    text = str(value).strip()
    return text or None


def _readable(text: str) -> str:
    """Undecodable bytes (kept by surrogateescape) as U+FFFD, as the batches show them."""
    if _SURROGATE.search(text):
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def _nested_problem(columns: list[str], values) -> str | None:
    nested = [c for c, v in zip(columns, values) if isinstance(v, NestedValue)]
    return f"field(s) {', '.join(nested)} hold a nested object or list, not one value" if nested else None


def _csv_rows(path: str, delimiter: str, skip_header: bool) -> Iterator[tuple[int, list[str]]]:
    """(data row number, cells) of the non-blank rows; the header comes first as number 0."""
    # surrogateescape keeps undecodable bytes visible, so one bad row is quarantined, not the file.
    with fsspec.open(path, "rt", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True)
        number = -1
        for row in reader:
            if not any(row) or "".join(row).isspace():   # a blank line or a row of empty cells
                continue
            number += 1
            if number or not skip_header:
                yield number, row


def _scan_csv(uri: str, path: str, delimiter: str) -> tuple[list[str], int, pd.DataFrame]:
    rows = _csv_rows(path, delimiter, skip_header=False)
    try:
        first = next(rows, None)
        if first is None:
            return [], 0, pd.DataFrame()
        header = [h.strip().lower() for h in first[1]]
        if _SURROGATE.search(" ".join(header)):
            raise FeedFormatError(f"{uri}: the header is not valid UTF-8")
        keys = _KeyCollector(header)
        count = 0
        for count, row in rows:  # noqa: B007 - the last number is the row count
            if keys.index:
                keys.add(row)
    except csv.Error as exc:
        raise FeedFormatError(f"{uri}: not valid CSV: {exc}") from None
    return header, count, keys.frame()


def _scan_parquet(uri: str, path: str, delimiter: str) -> tuple[list[str], int, pd.DataFrame]:
    import pyarrow.parquet as pq

    try:
        with fsspec.open(path, "rb") as handle:
            parquet = pq.ParquetFile(handle)
            raw_names = parquet.schema_arrow.names
            columns = [c.strip().lower() for c in raw_names]
            keys = _KeyCollector(columns)
            wanted = [raw_names[i] for i in keys.index]
            if wanted:
                for batch in parquet.iter_batches(batch_size=65_536, columns=wanted):
                    for values in zip(*[[_text(v) for v in c.to_pylist()] for c in batch.columns]):
                        row = dict(zip(keys.index, values))
                        keys.add([row.get(i) for i in range(len(columns))])
            return columns, parquet.metadata.num_rows, keys.frame()
    except (pa.ArrowInvalid, OSError) as exc:
        raise FeedFormatError(f"{uri}: not a valid Parquet file: {exc}") from None


def _jsonl_objects(path: str) -> Iterator[tuple[int, dict, str | None, str | None]]:
    """(line number among non-blank lines, lower-cased object, problem, raw line) per line."""
    with fsspec.open(path, "rb") as handle:
        number = 0
        for line in handle:
            if number == 0:
                line = line.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark is not data
            if not line.strip():
                continue
            number += 1
            raw = line.decode("utf-8", "replace").rstrip("\r\n")[:2000]
            try:
                value = json.loads(line.decode("utf-8"))
                if not isinstance(value, dict):
                    raise ValueError("a JSON Lines row must be an object")
            except (UnicodeDecodeError, ValueError) as exc:
                yield number, {}, f"not a valid JSON object: {exc}", raw
                continue
            folded: dict = {}
            for name, item in value.items():
                folded.setdefault(str(name).strip().lower(), []).append((name, item))
            clashes = [" and ".join(repr(n) for n, _ in pairs) for pairs in folded.values() if len(pairs) > 1]
            if clashes:
                yield number, {}, f"ambiguous keys {'; '.join(clashes)} (names are case-insensitive)", raw
                continue
            yield number, {name: pairs[0][1] for name, pairs in folded.items()}, None, None


def _scan_jsonl(uri: str, path: str, delimiter: str) -> tuple[list[str], int, pd.DataFrame]:
    columns: list[str] = []
    key_values: dict[str, list] = {}   # a key column first seen at row n is None for rows before it
    parsed, readable = 0, 0
    for _number, value, problem, _raw in _jsonl_objects(path):
        if problem is None:
            readable += 1
            columns.extend(k for k in value if k not in columns)
            for name in _key_columns(list(value)):
                key_values.setdefault(name, [None] * parsed)
        for name, values in key_values.items():
            item = _text(value.get(name))
            values.append(None if isinstance(item, NestedValue) else item)
        parsed += 1
    if parsed and not readable:
        raise FeedFormatError(f"{uri}: not valid JSON Lines (no line parses as a JSON object)")
    keys = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in key_values.items()})
    return columns, parsed, keys


def parse_timestamp(text) -> dt.datetime | None:
    """ISO-8601 date or date-time; naive values are taken as UTC."""
    if text is None:
        return None
    value = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def to_canonical(rows: pd.DataFrame) -> tuple[pa.Table, dict[int, str]]:
    """Validated, prepared feed rows (`attributes` is the JSON the suite built) → a pyarrow Table of
    canonical Products (decimals, booleans, UTC times), and the rows that could not be converted after
    all ({row: reason}): those are quarantined, never raised. Column by column, for speed."""
    import pyarrow.compute as pc

    from retail_sync.canonical.keys import product_key
    from retail_sync.canonical.money import DECIMAL_TEXT, MONEY, parse_money
    from retail_sync.canonical.product import PRODUCT_SCHEMA

    row_ids = [int(r) for r in rows["_row"]]
    failures: dict[int, str] = {}

    def text(name: str) -> list:
        return rows[name].tolist() if name in rows else [None] * len(row_ids)

    def each(name: str, convert) -> list:
        values = []
        for row, value in zip(row_ids, text(name)):
            try:
                values.append(None if value is None else convert(value))
            except Exception as exc:  # any value that does not convert quarantines its row
                failures.setdefault(row, f"{name} {value!r} does not convert: {type(exc).__name__}: {exc}"[:300])
                values.append(None)
        return values

    def money(name: str) -> pa.Array:
        values = pa.array(text(name), pa.string())
        # When every value has parse_money's form, cast them in one go; otherwise value by value.
        if pc.all(pc.match_substring_regex(values, DECIMAL_TEXT.pattern)).as_py() in (True, None):
            return values.cast(MONEY)
        return pa.array(each(name, parse_money), MONEY)

    columns = {
        "key": [product_key(sku) for sku in text("sku")], "sku": text("sku"), "parent_key": text("parent_key"),
        "name": text("name"), "description": text("description"),
        "category_path": each("category_path", lambda v: "/".join(level.strip() for level in v.split("/"))),
        "list_price": money("list_price"), "cost": money("cost"),
        "currency": each("currency", str.upper), "barcode": text("barcode"),
        "tax_class": each("tax_class", str.lower), "active": each("active", lambda v: BOOLEAN_WORDS[v.lower()]),
        "weight": each("weight", float), "attributes": text("attributes"),
        "promo_price": money("promo_price"),
        "promo_start": each("promo_start", lambda v: whole_seconds(parse_timestamp(v))),
        "promo_end": each("promo_end", lambda v: whole_seconds(parse_timestamp(v))),
        "source_row": row_ids,
    }
    try:
        table = pa.table({name: pa.array(values, PRODUCT_SCHEMA.field(name).type) if isinstance(values, list)
                          else values for name, values in columns.items()}, schema=PRODUCT_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:   # a value of the wrong kind: find its rows one by one
        if len(row_ids) > 1:
            return _row_by_row(rows, failures)
        failures.setdefault(row_ids[0], f"row does not convert: {exc}"[:300])
        return PRODUCT_SCHEMA.empty_table(), failures
    if failures:
        table = table.filter(pa.array([row not in failures for row in row_ids]))
    return table, failures


def _row_by_row(rows: pd.DataFrame, failures: dict[int, str]) -> tuple[pa.Table, dict[int, str]]:
    from retail_sync.canonical.product import PRODUCT_SCHEMA

    tables = [PRODUCT_SCHEMA.empty_table()]
    for start in range(len(rows)):
        table, more = to_canonical(rows.iloc[start:start + 1])
        failures.update({row: reason for row, reason in more.items() if row not in failures})
        tables.append(table)
    return pa.concat_tables(tables), failures


def whole_seconds(value: dt.datetime | None) -> dt.datetime | None:
    """Promotion times are kept to the second (Odoo's precision); a fraction would be silently cut."""
    if value is not None and value.microsecond:
        raise ValueError(f"{value.isoformat()} has a fraction of a second")
    return value
