"""Settings of the catalog flow: where files come from and go, batch sizes, gates, and how tax classes map
to Odoo."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class CatalogSettings:
    staging_root: Path
    landing: str | None = None             # the landing folder (path or fsspec URL); None: staging_root/landing
    docs_root: Path | None = None          # GX Data Docs are built here when set
    flow: str = "catalog"
    # Rows per writing call (load): Odoo's work, and the time its transaction holds locks, grows with it, while each
    # call costs the client ~1 ms of its own. Odoo's own import sends 2,000 rows per load() (base_import's `limit`).
    chunk_size: int = 1000
    # Keys per reading call (external ids, variants, codes) and per external-id create: cheap for Odoo whatever
    # their size, while each call costs the client ~1 ms of its own, so a first load reads in few large calls.
    read_chunk_size: int = 5000
    csv_delimiter: str = ","               # CSV is RFC 4180 (double quotes, doubled inside); only this varies
    settle_seconds: float = 2.0            # a file is taken once unchanged (size, mtime) for this long
    validate_batch_rows: int = 50_000      # rows validated at a time: memory follows this, not the file
    max_quarantine_share: float = 0.25     # above this share of bad rows the whole file is blocked
    min_row_ratio: float = 0.5             # a feed with fewer rows than this share of the last one is blocked
    root_category: str = "product.product_category_all"
    pricelist: str = "product.list0"       # where per-variant prices and promotions go
    claim_lease_seconds: float = 3600.0    # a run that claimed a file and went silent this long loses it
    order_wait_seconds: float = 600.0      # how long a file waits for earlier-landed files before it defers
    order_poll_seconds: float = 1.0
    tax_classes: dict[str, str] = field(default_factory=lambda: {
        "standard": "retail_sync.tax_standard", "reduced": "retail_sync.tax_reduced", "zero": "retail_sync.tax_zero"})

    @property
    def landing_folder(self) -> str:
        return self.landing or str(Path(self.staging_root) / "landing")
