"""The merchandising (PIM) feed: CSV, Parquet or JSON Lines, one row per sellable SKU.

Reading never loses a row: a file that cannot be read at all raises `FeedFormatError` (the whole
file is rejected and reported); a row that can be read but not trusted (wrong field count, bytes
that are not UTF-8, a broken JSON line, a nested JSON value, two keys that differ only in case) comes
back with `_problem` set, to be quarantined. Every value comes back as text; typing and checking is
validation's job.

`read_feed` parses a file once, as it streams: each block of rows goes, as compact Arrow text columns,
into a temporary spool (Arrow IPC on disk), and the key columns the cross-row rules need are kept aside.
`Feed.batches` then reads the spool back N rows at a time, so the file never sits in memory whole and is
never parsed twice. CSV is RFC 4180 (double quote, doubled quotes inside quoted values) with a
configurable delimiter, parsed by pyarrow; nothing is guessed from the data.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

REQUIRED_COLUMNS = ("sku", "parent_key", "name", "category_path", "list_price", "currency", "tax_class", "active")
OPTIONAL_COLUMNS = ("description", "cost", "barcode", "weight", "promo_price", "promo_start", "promo_end")
ATTRIBUTE_PREFIX = "attr_"     # attr_size, attr_colour: the variant attributes
FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
WHOLE_FILE = 0                 # batches(WHOLE_FILE): every row in one frame

BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "y": True, "false": False, "0": False, "no": False, "n": False}
# What Python's str.strip() removes (every character whose isspace() is true): cells are trimmed in Arrow
# with exactly this set, so a value reads the same as it did through Python's csv module.
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_SURROGATE = re.compile("[\udc80-\udcff]")   # an undecodable byte, kept visible by surrogateescape
_HASH_BLOCK = 1 << 20
_CSV_BLOCK = 4 << 20           # bytes pyarrow parses at a time (a row longer than this is refused)
_RECORD_BATCH = 65_536         # rows per spooled batch for the formats read value by value
NOT_UTF8 = "row contains bytes that are not valid UTF-8"


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
    keys: pa.Table            # the key columns only (sku, parent_key, attr_*), for the cross-row rules
    delimiter: str = ","
    spool: IO[bytes] | None = field(default=None, repr=False)   # the parsed rows (Arrow IPC stream)

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
        for table in self._tables(size):
            yield pd.DataFrame({name: _as_objects(column) for name, column in zip(table.column_names, table.columns)})

    def _tables(self, size: int) -> Iterator[pa.Table]:
        """The spooled rows as Arrow tables of at most `size` rows (all rows when 0)."""
        self.spool.seek(0)
        reader = pa.ipc.open_stream(self.spool)
        pending: list[pa.RecordBatch] = []
        held = 0
        for batch in reader:
            while batch.num_rows:
                take = batch.num_rows if not size else min(batch.num_rows, size - held)
                pending.append(batch.slice(0, take))
                held += take
                batch = batch.slice(take)
                if size and held >= size:
                    yield pa.Table.from_batches(pending, reader.schema).combine_chunks()
                    pending, held = [], 0
        if pending or not size:
            yield pa.Table.from_batches(pending, reader.schema).combine_chunks()


def _as_objects(column: pa.ChunkedArray):
    """Text as Python strings with None for missing (what the frame's users compare against)."""
    if pa.types.is_string(column.type):
        return pd.Series(column.to_numpy(zero_copy_only=False), dtype=object)
    return pd.Series(column.to_numpy(), dtype="int64")


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
    """Parse a feed file in one streaming pass; `uri` names it in messages when `path` is a snapshot."""
    uri = uri or path
    fingerprint = fingerprint or file_fingerprint(path)
    spool = tempfile.TemporaryFile(prefix="feed-spool-")  # noqa: SIM115 - the Feed holds it; gone when collected
    try:
        kind = feed_format(uri)
        parse = {"csv": _parse_csv, "parquet": _parse_parquet, "jsonl": _parse_jsonl}[kind]
        columns, row_count, keys = parse(uri, path, delimiter, spool)
        if not columns and not row_count:
            raise FeedFormatError(f"{uri}: the feed is empty")
        _check_columns(uri, columns)
        if not row_count:
            raise FeedFormatError(f"{uri}: the feed has a header but no rows")
    except FeedFormatError as exc:
        spool.close()
        exc.fingerprint = fingerprint  # a rejected file is remembered by its bytes, too
        raise
    except BaseException:
        spool.close()
        raise
    return Feed(uri, path, fingerprint, kind, columns, row_count, keys, delimiter, spool)


def _key_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if c in ("sku", "parent_key") or c.startswith(ATTRIBUTE_PREFIX)]


