"""Taxes and journals: what sales, bank and payment-provider postings are booked with."""

from __future__ import annotations

from ..fields import Boolean, Char, Float, Integer, Many2one, Selection
from ..model import Model


class AccountTax(Model):
    _name = "account.tax"
    _description = "Tax"
    _order = "sequence, id"

    name = Char("Tax Name", required=True)
    amount = Float("Amount", required=True, default=0.0, digits=(16, 4))
    amount_type = Selection([("group", "Group of Taxes"), ("fixed", "Fixed"), ("percent", "Percentage of Price"),
                             ("division", "Percentage of Price Tax Included")], "Tax Computation",
                            required=True, default="percent")
    type_tax_use = Selection([("sale", "Sales"), ("purchase", "Purchases"), ("none", "None")], "Tax Type",
                             required=True, default="sale")
    price_include = Boolean("Included in Price", default=False, versions=(17,))
    price_include_override = Selection([("tax_included", "Tax Included"), ("tax_excluded", "Tax Excluded")],
                                       "Included in Price", versions=(18, 19))
    description = Char("Label on Invoices")
    sequence = Integer("Sequence", default=1)
    company_id = Many2one("res.company", "Company", required=True, default=lambda env: 1)
    country_id = Many2one("res.country", "Country")
    active = Boolean("Active", default=True)


class AccountJournal(Model):
    _name = "account.journal"
    _description = "Journal"
    _order = "sequence, type, code"
    _unique = ((("code", "company_id"), "Journal codes must be unique per company."),)

    name = Char("Journal Name", required=True)
    code = Char("Short Code", size=5, required=True)
    type = Selection(lambda version: [("sale", "Sales"), ("purchase", "Purchase"), ("cash", "Cash"),
                                      ("bank", "Bank"), ("general", "Miscellaneous")]
                     + ([("credit", "Credit Card")] if version >= 18 else []), "Type", required=True)
    currency_id = Many2one("res.currency", "Currency")
    company_id = Many2one("res.company", "Company", required=True, default=lambda env: 1)
    sequence = Integer("Sequence", default=10)
    active = Boolean("Active", default=True)
    # The liquidity account a bank/cash journal books on, and where statement lines wait until reconciled.
    default_account_id = Many2one("account.account", "Default Account", ondelete="restrict")
    suspense_account_id = Many2one("account.account", "Suspense Account", ondelete="restrict")
