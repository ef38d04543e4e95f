"""Catalog records → Odoo values: categories, attributes and their values, product templates, variants
and pricelist rules. Each function returns one `Record`: the record's key and its `load()` columns.

Everything is addressed by external id (`binder.xmlid`), so a record written twice is one record.
"""

from __future__ import annotations

from decimal import Decimal

from retail_sync.canonical.keys import (
    attribute_key,
    attribute_line_key,
    attribute_value_key,
    category_keys,
    price_key,
    promo_key,
    template_key,
)
from retail_sync.odoo.binder import xmlid
from retail_sync.odoo.mappers.values import load_datetime, load_value

Record = tuple[str, dict[str, str]]     # (record key, {load() column: text})


def storable_product_fields(version: int) -> dict[str, str]:
    """A stock-tracked good: 17 says `detailed_type='product'`; 18+ say `type='consu', is_storable=True`."""
    if version <= 17:
        return {"detailed_type": "product"}
    return {"type": "consu", "is_storable": "1"}


def category_record(path: str, root_category: str) -> Record:
    """One level of a category path, under its parent level (or under Odoo's root category)."""
    keys = category_keys(path)
    parent = xmlid(keys[-2]) if len(keys) > 1 else root_category
    return keys[-1], {"id": xmlid(keys[-1]), "name": path.rsplit("/", 1)[-1], "parent_id/id": parent}


def attribute_record(name: str) -> Record:
    key = attribute_key(name)
    return key, {"id": xmlid(key), "name": name, "create_variant": "always"}


def attribute_value_record(name: str, value: str) -> Record:
    key = attribute_value_key(name, value)
    return key, {"id": xmlid(key), "name": value, "attribute_id/id": xmlid(attribute_key(name))}


def template_record(parent_key: str, template: dict, tax_classes: dict[str, str], version: int) -> Record:
    key = template_key(parent_key)
    return key, {
        "id": xmlid(key), "name": template["name"], "description_sale": load_value(template["description"]),
        "categ_id/id": xmlid(category_keys(template["category"])[-1]), "list_price": template["list_price"],
        "taxes_id/id": tax_classes.get(template["tax_class"], ""), "sale_ok": "1",
        "active": load_value(template["active"]), **storable_product_fields(version)}


def variant_record(product: dict) -> Record:
    return product["key"], {
        "id": xmlid(product["key"]), "default_code": product["sku"], "barcode": load_value(product["barcode"]),
        "standard_price": load_value(product["cost"]), "weight": load_value(product["weight"]),
        "active": load_value(product["active"])}


def price_records(product: dict, base_price: Decimal, pricelist: str) -> tuple[list[Record], list[str]]:
    """The SKU's pricelist rules: its own price when it differs from the parent's, and its promotion.

    Returns the rules to write and the keys of rules that must no longer exist.
    """
    def rule(key: str, price, start, end) -> Record:
        return product["key"], {
            "id": xmlid(key), "pricelist_id/id": pricelist, "applied_on": "0_product_variant",
            "product_id/id": xmlid(product["key"]), "compute_price": "fixed", "fixed_price": str(price),
            "min_quantity": "0", "date_start": load_datetime(start), "date_end": load_datetime(end)}

    wanted, obsolete = [], []
    own, promo = price_key(product["sku"]), promo_key(product["sku"])
    if product["list_price"] != base_price:
        wanted.append(rule(own, product["list_price"], None, None))
    else:
        obsolete.append(own)
    if product["promo_price"] is not None:
        wanted.append(rule(promo, product["promo_price"], product["promo_start"], product["promo_end"]))
    else:
        obsolete.append(promo)
    return wanted, obsolete


def attribute_line_record(parent_key: str, name: str, values: list[str]) -> Record:
    """A template's attribute line (Odoo builds one variant per combination of its lines' values).

    Keyed by external id like every other record: a line created by a call whose answer was lost is
    updated, not created again (a second line would multiply the template's variants)."""
    key = attribute_line_key(parent_key, name)
    return key, {"id": xmlid(key), "product_tmpl_id/id": xmlid(template_key(parent_key)),
                 "attribute_id/id": xmlid(attribute_key(name)),
                 "value_ids/id": ",".join(xmlid(attribute_value_key(name, v)) for v in values)}
