"""Importing this package declares every sandbox model with the registry."""

from . import account, base, ir_model, ir_model_data, product, product_attribute, res_lang, stock, users  # noqa: F401
