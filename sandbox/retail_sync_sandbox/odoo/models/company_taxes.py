"""The company settings taxes are computed with, and the taxes of a line in the form `taxes.py` takes.

17 says on each tax whether prices include it (`price_include`); 18 moved the default to the company
(`account_price_include`) with a per-tax `price_include_override` (`price_include` became a computed field
there, which the sandbox does not declare: `tax_specs` resolves it).
Sale orders and invoices call `tax_specs` and `rounding_settings`, then `taxes.compute_document`.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..fields import Selection
from ..model import Model
from ..taxes import ROUND_GLOBALLY, ROUND_PER_LINE, TaxSpec

PRICE_INCLUDE = [("tax_included", "Tax Included"), ("tax_excluded", "Tax Excluded")]


class ResCompanyTaxes(Model):
    _inherit = "res.company"

    tax_calculation_rounding_method = Selection(
        [(ROUND_PER_LINE, "Round per Line"), (ROUND_GLOBALLY, "Round Globally")], "Tax Calculation Rounding Method",
        default=ROUND_PER_LINE)
    account_price_include = Selection(PRICE_INCLUDE, "Default Sales Price Include", required=True,
                                      default="tax_excluded", versions=(18, 19))


def tax_specs(env, tax_ids: list[int]) -> list[TaxSpec]:
    """The taxes in the order Odoo applies them (sequence, then id), each with its rate and inclusion."""
    if not tax_ids:
        return []
    taxes, companies = env["account.tax"].table, env["res.company"].table
    columns = [taxes.c.id, taxes.c.amount]
    if env.version == 17:
        columns.append(taxes.c.price_include)
        query = sa.select(*columns).where(taxes.c.id.in_(tax_ids))
    else:
        columns += [taxes.c.price_include_override, companies.c.account_price_include]
        query = sa.select(*columns).join(companies, companies.c.id == taxes.c.company_id).where(taxes.c.id.in_(tax_ids))
    rows = env.conn.execute(query.order_by(taxes.c.sequence, taxes.c.id)).all()
    if env.version == 17:
        return [TaxSpec(r.id, r.amount, bool(r.price_include)) for r in rows]
    return [TaxSpec(r.id, r.amount, (r.price_include_override or r.account_price_include) == "tax_included")
            for r in rows]


def rounding_settings(env, company_id: int, currency_id: int | None) -> tuple[float, str]:
    """(the currency's rounding, the company's tax rounding method); the company currency by default.
    Read once per call (Env.cache) for each company and currency."""
    companies, currencies = env["res.company"].table, env["res.currency"].table
    known_companies = env.cache.setdefault("res.company", {})
    if ("rounding", company_id) not in known_companies:
        known_companies[("rounding", company_id)] = env.conn.execute(
            sa.select(companies.c.currency_id, companies.c.tax_calculation_rounding_method)
            .where(companies.c.id == company_id)).one()
    company = known_companies[("rounding", company_id)]
    currency = currency_id or company.currency_id
    known_currencies = env.cache.setdefault("res.currency", {})
    if ("rounding", currency) not in known_currencies:
        known_currencies[("rounding", currency)] = env.conn.scalar(
            sa.select(currencies.c.rounding).where(currencies.c.id == currency))
    return known_currencies[("rounding", currency)] or 0.01, company.tax_calculation_rounding_method or ROUND_PER_LINE
