"""The pipelines' settings from the environment: where they keep their files (defaults under the Airflow
home) and any catalog setting an operator needs to change without a code change."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from retail_sync.flows.catalog.settings import CatalogSettings

CATALOG_PREFIX = "RETAIL_SYNC_CATALOG_"
_SCALARS = {"int": int, "float": float, "str": str}


def home() -> Path:
    return Path(os.environ.get("RETAIL_SYNC_HOME") or Path(os.environ.get("AIRFLOW_HOME", "~/airflow")).expanduser()
                / "retail_sync")


def catalog_landing() -> Path:
    return Path(os.environ.get("RETAIL_SYNC_CATALOG_LANDING") or home() / "landing" / "catalog")


def scalar_overrides(cls, prefix: str) -> dict:
    """`PREFIX_<FIELD>` for each int/float/str field of a settings dataclass (RETAIL_SYNC_CATALOG_SETTLE_SECONDS,
    …); a value that is not of the field's type fails here, naming the variable, not deep in a run."""
    found = {}
    for spec in dataclasses.fields(cls):
        convert = _SCALARS.get(spec.type if isinstance(spec.type, str) else getattr(spec.type, "__name__", ""))
        raw = os.environ.get(prefix + spec.name.upper())
        if convert is None or raw is None or raw == "":
            continue
        try:
            found[spec.name] = convert(raw)
        except ValueError:
            raise ValueError(f"{prefix + spec.name.upper()}={raw!r} is not a {convert.__name__}") from None
    return found


def catalog_settings(**overrides) -> CatalogSettings:
    # RETAIL_SYNC_CATALOG_LANDING is the landing folder itself (above), not a field override.
    from_env = {k: v for k, v in scalar_overrides(CatalogSettings, CATALOG_PREFIX).items() if k != "landing"}
    return CatalogSettings(**{"staging_root": home() / "staging", "landing": str(catalog_landing()),
                              "docs_root": home() / "data_docs", **from_env, **overrides})
