"""Catalog settings an operator changes through the environment (compose's .env), without a code change."""

from __future__ import annotations

import pytest

from retail_sync.airflow import settings


def test_scalar_catalog_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RETAIL_SYNC_HOME", str(tmp_path))
    monkeypatch.setenv("RETAIL_SYNC_CATALOG_SETTLE_SECONDS", "0.5")
    monkeypatch.setenv("RETAIL_SYNC_CATALOG_CSV_DELIMITER", ";")
    monkeypatch.setenv("RETAIL_SYNC_CATALOG_VALIDATE_BATCH_ROWS", "20000")
    monkeypatch.setenv("RETAIL_SYNC_CATALOG_LANDING", str(tmp_path / "drop"))
    got = settings.catalog_settings()
    assert (got.settle_seconds, got.csv_delimiter, got.validate_batch_rows) == (0.5, ";", 20000)
    assert got.landing == str(tmp_path / "drop")
    assert got.staging_root == tmp_path / "staging"


def test_unset_or_blank_variables_keep_the_defaults_and_arguments_win(monkeypatch, tmp_path):
    monkeypatch.setenv("RETAIL_SYNC_HOME", str(tmp_path))
    monkeypatch.setenv("RETAIL_SYNC_CATALOG_CHUNK_SIZE", "")
    monkeypatch.setenv("RETAIL_SYNC_CATALOG_SETTLE_SECONDS", "9")
    got = settings.catalog_settings(settle_seconds=0.0)
    assert got.chunk_size == 1000 and got.settle_seconds == 0.0


def test_a_value_of_the_wrong_type_names_the_variable(monkeypatch):
    monkeypatch.setenv("RETAIL_SYNC_CATALOG_CHUNK_SIZE", "five hundred")
    with pytest.raises(ValueError, match="RETAIL_SYNC_CATALOG_CHUNK_SIZE='five hundred' is not a int"):
        settings.catalog_settings()