class _Spooler:
    """Writes normalised batches (text columns + `_row`, `_problem`, `_raw`) to the spool and keeps the
    key columns of every row (a few bytes a row, not a frame)."""

    def __init__(self, columns: list[str], spool: IO[bytes]):
        self.columns = columns
        self.schema = pa.schema([*(pa.field(c, pa.string()) for c in columns), pa.field("_row", pa.int64()),
                                 pa.field("_problem", pa.string()), pa.field("_raw", pa.string())])
        self.writer = pa.ipc.new_stream(spool, self.schema)
        self.key_names = _key_columns(columns) if set(REQUIRED_COLUMNS) <= set(columns) else []
        self.key_chunks: list[pa.RecordBatch] = []
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self.writer.write_batch(batch)
            self.rows += batch.num_rows
            if self.key_names:
                self.key_chunks.append(batch.select(self.key_names))

    def write_records(self, records: list[tuple]) -> None:
        columns = list(zip(*records)) if records else [() for _ in self.schema]
        self.write(pa.record_batch([pa.array(list(values), f.type) for values, f in zip(columns, self.schema)],
                                   schema=self.schema))

    def close(self) -> pa.Table:
        self.writer.close()
        if not self.key_names:
            return pa.table({})
        schema = pa.schema([self.schema.field(n) for n in self.key_names])
        return pa.Table.from_batches(self.key_chunks, schema).combine_chunks()


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


def _is_blank(cells: list[str]) -> bool:
    """A blank line or a row of empty cells is not a row."""
    return not any(cells) or "".join(cells).isspace()


def _csv_cells(cells: list[str], width: int) -> tuple[list, str | None]:
    """One row's cells parsed by Python's csv module → (width trimmed values, problem)."""
    problem = None
    if len(cells) != width:
        problem = f"row has {len(cells)} fields, the header has {width}"
        cells = (cells + [""] * width)[:width]
    if _SURROGATE.search("\x00".join(cells)):
        problem = problem or NOT_UTF8
        cells = [_readable(v) for v in cells]
    return [v.strip() or None for v in cells], problem


def _csv_header(uri: str, path: str, delimiter: str) -> list[str] | None:
    """The raw cells of the first non-blank row, or None for a file with no rows."""
    with fsspec.open(path, "rt", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        try:
            return next((row for row in csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True)
                         if not _is_blank(row)), None)
        except csv.Error as exc:
            raise FeedFormatError(f"{uri}: not valid CSV: {exc}") from None


def _parse_csv(uri: str, path: str, delimiter: str, spool: IO[bytes]) -> tuple[list[str], int, pa.Table]:
    header = _csv_header(uri, path, delimiter)
    if header is None:
        return [], 0, pa.table({})
    columns = [h.strip().lower() for h in header]
    if _SURROGATE.search(" ".join(columns)):
        raise FeedFormatError(f"{uri}: the header is not valid UTF-8")
    if len(set(columns)) != len(columns):
        raise FeedFormatError(f"{uri}: duplicate column names")
    start = spool.tell()
    try:
        return columns, *_arrow_csv(path, delimiter, columns, spool)
    except pa.ArrowInvalid:
        # pyarrow cannot hand a row with the wrong field count *and* undecodable bytes to Python (nor
        # parse a row longer than its block): such a file is read by Python's csv module instead.
        spool.seek(start)
        spool.truncate()
        return columns, *_python_csv(uri, path, delimiter, columns, spool)


