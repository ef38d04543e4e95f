"""Customer standardization for the dedupe model: each rule on the inputs it is for, and the bad inputs."""

from __future__ import annotations

import sys

import pyarrow as pa
import pytest

from retail_sync.canonical.contacts import given_name_key, mailbox_key, normalize_email
from retail_sync.dedupe.settings import DedupeSettings
from retail_sync.dedupe.standardize import STANDARD_COLUMNS, InputError, standardize


def one(**columns) -> dict:
    """The standardized row of a one-record table with these columns (and an id)."""
    table = pa.table({"id": ["1"], **{name: [value] for name, value in columns.items()}})
    return standardize(table).to_pylist()[0]


@pytest.mark.parametrize(("given", "key"), [
    ("Bob", "robert"), ("  LIZ ", "elizabeth"), ("Liz Ann", "elizabeth ann"), ("Sophia", "sophie"),
    ("Robert", "robert"), ("Zoë", "zoe"), ("José  María", "jose maria"),
    ("Jack", "jack"), ("Alex", "alex"),            # a name of its own, and an ambiguous short form: kept
])
def test_given_names_fold_case_accents_whitespace_and_nicknames(given, key):
    assert given_name_key(given) == key
    assert one(given_name=given)["given_name"] == key


def test_family_names_fold_but_keep_nicknames_alone():
    row = one(given_name="Bill", family_name="  Van  DIJK ")
    assert (row["given_name"], row["family_name"], row["full_name"]) == ("william", "van dijk", "william van dijk")
    assert one(family_name="Bill")["family_name"] == "bill"       # a family name is no nickname


@pytest.mark.parametrize(("given", "key"), [
    ("First.Last+shop@Gmail.com", "firstlast@gmail.com"),          # Gmail: dots and +tags ignored
    ("f.i.r.s.t.last@googlemail.com", "firstlast@gmail.com"),      # googlemail.com is gmail.com
    ("first.last+shop@example.com", "first.last+shop@example.com"),  # elsewhere both are significant
    ("first.last@workspace-domain.example", "first.last@workspace-domain.example"),
])
def test_gmail_rules_apply_to_gmail_only(given, key):
    assert mailbox_key(normalize_email(given).normalized) == key
    assert one(email=given)["email"] == key


def test_undeliverable_email_is_missing():
    assert one(email="anna peeters@@example.com")["email"] is None
    assert mailbox_key(None) is None


@pytest.mark.parametrize(("phone", "country", "e164"), [
    ("0470 12 34 56", "BE", "+32470123456"),
    ("+32 (0)470 12 34 56", "BE", "+32470123456"),
    ("0049 151 23456789", None, "+4915123456789"),
    ("(212) 555-0134", "US", "+12125550134"),
    ("07911 123456", "GB", "+447911123456"),
    ("0470 12 34 56", None, None),                 # a national number without its country cannot be read
    ("12", "BE", None),
])
def test_phones_to_e164(phone, country, e164):
    assert one(phone=phone, country=country)["phone"] == e164


@pytest.mark.parametrize(("street", "number", "country", "want_street", "want_number"), [
    ("Kerkstraat 12", None, "BE", "kerkstraat", "12"),
    ("Kerkstr.", "12", "BE", "kerkstraat", "12"),
    ("Hauptstraße 5a", None, "DE", "hauptstrasse", "5a"),
    ("Hauptstr.", "5 A", "DE", "hauptstrasse", "5a"),
    ("12 Main St.", None, "US", "main street", "12"),
    ("Church Rd", "7", "GB", "church road", "7"),
    ("Rue de l'Église", "3", "FR", "rue de l eglise", "3"),
])
def test_streets_and_house_numbers(street, number, country, want_street, want_number):
    row = one(street=street, house_number=number, country=country, postcode="1000")
    assert (row["street"], row["house_number"]) == (want_street, want_number)
    assert row["street_prefix"] == want_street[:4]
    assert row["address"] == f"{want_street} {want_number} 1000"


