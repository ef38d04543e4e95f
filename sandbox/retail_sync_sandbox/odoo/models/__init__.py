"""Importing this package declares every sandbox model with the registry."""

from . import account, base, ir_model_data, product, product_attribute, stock, users  # noqa: F401