def _arrow_csv(path: str, delimiter: str, columns: list[str], spool: IO[bytes]) -> tuple[int, pa.Table]:
    import pyarrow.csv as pacsv

    width = len(columns)
    names = [f"c{i}" for i in range(width)]
    invalid: list[tuple[int, str]] = []   # (CSV row number, text) of rows with the wrong field count

    def set_aside(row) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    spooler = _Spooler(columns, spool)
    number = 0          # CSV rows placed so far (pyarrow numbers rows from 1, the header included)
    data_rows = 0       # non-blank rows after the header: the `_row` numbers
    header_seen = False
    with fsspec.open(path, "rb") as handle:
        reader = pacsv.open_csv(
            handle,
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=_CSV_BLOCK),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                                             newlines_in_values=True, ignore_empty_lines=True,
                                             invalid_row_handler=set_aside),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.binary()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
        for batch in [*_batches_of(reader), None]:
            parsed = 0 if batch is None else batch.num_rows
            # The rows set aside while parsing this block belong between its rows, by their CSV row number.
            mine = 0
            while mine < len(invalid) and (batch is None or invalid[mine][0] <= number + parsed + mine):
                mine += 1
            if not parsed and not mine:
                continue
            cells, problems, blank = _decoded(batch) if parsed else (None, None, [])
            cells, problems, blank = _merge(cells, problems, blank, invalid[:mine], number + 1, width,
                                            delimiter)
            invalid = invalid[mine:]
            number += parsed + mine
            if not header_seen and False in blank:
                blank[blank.index(False)] = True   # the header row: read already
                header_seen = True
            keep = pa.array([not b for b in blank], pa.bool_())
            count = len(blank) - sum(blank)
            spooler.write(pa.record_batch(
                [*(c.filter(keep) for c in cells), pa.array(np.arange(data_rows + 1, data_rows + 1 + count)),
                 problems.filter(keep), pa.nulls(count, pa.string())], schema=spooler.schema))
            data_rows += count
    return data_rows, spooler.close()


def _batches_of(reader) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return


def _python_csv(uri: str, path: str, delimiter: str, columns: list[str], spool: IO[bytes]) -> tuple[int, pa.Table]:
    spooler = _Spooler(columns, spool)
    records: list[tuple] = []
    number = -1
    # surrogateescape keeps undecodable bytes visible, so one bad row is quarantined, not the file.
    with fsspec.open(path, "rt", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        try:
            for row in csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True):
                if _is_blank(row):
                    continue
                number += 1
                if number:   # row 0 is the header
                    values, problem = _csv_cells(row, len(columns))
                    records.append((*values, number, problem, None))
                if len(records) >= _RECORD_BATCH:
                    spooler.write_records(records)
                    records = []
        except csv.Error as exc:
            raise FeedFormatError(f"{uri}: not valid CSV: {exc}") from None
    spooler.write_records(records)
    return max(number, 0), spooler.close()


def _decoded(batch: pa.RecordBatch) -> tuple[list[pa.Array], pa.Array, list[bool]]:
    """Binary cells → trimmed text (empty as null), the UTF-8 problem per row, and which rows are blank."""
    cells, bad = [], None
    for raw in batch.columns:
        try:
            text = raw.cast(pa.string())
        except pa.ArrowInvalid:    # undecodable bytes: shown as U+FFFD, and the row is flagged
            values = raw.to_pylist()
            text = pa.array([v.decode("utf-8", "replace") for v in values], pa.string())
            flags = pa.array([not _valid_utf8(v) for v in values], pa.bool_())
            bad = flags if bad is None else pc.or_(bad, flags)
        cells.append(pc.utf8_trim(text, characters=PY_WHITESPACE))
    empty = [pc.equal(pc.binary_length(c), 0) for c in cells]
    blank = empty[0]
    for flag in empty[1:]:
        blank = pc.and_(blank, flag)
    cells = [pc.if_else(flag, pa.scalar(None, pa.string()), c) for c, flag in zip(cells, empty)]
    problems = pa.nulls(len(batch), pa.string()) if bad is None else \
        pc.if_else(bad, pa.scalar(NOT_UTF8), pa.scalar(None, pa.string()))
    return cells, problems, blank.to_pylist()


