"""Customer records → the standardized columns the linkage model compares.

Input columns (every one optional but `id`): INPUT_COLUMNS. Emails, phones and names go through the same
functions as the order flow's customer matching (`canonical/contacts.py`), so "the same email" means the
same thing in both flows:

- names: case, accents, whitespace folded (`name_key`); a given name's common nickname read as its full form
  (`given_name_key`: Bob → robert);
- email: `normalize_email`, then `mailbox_key` (Gmail's documented dots and `+tags` only); an address that
  cannot be delivered to is treated as missing;
- phone: E.164 by `normalize_phone`, national numbers read in the record's country; unreadable → missing;
- street: folded like a name, punctuation dropped, common abbreviations spelled out (St → street,
  Kerkstr. → kerkstraat in BE/NL, Hauptstr. → hauptstrasse in DE/AT/CH; ß is read as ss); a house number
  written inside the street ("Kerkstraat 12", "12 Main St") is split out when `house_number` is empty;
- house number: lower case without spaces ("12 A" → "12a"); postcode: upper case without spaces or dashes,
  a US ZIP+4 cut to its five-digit ZIP; country: ISO alpha-2 upper case;
- date of birth: ISO `YYYY-MM-DD` (or a date/timestamp column); any other spelling, or a date outside
  1900..today, is treated as missing rather than guessed (is 03/04/1980 March or April?).

Each function runs once per distinct value (a customer base repeats names, cities and domains), which
keeps a million rows to seconds for everything but phone parsing (~30 µs a number, most numbers distinct):
a large table is standardized in slices by one process per core (measured at 1,000,000 records: 44 s of
CPU, the largest single part of a link), a small one in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from retail_sync.canonical.contacts import given_name_key, mailbox_key, name_key, normalize_email, normalize_phone

INPUT_COLUMNS = ("id", "given_name", "family_name", "email", "phone", "street", "house_number", "city",
                 "postcode", "state", "country", "date_of_birth")
STANDARD_COLUMNS = ("unique_id", "given_name", "family_name", "full_name", "email", "phone", "street",
                    "house_number", "street_prefix", "postcode", "city", "state", "country", "address",
                    "date_of_birth", "birth_year")
STREET_WORDS = {"st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "blvd": "boulevard", "ln": "lane",
                "dr": "drive", "sq": "square", "pl": "place", "ct": "court"}
# "-str." ends a Dutch "-straat" or a German "-straße" depending on the country.
STR_SUFFIX = {"BE": "straat", "NL": "straat", "DE": "strasse", "AT": "strasse", "CH": "strasse"}
PUNCTUATION = re.compile(r"[.,;:'\"/\\()\-]+")
NUMBER_LAST = re.compile(r"^(.*\D)\s+(\d+\s?[a-z]?(?:\s?(?:bus|box)\s?\w+)?)$")
NUMBER_FIRST = re.compile(r"^(\d+\s?[a-z]?)\s+(\D.*)$")
STREET_PREFIX = 4        # characters of the street name compared by the street-prefix blocking rule
# Rows from which slices go to other processes: below it, starting them (~1 s) costs more than it saves.
PARALLEL_MIN_ROWS = 100_000


class InputError(ValueError):
    """The customer file cannot be linked as given (no id column, empty or repeated ids)."""


def standardize(table: pa.Table, workers: int | None = None) -> pa.Table:
    """The standardized table (STANDARD_COLUMNS, strings) of a table with some of INPUT_COLUMNS.

    `workers`: processes that standardize a slice each (default: one per core from PARALLEL_MIN_ROWS rows,
    else this process alone). The result is the same either way: each row is standardized on its own."""
    if "id" not in table.column_names:
        raise InputError(f"the input has no 'id' column (it has: {', '.join(table.column_names) or 'none'}); "
                         f"every record needs an id")
    ids = pc.cast(table.column("id"), pa.string())
    if ids.null_count or pc.any(pc.equal(pc.utf8_trim_whitespace(ids), "")).as_py():
        raise InputError("some records have an empty id; every record needs one")
    if pc.count_distinct(ids).as_py() != len(ids):
        raise InputError("ids repeat: every record needs its own id")
    if workers is None:
        workers = (os.cpu_count() or 1) if table.num_rows >= PARALLEL_MIN_ROWS else 1
    if workers <= 1:
        return _standardized(table)
    size = -(-table.num_rows // workers)
    # Copies of the slices, so each process is sent its rows only. Forked, not spawned: a spawned child
    # re-imports the caller's __main__ (an unguarded script would run again; Airflow's CLI costs seconds),
    # and a forked one runs only this module's pure functions, no lock another thread may hold.
    slices = [table.slice(start, size).combine_chunks() for start in range(0, table.num_rows, size)]
    with ProcessPoolExecutor(len(slices), mp_context=multiprocessing.get_context("fork")) as pool:
        return pa.concat_tables(pool.map(_standardized, slices))


def _standardized(table: pa.Table) -> pa.Table:
    ids = pc.cast(table.column("id"), pa.string())
    n = table.num_rows

    def column(name: str) -> pa.ChunkedArray:
        if name not in table.column_names:
            return pa.chunked_array([pa.nulls(n, pa.string())])
        return pc.cast(table.column(name), pa.string()) if name != "date_of_birth" else table.column(name)

    country = _per_value(column("country"), _country)
    given = _per_value(column("given_name"), given_name_key)
    family = _per_value(column("family_name"), name_key)
    email = _per_value(column("email"), lambda text: mailbox_key(normalize_email(text).normalized))
    phone = _per_value(_joined(column("phone"), country), _phone)
    street_number = _per_value(_joined(_joined(column("street"), column("house_number")), country), _street_number)
    street = pc.list_element(pc.split_pattern(street_number, "\x1f"), 0)
    house_number = pc.list_element(pc.split_pattern(street_number, "\x1f", max_splits=1), 1)
    street, house_number = _blank_to_null(street), _blank_to_null(house_number)
    postcode = _per_value(_joined(column("postcode"), country), _postcode)
    city = _per_value(column("city"), name_key)
    dob = _date_of_birth(column("date_of_birth"))
    return pa.table({
        "unique_id": ids,
        "given_name": given,
        "family_name": family,
        "full_name": pc.binary_join_element_wise(given, family, " "),
        "email": email,
        "phone": phone,
        "street": street,
        "house_number": house_number,
        "street_prefix": pc.utf8_slice_codeunits(street, 0, STREET_PREFIX),
        "postcode": postcode,
        "city": city,
        "state": _per_value(column("state"), name_key),
        "country": country,
        # One address, as households and offices share it: its frequency weighs an agreement on it.
        "address": _address(street, house_number, postcode),
        "date_of_birth": dob,
        "birth_year": pc.utf8_slice_codeunits(dob, 0, 4),
    })


def _per_value(values: pa.ChunkedArray, fn: Callable[[str], str | None]) -> pa.Array:
    """`fn` applied once per distinct value, the results spread back over the rows."""
    encoded = pc.dictionary_encode(values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values)
    results = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return pc.take(results, encoded.indices)


def _joined(left: pa.ChunkedArray | pa.Array, right: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Two columns as one "left\\x1fright" text (a null side as empty), so `_per_value` sees pairs."""
    return pc.binary_join_element_wise(pc.fill_null(left, ""), pc.fill_null(right, ""), "\x1f")


