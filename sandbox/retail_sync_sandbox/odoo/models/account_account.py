"""The chart of accounts (account.account): what journal items are booked on.

The sandbox keeps the handful of accounts a retail company's postings need (bank and provider
liquidity, the bank suspense account, outstanding receipts, receivable, sales, fees). 17 gives an
account one company (`company_id`); 18 and 19 let several companies share it (`company_ids`).
"""

from __future__ import annotations

from ..fields import Boolean, Char, Many2many, Many2one, Selection
from ..model import Model

# account.account's account_type, as 17, 18 and 19 ship it.
ACCOUNT_TYPES = [
    ("asset_receivable", "Receivable"), ("asset_cash", "Bank and Cash"), ("asset_current", "Current Assets"),
    ("asset_non_current", "Non-current Assets"), ("asset_prepayments", "Prepayments"),
    ("asset_fixed", "Fixed Assets"), ("liability_payable", "Payable"), ("liability_credit_card", "Credit Card"),
    ("liability_current", "Current Liabilities"), ("liability_non_current", "Non-current Liabilities"),
    ("equity", "Equity"), ("equity_unaffected", "Current Year Earnings"), ("income", "Income"),
    ("income_other", "Other Income"), ("expense", "Expenses"), ("expense_depreciation", "Depreciation"),
    ("expense_direct_cost", "Cost of Revenue"), ("off_balance", "Off-Balance Sheet"),
]


class AccountAccount(Model):
    _name = "account.account"
    _description = "Account"
    _order = "code, id"
    _unique = ((("code",), "The code of the account must be unique per company!"),)  # one company here

    name = Char("Account Name", required=True, index=True)
    code = Char("Code", size=64, required=True, index=True)
    account_type = Selection(ACCOUNT_TYPES, "Type", required=True)
    reconcile = Boolean("Allow Reconciliation", default=False)
    currency_id = Many2one("res.currency", "Account Currency")
    company_id = Many2one("res.company", "Company", default=lambda env: 1, versions=(17,))
    company_ids = Many2many("res.company", "account_account_res_company_rel", "account_account_id", "res_company_id",
                            "Companies", versions=(18, 19))
    deprecated = Boolean("Deprecated", default=False, versions=(17, 18))
    active = Boolean("Active", default=True, versions=(19,))

    def _display_names(self, ids):
        rows = self.conn.execute(self.table.select().where(self.table.c.id.in_(ids))).mappings()
        return {row["id"]: f"{row['code']} {row['name']}" for row in rows}
