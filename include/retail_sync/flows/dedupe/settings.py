"""Settings of the customer dedupe flow: what confidence leads to which action, and the safety limits.

The linkage model's own settings (blocking, thresholds for pairs and clusters, backend) are separate
(`retail_sync.dedupe.settings`): the same file serves the DAG and the `link` command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DedupeFlowSettings:
    staging_root: Path
    flow: str = "dedupe"
    page_size: int = 2000                  # partners per search_read
    merge_threshold: float = 0.99          # at or above: merged in Odoo
    review_threshold: float = 0.8          # at or above (and below merge_threshold): the review queue
    max_merges: int = 50                   # partners merged away per run; a plan above it merges nothing
    # The integration user may merge partners whose emails differ only when Odoo lets it (an administrator,
    # base.group_erp_manager); otherwise such partners are held for review, as Odoo would refuse them.
    allow_different_emails: bool = False
    model_settings: str = ""               # JSON file of the linkage model's settings ("" = its defaults)

    def __post_init__(self) -> None:
        if not 0 < self.review_threshold <= self.merge_threshold <= 1:
            raise ValueError("thresholds must satisfy 0 < review_threshold <= merge_threshold <= 1")
        if self.max_merges < 0:
            raise ValueError("max_merges must be ≥ 0")
