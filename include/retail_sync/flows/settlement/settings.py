"""Settings of the settlement flow: where its files go, which Odoo journal each provider settles into,
how long a payment may wait for its settlement, and how many keys one Odoo read carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Provider name -> the code of its bank journal in Odoo (the journal its payments are registered in).
DEFAULT_JOURNALS = {"stripe": "STRP", "shopify_payments": "SHPAY"}


@dataclass(frozen=True)
class SettlementSettings:
    staging_root: Path
    docs_root: Path | None = None          # GX Data Docs for failing validations, when set
    flow: str = "settlement"
    missing_after_days: int = 7            # an Odoo payment this old with no settlement is missing at the provider
    odoo_batch: int = 20_000               # keys per search_read (client_order_ref in [...], memo in [...])
    journals: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_JOURNALS))
    provider_conn_ids: dict[str, str] = field(default_factory=lambda: {"stripe": "stripe_default"})

    @property
    def providers(self) -> tuple[str, ...]:
        return tuple(sorted(self.provider_conn_ids))

    def journal_code(self, provider: str) -> str:
        if provider not in self.journals:
            raise KeyError(f"no Odoo journal configured for settlement provider {provider!r}")
        return self.journals[provider]

    @property
    def history_root(self) -> Path:
        """Per provider, the sources (charge/refund ids) already seen in a payout: what 'settled' means for
        the missing-at-provider check across runs and backfills."""
        return Path(self.staging_root) / self.flow / "settled"