def _valid_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _merge(cells: list[pa.Array] | None, problems: pa.Array | None, blank: list[bool],
           invalid: list[tuple[int, str]], first: int, width: int, delimiter: str
           ) -> tuple[list[pa.Array], pa.Array, list[bool]]:
    """The rows pyarrow parsed and the ones it set aside (parsed again by Python's csv module), in file
    order; `first` is the CSV row number of the first of them."""
    if not invalid:
        return cells, problems, blank
    raw = [next(csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"', doublequote=True), [])
           for _, text in invalid]
    extra = [_csv_cells(cells_, width) for cells_ in raw]
    parsed, total = len(blank), len(blank) + len(invalid)
    places = [row - first for row, _ in invalid]
    order = np.empty(total, dtype=np.int64)    # position in the file → index into parsed rows ++ set-aside rows
    order[places] = np.arange(parsed, total)
    order[np.setdiff1d(np.arange(total), places)] = np.arange(parsed)
    indices = pa.array(order)
    extra_cells = [pa.array([values[i] for values, _ in extra], pa.string()) for i in range(width)]
    extra_problems = pa.array([problem for _, problem in extra], pa.string())
    if cells is None:
        cells, problems = [pa.array([], pa.string())] * width, pa.array([], pa.string())
    merged = [pc.take(pa.concat_arrays([c, e]), indices) for c, e in zip(cells, extra_cells)]
    every_blank = [*blank, *(_is_blank(r) for r in raw)]
    return merged, pc.take(pa.concat_arrays([problems, extra_problems]), indices), [every_blank[i] for i in order]


def _parse_parquet(uri: str, path: str, delimiter: str, spool: IO[bytes]) -> tuple[list[str], int, pa.Table]:
    import pyarrow.parquet as pq

    try:
        with fsspec.open(path, "rb") as handle:
            parquet = pq.ParquetFile(handle)
            columns = [c.strip().lower() for c in parquet.schema_arrow.names]
            if len(set(columns)) != len(columns):
                raise FeedFormatError(f"{uri}: duplicate column names")
            spooler = _Spooler(columns, spool)
            number = 0
            for batch in parquet.iter_batches(batch_size=_RECORD_BATCH):
                values = [[_text(v) for v in column.to_pylist()] for column in batch.columns]
                records = []
                for row in zip(*values):
                    number += 1
                    problem = _nested_problem(columns, row)
                    records.append((*[None if isinstance(v, NestedValue) else v for v in row], number, problem, None))
                spooler.write_records(records)
            return columns, number, spooler.close()
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


def _parse_jsonl(uri: str, path: str, delimiter: str, spool: IO[bytes]) -> tuple[list[str], int, pa.Table]:
    # The columns are the union of every object's names, known only at the end of the file: JSON Lines
    # is read twice (names, then rows). Feeds this large come as CSV or Parquet.
    columns: list[str] = []
    parsed = readable = 0
    for _number, value, problem, _raw in _jsonl_objects(path):
        parsed += 1
        if problem is None:
            readable += 1
            columns.extend(k for k in value if k not in columns)
    if parsed and not readable:
        raise FeedFormatError(f"{uri}: not valid JSON Lines (no line parses as a JSON object)")
    spooler = _Spooler(columns, spool)
    records: list[tuple] = []
    for number, value, problem, raw in _jsonl_objects(path):
        if problem:
            records.append((*[None] * len(columns), number, problem, raw))
        else:
            values = [_text(value.get(c)) for c in columns]
            problem = _nested_problem(columns, values)
            records.append((*[None if isinstance(v, NestedValue) else v for v in values], number, problem,
                            raw if problem else None))
        if len(records) >= _RECORD_BATCH:
            spooler.write_records(records)
            records = []
    spooler.write_records(records)
    return columns, parsed, spooler.close()


def parse_timestamp(text) -> dt.datetime | None:
    """ISO-8601 date or date-time; naive values are taken as UTC."""
    if text is None:
        return None
    value = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def to_canonical(rows: pd.DataFrame) -> tuple[pa.Table, dict[int, str]]:
    """Validated, prepared feed rows (`attributes` is the JSON the suite built) → a pyarrow Table of
    canonical Products (decimals, booleans, UTC times), and the rows that could not be converted after
    all ({row: reason}): those are quarantined, never raised. Column by column: each conversion runs once
    per distinct value of its column."""
    from retail_sync.canonical.keys import product_key
    from retail_sync.canonical.money import DECIMAL_TEXT, MONEY, parse_money
    from retail_sync.canonical.product import PRODUCT_SCHEMA
    from retail_sync.feeds.distinct_values import map_distinct

    row_ids = rows["_row"].to_numpy(dtype="int64")
    failures: dict[int, str] = {}

    def text(name: str) -> pa.Array:
        if name not in rows:
            return pa.nulls(len(row_ids), pa.string())
        return pa.array(rows[name].to_numpy(dtype=object), pa.string(), from_pandas=True)

    def each(name: str, convert, result_type: pa.DataType) -> pa.Array:
        values = text(name)
        converted, failed = map_distinct(values, convert, result_type)
        if failed:   # name the rows, in row order, with the first column that failed them
            for row, value in zip(row_ids.tolist(), values.to_pylist()):
                if value in failed:
                    exc = failed[value]
                    failures.setdefault(row, f"{name} {value!r} does not convert: {type(exc).__name__}: {exc}"[:300])
        return converted

    def money(name: str) -> pa.Array:
        values = text(name)
        # When every value has parse_money's form, cast them in one go; otherwise value by value.
        if pc.all(pc.match_substring_regex(values, DECIMAL_TEXT.pattern)).as_py() in (True, None):
            return values.cast(MONEY)
        return each(name, parse_money, MONEY)

    seconds = pa.timestamp("s", tz="UTC")
    skus = text("sku")
    columns = {
        "key": pc.binary_join_element_wise(product_key(""), skus, ""), "sku": skus, "parent_key": text("parent_key"),
        "name": text("name"), "description": text("description"),
        "category_path": each("category_path", lambda v: "/".join(level.strip() for level in v.split("/")),
                              pa.string()),
        "list_price": money("list_price"), "cost": money("cost"),
        "currency": each("currency", str.upper, pa.string()), "barcode": text("barcode"),
        "tax_class": each("tax_class", str.lower, pa.string()),
        "active": each("active", lambda v: BOOLEAN_WORDS[v.lower()], pa.bool_()),
        "weight": each("weight", float, pa.float64()), "attributes": text("attributes"),
        "promo_price": money("promo_price"),
        "promo_start": each("promo_start", lambda v: whole_seconds(parse_timestamp(v)), seconds),
        "promo_end": each("promo_end", lambda v: whole_seconds(parse_timestamp(v)), seconds),
        "source_row": pa.array(row_ids, pa.int64()),
    }
    try:
        table = pa.table(columns, schema=PRODUCT_SCHEMA)
        if failures:
            table = table.filter(pa.array([row not in failures for row in row_ids.tolist()]))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:   # a value of the wrong kind: find its rows one by one
        if len(row_ids) > 1:
            return _row_by_row(rows, failures)
        failures.setdefault(int(row_ids[0]), f"row does not convert: {exc}"[:300])
        return PRODUCT_SCHEMA.empty_table(), failures
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
