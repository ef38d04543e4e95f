"""Customers and their addresses → `res.partner` values for `load()`, addressed by external id.

A customer is a top-level contact (`customer_rank` 1); its billing and shipping addresses are child
contacts of type `invoice` and `delivery`, as Odoo's own checkout makes them. Countries are Odoo's
shipped external ids (`base.be`). Fields used here exist alike in 17, 18 and 19 (`mobile`, gone in 19,
is not used).
"""

from __future__ import annotations

from retail_sync.odoo.binder import xmlid
from retail_sync.odoo.mappers.values import load_value

Record = tuple[str, dict[str, str]]     # (record key, {load() column: text})
ADDRESS_KINDS = ("invoice", "delivery")


def country_xmlid(code: str | None) -> str:
    return f"base.{code.strip().lower()}" if code and code.strip() else ""


def partner_record(key: str, name: str, email: str | None, phone: str | None, address: dict | None) -> Record:
    """The customer's own contact: its name, email, phone and main (billing) address."""
    address = address or {}
    return key, {
        "id": xmlid(key), "name": name, "email": load_value(email), "phone": load_value(phone),
        "street": load_value(address.get("street")), "street2": load_value(address.get("street2")),
        "city": load_value(address.get("city")), "zip": load_value(address.get("zip")),
        "country_id/id": country_xmlid(address.get("country_code")), "customer_rank": "1", "type": "contact"}


def address_record(key: str, customer_key: str, kind: str, address: dict) -> Record:
    """An invoice or delivery address under the customer's contact (its name may be someone else's)."""
    if kind not in ADDRESS_KINDS:
        raise ValueError(f"address kind must be one of {ADDRESS_KINDS}, not {kind!r}")
    return key, {
        "id": xmlid(key), "parent_id/id": xmlid(customer_key), "type": kind, "name": load_value(address.get("name")),
        "street": load_value(address.get("street")), "street2": load_value(address.get("street2")),
        "city": load_value(address.get("city")), "zip": load_value(address.get("zip")),
        "country_id/id": country_xmlid(address.get("country_code")), "phone": load_value(address.get("phone"))}
