"""How `load()` wants a value written: Odoo's import reads every cell as text."""

from __future__ import annotations


def load_value(value) -> str:
    """Booleans as 1/0, None as empty, numbers and decimals as plain strings."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def load_datetime(value) -> str:
    """A UTC datetime as Odoo's server format (naive text, UTC by convention), None as empty."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""
