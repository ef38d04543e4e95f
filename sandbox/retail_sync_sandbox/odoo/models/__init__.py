"""Importing this package declares every sandbox model with the registry.

An extension (`_inherit` alone) must be imported after the model it extends: company_taxes after
account and base, sale after product, stock_picking after stock (alphabetical order keeps this).
"""

from . import (  # noqa: F401
    account,
    account_account,
    account_bank_statement,
    account_move,
    account_move_reversal,
    account_payment,
    account_payment_register,
    account_reconcile,
    base,
    company_taxes,
    ir_model,
    ir_model_data,
    product,
    product_attribute,
    res_lang,
    sale,
    sale_invoicing,
    stock,
    stock_picking,
    users,
)
