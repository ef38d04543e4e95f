"""Canonical values → Odoo field values, for the Odoo version at hand.

Every field difference between 17, 18 and 19 that a flow meets is decided here, nowhere else.
"""

from __future__ import annotations


def storable_product_fields(version: int) -> dict[str, object]:
    """A stock-tracked good: 17 says `detailed_type='product'`; 18+ say `type='consu', is_storable=True`."""
    if version <= 17:
        return {"detailed_type": "product"}
    return {"type": "consu", "is_storable": True}


def load_value(value) -> str:
    """`load()` takes text: booleans as 1/0, None as empty, numbers and decimals as plain strings."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
