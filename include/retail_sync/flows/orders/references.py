"""What a page of orders needs to find in Odoo before it can be mapped: products by SKU, the sale taxes,
a pricelist per currency, the journals payments are registered in. Each is one search per page (taxes,
pricelists and journals are small tables: read whole), and a missing one is said in words a person can act on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from retail_sync.flows.orders.settings import OrderSettings
from retail_sync.odoo.client import OdooClient

CENT = Decimal("0.01")


class MissingReference(Exception):
    """Something the order needs is not in Odoo (a tax, a pricelist, a journal, a product)."""


@dataclass(frozen=True)
class SaleTax:
    id: int
    name: str
    rate: Decimal          # percent
    included: bool


def tax_label(rate: Decimal, included: bool) -> str:
    """How settings name a rate and inclusion: "21%/included"."""
    return f"{rate.normalize():f}%/{'included' if included else 'excluded'}"


class References:
    def __init__(self, client: OdooClient, settings: OrderSettings):
        self.client, self.settings = client, settings
        self._products: dict[str, int] = {}
        self._taxes: list[SaleTax] | None = None
        self._pricelists: dict[str, int] | None = None
        self._journals: dict[str, int] | None = None

    # ------------------------------------------------------------------ products
    def find_products(self, skus: Iterable[str]) -> dict[str, int]:
        """product.product id by default_code for these SKUs and the shipping product (one search for those
        not asked before); an SKU held by several products goes to the oldest."""
        wanted = sorted({s for s in skus if s} | {self.settings.shipping_sku} - set(self._products))
        if wanted:
            rows = self.client.call("product.product", "search_read", [["default_code", "in", wanted]],
                                    ["default_code"], order="id")
            for row in rows:
                self._products.setdefault(row["default_code"], row["id"])
        return dict(self._products)

    def product(self, sku: str) -> int:
        if sku not in self._products:
            raise MissingReference(f"no product with internal reference (default_code) {sku!r} in Odoo")
        return self._products[sku]

    # ------------------------------------------------------------------ taxes
    def taxes(self) -> list[SaleTax]:
        if self._taxes is None:
            modern = self.client.version >= 18
            inclusion = "price_include_override" if modern else "price_include"
            rows = self.client.call("account.tax", "search_read",
                                    [["type_tax_use", "=", "sale"], ["amount_type", "=", "percent"]],
                                    ["name", "amount", inclusion, "company_id"], order="sequence, id")
            defaults = self._company_inclusion({r["company_id"][0] for r in rows if r["company_id"]}) if modern else {}
            self._taxes = []
            for r in rows:
                if modern:
                    setting = r[inclusion] or defaults.get(r["company_id"][0] if r["company_id"] else None)
                    included = setting == "tax_included"
                else:
                    included = bool(r[inclusion])
                self._taxes.append(SaleTax(r["id"], r["name"], Decimal(str(r["amount"])), included))
        return self._taxes

    def _company_inclusion(self, companies: set[int]) -> dict[int, str]:
        """18+: a tax without its own `price_include_override` follows its company's default."""
        if not companies:
            return {}
        rows = self.client.call("res.company", "read", sorted(companies), ["account_price_include"])
        return {r["id"]: r["account_price_include"] for r in rows}

    def tax_for(self, base: Decimal, tax: Decimal, included: bool, rate_hint: float | None) -> list[int]:
        """The sale tax that turns `base` (the line's amount after discount: with tax when `included`) into
        `tax`, within a cent; none for an untaxed line. Raises MissingReference when Odoo has none."""
        if tax == 0 and not rate_hint:
            return []
        hint = (Decimal(str(rate_hint)) * 100).quantize(CENT) if rate_hint else None
        derived = _rate_of(base, tax, included)
        wanted_rate = hint if hint is not None else derived.quantize(CENT)
        named = self.settings.taxes.get(tax_label(wanted_rate, included))
        candidates = [t for t in self.taxes() if t.included == included and (named is None or t.name == named)]
        fitting = [t for t in candidates if abs(_tax_at(base, t.rate, included) - tax) <= CENT]
        if hint is not None and any(t.rate == hint for t in fitting):
            fitting = [t for t in fitting if t.rate == hint]
        if not fitting:
            what = f"named {named!r} " if named else ""
            raise MissingReference(
                f"no sale tax {what}of {wanted_rate.normalize():f}% ({'included in' if included else 'excluded from'} "
                f"the price) in Odoo that gives {tax} on {base}: create it, or name the tax to use in the order "
                f"settings' taxes ({tax_label(wanted_rate, included)!r})")
        best = min(fitting, key=lambda t: (abs(t.rate - derived), t.id))
        return [best.id]

    # ------------------------------------------------------------------ pricelists
    def pricelist(self, currency: str) -> int:
        if self._pricelists is None:
            rows = self.client.call("product.pricelist", "search_read", [], ["name", "currency_id"], order="id")
            self._pricelists = {}
            named = {name: code for code, name in self.settings.pricelists.items()}
            for row in rows:
                code = row["currency_id"][1] if row["currency_id"] else None
                if row["name"] in named and named[row["name"]] == code:
                    self._pricelists[code] = row["id"]
            for row in rows:
                code = row["currency_id"][1] if row["currency_id"] else None
                if code and code not in self.settings.pricelists:
                    self._pricelists.setdefault(code, row["id"])
        if currency not in self._pricelists:
            named = self.settings.pricelists.get(currency)
            raise MissingReference(
                f"no pricelist {named!r} in {currency} in Odoo" if named else
                f"no pricelist in {currency} in Odoo: create one (Sales > Products > Pricelists) so {currency} "
                "orders can be loaded")
        return self._pricelists[currency]

    # ------------------------------------------------------------------ journals
    def journal(self, gateway: str | None) -> int:
        if self._journals is None:
            codes = sorted({*self.settings.journals.values(), self.settings.default_journal})
            rows = self.client.call("account.journal", "search_read", [["code", "in", codes]], ["code"], order="id")
            self._journals = {}
            for row in rows:
                self._journals.setdefault(row["code"], row["id"])
        code = self.settings.journal_code(gateway)
        if code not in self._journals:
            raise MissingReference(f"no journal with code {code!r} in Odoo for payments through {gateway or 'an unnamed gateway'!r}")
        return self._journals[code]


def _rate_of(base: Decimal, tax: Decimal, included: bool) -> Decimal:
    net = base - tax if included else base
    return (tax / net * 100) if net else Decimal(0)


def _tax_at(base: Decimal, rate: Decimal, included: bool) -> Decimal:
    if included:
        return base - base / (1 + rate / 100)
    return base * rate / 100
