"""Importing this package declares every sandbox model with the registry."""

from . import (  # noqa: F401
    account,
    account_move,
    account_move_reversal,
    account_payment,
    account_payment_register,
    account_reconcile,
    base,
    ir_model,
    ir_model_data,
    product,
    product_attribute,
    res_lang,
    stock,
    users,
)