@pytest.mark.parametrize(("postcode", "country", "want"), [
    ("sw1a 1aa", "GB", "SW1A1AA"), ("1234 AB", "NL", "1234AB"), ("12345-6789", "US", "12345"),
    ("01067", "DE", "01067"), ("  ", "BE", None),
])
def test_postcodes(postcode, country, want):
    assert one(postcode=postcode, country=country)["postcode"] == want


def test_address_needs_street_and_postcode():
    assert one(street="Kerkstraat", postcode="1000")["address"] == "kerkstraat 1000"
    assert one(street="Kerkstraat 12")["address"] is None
    assert one(postcode="1000", house_number="12")["address"] is None


@pytest.mark.parametrize(("dob", "want"), [
    ("1980-03-04", "1980-03-04"), (" 1980-03-04 ", "1980-03-04"),
    ("03/04/1980", None),                      # day or month first? not guessed
    ("1850-01-01", None), ("2999-01-01", None), ("yesterday", None),
])
def test_dates_of_birth_iso_or_missing(dob, want):
    row = one(date_of_birth=dob)
    assert row["date_of_birth"] == want
    assert row["birth_year"] == (want[:4] if want else None)


def test_date_column_of_dates():
    from datetime import date

    table = pa.table({"id": ["1", "2"], "date_of_birth": pa.array([date(1980, 3, 4), None], pa.date32())})
    assert standardize(table)["date_of_birth"].to_pylist() == ["1980-03-04", None]


def test_every_column_but_id_is_optional():
    row = one()
    assert set(row) == set(STANDARD_COLUMNS)
    assert row["unique_id"] == "1" and all(row[c] is None for c in STANDARD_COLUMNS if c != "unique_id")


def test_numeric_ids_are_read_as_text():
    assert standardize(pa.table({"id": [7, 8]}))["unique_id"].to_pylist() == ["7", "8"]


@pytest.mark.parametrize(("table", "message"), [
    (pa.table({"customer": ["1"], "email": ["a@example.com"]}), "no 'id' column"),
    (pa.table({"id": ["1", None]}), "empty id"),
    (pa.table({"id": ["1", " "]}), "empty id"),
    (pa.table({"id": ["1", "1"]}), "ids repeat"),
])
def test_inputs_that_cannot_be_linked(table, message):
    with pytest.raises(InputError, match=message):
        standardize(table)


@pytest.mark.parametrize(("values", "message"), [
    ({"backend": "oracle"}, "backend"),
    ({"predict_threshold": 0.99, "cluster_threshold": 0.5}, "thresholds"),
    ({"prior_recall": 0}, "prior_recall"),
])
def test_settings_refuse_nonsense(values, message):
    with pytest.raises(ValueError, match=message):
        DedupeSettings(**values)


def test_settings_file_overrides_and_refuses_unknown_fields(tmp_path):
    good = tmp_path / "good.json"
    good.write_text('{"cluster_threshold": 0.97}')
    assert DedupeSettings.from_file(good).cluster_threshold == 0.97
    bad = tmp_path / "bad.json"
    bad.write_text('{"cluster_treshold": 0.97}')
    with pytest.raises(ValueError, match="cluster_treshold"):
        DedupeSettings.from_file(bad)


def test_a_table_standardized_in_slices_by_other_processes_is_the_same_as_in_one():
    from retail_sync_sandbox.datagen.customer_base import customer_base

    table = customer_base(3_001, seed=3).table      # an odd size: the slices differ by a row
    in_one = standardize(table, workers=1)
    assert standardize(table, workers=2).equals(in_one)
    assert in_one.num_rows == 3_001 and in_one["phone"].null_count < 3_001


def test_the_spark_backend_without_pyspark_says_what_to_install(monkeypatch):
    from retail_sync.dedupe.model import database_api

    monkeypatch.setitem(sys.modules, "pyspark", None)       # as on a machine without it (import fails)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(RuntimeError, match="needs pyspark"):
        database_api(DedupeSettings(backend="spark"))
