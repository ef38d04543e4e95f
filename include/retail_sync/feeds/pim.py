"""The merchandising (PIM) feed: CSV, Parquet or JSON Lines, one row per sellable SKU.

Reading never loses a row: a file that cannot be read at all raises `FeedFormatError` (the whole
file is rejected and reported); a row that can be read but not trusted (wrong field count, bytes
that are not UTF-8, a broken JSON line) comes back with `_problem` set, to be quarantined.
Every value comes back as text; typing and checking is validation's job.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass

import fsspec
import pandas as pd

REQUIRED_COLUMNS = ("sku", "parent_key", "name", "category_path", "list_price", "currency", "tax_class", "active")
OPTIONAL_COLUMNS = ("description", "cost", "barcode", "weight", "promo_price", "promo_start", "promo_end")
ATTRIBUTE_PREFIX = "attr_"     # attr_size, attr_colour: the variant attributes
FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "y": True, "false": False, "0": False, "no": False, "n": False}


class FeedFormatError(ValueError):
    """The file cannot be taken in at all; nothing of it is loaded."""

    fingerprint: str | None = None


@dataclass
class Feed:
    uri: str
    fingerprint: str          # sha256 of the file's bytes: the same file is processed once
    rows: pd.DataFrame        # text columns + `_row` (1-based data row), `_problem`, `_raw` (unparsed line)

    @property
    def attribute_columns(self) -> list[str]:
        return [c for c in self.rows.columns if c.startswith(ATTRIBUTE_PREFIX)]


def feed_format(uri: str) -> str:
    for suffix, kind in FORMATS.items():
        if uri.lower().endswith(suffix):
            return kind
    raise FeedFormatError(f"{uri}: unknown feed format; name the file .csv, .parquet or .jsonl")


def read_feed(uri: str) -> Feed:
    with fsspec.open(uri, "rb") as handle:
        data = handle.read()
    fingerprint = hashlib.sha256(data).hexdigest()
    try:
        kind = feed_format(uri)
        if not data.strip():
            raise FeedFormatError(f"{uri}: the feed is empty")
        reader = {"csv": _read_csv, "parquet": _read_parquet, "jsonl": _read_jsonl}[kind]
        records, columns = reader(uri, data)
        _check_columns(uri, columns)
        if not records:
            raise FeedFormatError(f"{uri}: the feed has a header but no rows")
    except FeedFormatError as exc:
        exc.fingerprint = fingerprint  # a rejected file is remembered by its bytes, too
        raise
    frame = pd.DataFrame.from_records(records, columns=[*columns, "_row", "_problem", "_raw"])
    frame = frame.astype(object).where(frame.notna(), None)
    return Feed(uri, fingerprint, frame)


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
    text = str(value).strip()
    return text or None


def _read_csv(uri: str, data: bytes) -> tuple[list[dict], list[str]]:
    # surrogateescape keeps undecodable bytes visible, so one bad row is quarantined, not the file.
    text = data.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise FeedFormatError(f"{uri}: not valid CSV: {exc}") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise FeedFormatError(f"{uri}: the feed is empty")
    header = [h.strip().lower() for h in rows[0]]
    if _has_surrogates(" ".join(header)):
        raise FeedFormatError(f"{uri}: the header is not valid UTF-8")
    records = []
    for number, row in enumerate(rows[1:], start=1):
        record = {c: _text(v) for c, v in zip(header, row)}
        problem = None
        if len(row) != len(header):
            problem = f"row has {len(row)} fields, the header has {len(header)}"
        elif any(_has_surrogates(v) for v in row):
            problem = "row contains bytes that are not valid UTF-8"
            record = {c: (v.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if v else v)
                      for c, v in record.items()}
        records.append({**record, "_row": number, "_problem": problem})
    return records, header


def _has_surrogates(value: str | None) -> bool:
    return bool(value) and any("\udc80" <= ch <= "\udcff" for ch in value)


def _read_parquet(uri: str, data: bytes) -> tuple[list[dict], list[str]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise FeedFormatError(f"{uri}: not a valid Parquet file: {exc}") from None
    columns = [c.strip().lower() for c in table.column_names]
    records = [{**{c: _text(v) for c, v in zip(columns, row.values())}, "_row": n, "_problem": None}
               for n, row in enumerate(table.to_pylist(), start=1)]
    return records, columns


def _read_jsonl(uri: str, data: bytes) -> tuple[list[dict], list[str]]:
    records, columns = [], []
    lines = [line for line in data.split(b"\n") if line.strip()]
    parsed = []
    for number, line in enumerate(lines, start=1):
        try:
            value = json.loads(line.decode("utf-8"))
            if not isinstance(value, dict):
                raise ValueError("a JSON Lines row must be an object")
            value = {str(k).strip().lower(): v for k, v in value.items()}
            parsed.append((number, value, None))
            columns.extend(k for k in value if k not in columns)
        except (UnicodeDecodeError, ValueError) as exc:
            parsed.append((number, {"_raw": line.decode("utf-8", "replace")[:2000]}, f"not a valid JSON object: {exc}"))
    if all(problem for _n, _v, problem in parsed):
        raise FeedFormatError(f"{uri}: not valid JSON Lines (no line parses as a JSON object)")
    for number, value, problem in parsed:
        record = {c: _text(value.get(c)) for c in columns}
        records.append({**record, "_row": number, "_problem": problem, "_raw": value.get("_raw")})
    return records, columns


def parse_timestamp(text) -> dt.datetime | None:
    """ISO-8601 date or date-time; naive values are taken as UTC."""
    if text is None:
        return None
    value = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def attributes_of(row, attribute_columns: list[str]) -> dict[str, str]:
    """`attr_size` → "Size", `attr_fit_type` → "Fit Type"."""
    return {c[len(ATTRIBUTE_PREFIX):].replace("_", " ").title(): row[c] for c in attribute_columns
            if row[c] is not None}


def to_canonical(rows: pd.DataFrame, attribute_columns: list[str]):
    """Validated feed rows → a pyarrow Table of canonical Products (decimals, booleans, UTC times)."""
    import pyarrow as pa

    from retail_sync.canonical.keys import product_key
    from retail_sync.canonical.money import parse_money
    from retail_sync.canonical.product import PRODUCT_SCHEMA

    records = []
    for row in rows.to_dict("records"):
        records.append({
            "key": product_key(row["sku"]), "sku": row["sku"], "parent_key": row["parent_key"], "name": row["name"],
            "description": row.get("description"),
            "category_path": "/".join(level.strip() for level in row["category_path"].split("/")),
            "list_price": parse_money(row["list_price"]), "cost": parse_money(row.get("cost")),
            "currency": row["currency"].upper(), "barcode": row.get("barcode"),
            "tax_class": row["tax_class"].lower(), "active": BOOLEAN_WORDS[str(row["active"]).lower()],
            "weight": float(row["weight"]) if row.get("weight") else None,
            "attributes": json.dumps(attributes_of(row, attribute_columns), sort_keys=True, ensure_ascii=False),
            "promo_price": parse_money(row.get("promo_price")),
            "promo_start": parse_timestamp(row.get("promo_start")), "promo_end": parse_timestamp(row.get("promo_end")),
            "source_row": int(row["_row"]),
        })
    return pa.Table.from_pylist(records, schema=PRODUCT_SCHEMA)