def _address(street: pa.Array, house_number: pa.Array, postcode: pa.Array) -> pa.Array:
    """Street, number and postcode as one text; null without a street or a postcode (a house number
    alone, or a street in no known place, is not an address)."""
    joined = pc.binary_join_element_wise(street, pc.fill_null(house_number, ""), postcode, " ")
    return pc.replace_substring(joined, "  ", " ")


def _blank_to_null(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _country(text: str | None) -> str | None:
    code = (text or "").strip().upper()
    return code if len(code) == 2 and code.isalpha() else None


def _phone(pair: str) -> str | None:
    text, country = pair.split("\x1f")
    return normalize_phone(text or None, country or None, check_valid=False).e164


def _street_number(triple: str) -> str:
    """"street\\x1fhouse number" standardized from "street\\x1fhouse number\\x1fcountry"."""
    street_text, number_text, country = triple.split("\x1f")
    street = " ".join(PUNCTUATION.sub(" ", name_key(street_text) or "").split())
    number = "".join((name_key(number_text) or "").split())
    if street and not number:
        if found := NUMBER_LAST.match(street):
            street, number = found.group(1).strip(), "".join(found.group(2).split())
        elif found := NUMBER_FIRST.match(street):
            number, street = "".join(found.group(1).split()), found.group(2).strip()
    words = [STREET_WORDS.get(word, word) for word in street.split()]
    if words and words[-1].endswith("str") and country in STR_SUFFIX:
        words[-1] = words[-1][:-3] + STR_SUFFIX[country]
    return f"{' '.join(words)}\x1f{number}"


def _postcode(pair: str) -> str | None:
    text, country = pair.split("\x1f")
    code = "".join(ch for ch in text.upper() if ch.isalnum())
    if country == "US" and len(code) == 9 and code.isdigit():
        code = code[:5]          # ZIP+4: the ZIP names the delivery area
    return code or None


def _date_of_birth(values: pa.ChunkedArray) -> pa.Array:
    values = values.combine_chunks()
    if pa.types.is_timestamp(values.type):
        values = pc.cast(values, pa.date32())
    if pa.types.is_date(values.type):
        dates = pc.cast(values, pa.date32())
    else:
        text = pc.utf8_trim_whitespace(pc.cast(values, pa.string()))
        stamps = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        dates = pc.cast(stamps, pa.date32())
    plausible = pc.and_(pc.greater_equal(dates, pa.scalar(date(1900, 1, 1))),
                        pc.less_equal(dates, pa.scalar(date.today())))
    return pc.cast(pc.if_else(plausible, dates, pa.scalar(None, pa.date32())), pa.string())
