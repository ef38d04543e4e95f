"""Where the pipelines keep their files, from the environment (defaults under the Airflow home)."""

from __future__ import annotations

import os
from pathlib import Path

from retail_sync.flows.catalog.settings import CatalogSettings


def home() -> Path:
    return Path(os.environ.get("RETAIL_SYNC_HOME") or Path(os.environ.get("AIRFLOW_HOME", "~/airflow")).expanduser()
                / "retail_sync")


def catalog_landing() -> Path:
    return Path(os.environ.get("RETAIL_SYNC_CATALOG_LANDING") or home() / "landing" / "catalog")


def catalog_settings(**overrides) -> CatalogSettings:
    return CatalogSettings(staging_root=home() / "staging", landing=str(catalog_landing()),
                           docs_root=home() / "data_docs", **overrides)
