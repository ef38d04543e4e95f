"""Catalog records → Odoo values: categories, attributes and their values, product templates, variants
and pricelist rules. Each function returns one `Record`: the record's key and its `load()` columns; the
per-SKU ones (variants, prices) return a `Row` instead, its values in one column list shared by all rows
(a first load maps every SKU: no dict per row).

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
Row = tuple[str, list[str]]             # (record key, [text per column of the model's shared column list])


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


VARIANT_COLUMNS = ["id", "default_code", "barcode", "standard_price", "weight", "active"]


def variant_row(product: dict) -> Row:
    """The SKU's variant fields, in VARIANT_COLUMNS order."""
    return product["key"], [xmlid(product["key"]), product["sku"], load_value(product["barcode"]),
                            load_value(product["cost"]), load_value(product["weight"]), load_value(product["active"])]


PRICE_COLUMNS = ["id", "pricelist_id/id", "applied_on", "product_id/id", "compute_price", "fixed_price",
                 "min_quantity", "date_start", "date_end"]


def price_rows(product: dict, base_price: Decimal, pricelist: str, published: bool) -> tuple[list[Row], list[str]]:
    """The SKU's pricelist rules (PRICE_COLUMNS): its own price when it differs from the parent's, and its
    promotion.

    Returns the rules to write and the keys of rules that must no longer exist. A SKU never `published`
    (its variant was not bound before this run, so no rule can name it yet) has none to remove.
    """
    variant = xmlid(product["key"])

    def rule(key: str, price, start, end) -> Row:
        return product["key"], [xmlid(key), pricelist, "0_product_variant", variant, "fixed", str(price), "0",
                                load_datetime(start), load_datetime(end)]

    wanted, obsolete = [], []
    if product["list_price"] != base_price:
        wanted.append(rule(price_key(product["sku"]), product["list_price"], None, None))
    elif published:
        obsolete.append(price_key(product["sku"]))
    if product["promo_price"] is not None:
        wanted.append(rule(promo_key(product["sku"]), product["promo_price"], product["promo_start"],
                           product["promo_end"]))
    elif published:
        obsolete.append(promo_key(product["sku"]))
    return wanted, obsolete


def attribute_line_record(parent_key: str, name: str, values: list[str]) -> Record:
    """A template's attribute line (Odoo builds one variant per combination of its lines' values).

    Keyed by external id like every other record: a line created by a call whose answer was lost is
    updated, not created again (a second line would multiply the template's variants)."""
    key = attribute_line_key(parent_key, name)
    return key, {"id": xmlid(key), "product_tmpl_id/id": xmlid(template_key(parent_key)),
                 "attribute_id/id": xmlid(attribute_key(name)),
                 "value_ids/id": ",".join(xmlid(attribute_value_key(name, v)) for v in values)}
