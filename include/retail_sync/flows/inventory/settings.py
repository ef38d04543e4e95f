"""Settings of the inventory flow: where the history lives, page sizes, the snapshot's gates, and which
channel location shows which warehouse's stock."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ChannelTarget:
    """One store to keep in step: its Airflow connection, which Odoo warehouses feed which of its locations
    (a Shopify location gid, or "store" for WooCommerce's single stock), and the units held back."""

    conn_id: str
    locations: dict[str, str]             # warehouse code -> channel location id
    safety_buffer: int = 0                # the channel shows available − buffer, never below zero

    @classmethod
    def from_dict(cls, data: dict) -> ChannelTarget:
        unknown = set(data) - {"conn_id", "locations", "safety_buffer"}
        if unknown:
            raise ValueError(f"inventory channel settings: unknown keys {sorted(unknown)}")
        buffer = data.get("safety_buffer", 0)
        if not isinstance(buffer, int) or buffer < 0:
            raise ValueError(f"inventory channel {data.get('conn_id')!r}: safety_buffer must be a whole number "
                             f"≥ 0, not {buffer!r}")
        if not data.get("conn_id") or not isinstance(data.get("locations"), dict) or not data["locations"]:
            raise ValueError("inventory channel settings need conn_id and a non-empty locations mapping")
        return cls(str(data["conn_id"]), {str(k): str(v) for k, v in data["locations"].items()}, buffer)


@dataclass(frozen=True)
class InventorySettings:
    staging_root: Path
    history: str | None = None             # the snapshot dataset (path or fsspec URL); None: under staging_root
    docs_root: Path | None = None          # GX Data Docs are built here when set (failing validations only)
    flow: str = "inventory"
    page_size: int = 5000                  # stock.quant records per search_read
    min_row_ratio: float = 0.5             # a snapshot below this share of the previous one's rows is blocked
    max_row_ratio: float = 10.0            # … and above this multiple
    allow_negative: str = ""               # warehouse codes (comma-separated) where negative available is normal
    push_batch: int = 250                  # levels per write call (Shopify takes 250, WooCommerce 100)
    compare_attempts: int = 3              # re-reads of levels that moved while a compare-and-set was on its way
    channels: tuple[ChannelTarget, ...] = field(default_factory=tuple)

    @property
    def history_root(self) -> str:
        return self.history or str(Path(self.staging_root) / self.flow / "snapshots")

    @property
    def negative_allowed(self) -> set[str]:
        return {code.strip() for code in self.allow_negative.split(",") if code.strip()}

    def channel(self, conn_id: str) -> ChannelTarget:
        for target in self.channels:
            if target.conn_id == conn_id:
                return target
        raise KeyError(f"no inventory channel settings for connection {conn_id!r}")
