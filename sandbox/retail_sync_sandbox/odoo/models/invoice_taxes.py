"""The amounts of one invoice line: account.tax.compute_all() for the tax kinds the sandbox ships.

Percentage taxes, price-included or not (17: `price_include`; 18+: `price_include_override`, an unset
override meaning excluded as the company default is), and fixed amounts per unit. Included taxes are
taken out of the price first, together (their rates add up), then the excluded ones are added on the
price without tax. Each tax is rounded to the currency on the line when the company rounds per line
(Odoo's default), and only in the invoice's tax totals when it rounds globally.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass
class LineAmounts:
    subtotal: float               # price_subtotal: without tax, rounded to the currency
    total: float                  # price_total
    taxes: dict[int, float]       # tax id -> amount (unrounded when the company rounds globally)


def round_currency(value: float, rounding: float) -> float:
    if not rounding:
        return value
    digits = len(f"{rounding:.10f}".rstrip("0").split(".")[1]) if rounding < 1 else 0
    return round(round(value / rounding) * rounding, digits)


def rounds_per_line(env) -> bool:
    company = env["res.company"].sudo()
    if "tax_calculation_rounding_method" not in company.spec.fields:
        return True
    method = company.read([1], ["tax_calculation_rounding_method"])[0]["tax_calculation_rounding_method"]
    return method != "round_globally"


def _tax_rows(env, tax_ids: list[int]) -> list[dict]:
    taxes = env["account.tax"].sudo()
    included = "price_include" if env.version == 17 else "price_include_override"
    t = taxes.table
    rows = env.conn.execute(sa.select(t.c.id, t.c.amount, t.c.amount_type, t.c[included].label("included"),
                                      t.c.sequence).where(t.c.id.in_(tax_ids))).mappings().all()
    ordered = sorted(rows, key=lambda r: (r["sequence"] or 0, r["id"]))
    return [{**r, "included": r["included"] in (True, "tax_included")} for r in ordered]


def line_amounts(env, price_unit: float, quantity: float, discount: float, tax_ids: list[int],
                 rounding: float) -> LineAmounts:
    per_line = rounds_per_line(env)

    def tax_round(value: float) -> float:
        return round_currency(value, rounding) if per_line else value

    gross = (price_unit or 0.0) * (1 - (discount or 0.0) / 100.0) * (quantity or 0.0)
    rows = _tax_rows(env, tax_ids) if tax_ids else []
    amounts: dict[int, float] = {}
    included = [r for r in rows if r["included"]]
    base = gross
    if included:
        fixed = sum(r["amount"] * (quantity or 0.0) for r in included if r["amount_type"] == "fixed")
        rate = sum(r["amount"] for r in included if r["amount_type"] != "fixed") / 100.0
        base = (gross - fixed) / (1 + rate)
        for r in included:
            share = r["amount"] * (quantity or 0.0) if r["amount_type"] == "fixed" else base * r["amount"] / 100.0
            amounts[r["id"]] = tax_round(share)
        # What is left of the price once the (rounded) included taxes are out of it is the subtotal.
        base = gross - sum(amounts.values())
    subtotal = round_currency(base, rounding)
    for r in rows:
        if r["included"]:
            continue
        share = r["amount"] * (quantity or 0.0) if r["amount_type"] == "fixed" else subtotal * r["amount"] / 100.0
        amounts[r["id"]] = tax_round(share)
    return LineAmounts(subtotal, subtotal + sum(amounts.values()), amounts)
