"""Settings of the order load into Odoo: the shipping product, the journal each payment gateway is booked
in, the pricelist of each currency, and taxes named where finding them by rate is not enough."""

from __future__ import annotations

from dataclasses import dataclass, field

from retail_sync.odoo.loader import DEFAULT_CHUNK


@dataclass(frozen=True)
class OrderSettings:
    shipping_sku: str = "SHIP"                 # default_code of the product shipping lines are sold as
    # gateway (as the channel names it, lower case) -> account.journal code the payment is registered in
    journals: dict[str, str] = field(default_factory=lambda: {
        "stripe": "STRP", "shopify_payments": "SHPAY", "paypal": "PYPL", "ppcp-gateway": "PYPL",
        "bacs": "BNK1", "bank_transfer": "BNK1", "manual": "BNK1", "cod": "CSH1", "cash": "CSH1"})
    default_journal: str = "BNK1"              # a gateway not listed above
    # currency -> product.pricelist name; a currency not listed takes the first pricelist in that currency
    pricelists: dict[str, str] = field(default_factory=dict)
    # "<rate>%/<included|excluded>" (e.g. "21%/included") -> account.tax name, when several sale taxes share a
    # rate and inclusion (per country, say) and the one to use must be named
    taxes: dict[str, str] = field(default_factory=dict)
    # an order whose platform does not say whether its prices include tax is read this way
    taxes_included_by_default: bool = False
    chunk: int = DEFAULT_CHUNK

    def journal_code(self, gateway: str | None) -> str:
        return self.journals.get((gateway or "").strip().lower(), self.default_journal)
