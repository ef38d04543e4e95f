"""Catalog records → Odoo values: categories, attributes and their values, product templates, variants
and pricelist rules. The few records of a feed (categories, attributes, values) are each one `Record`: the
record's key and its `load()` columns; the many (templates, attribute lines, variants, prices) are `Row`s,
their values in one column list shared by all rows, the per-SKU ones made column by column from an Arrow table
of canonical products (a first load maps every SKU: no dict per row).

Everything is keyed by external id (`binder.xmlid`), so a record written twice is one record. Variants, whose
external ids the publish binds to the records Odoo made, are written by database id; attribute lines and price
rules name what they point to by the database ids this publish has just resolved.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

from retail_sync.canonical.keys import (
    attribute_key,
    attribute_line_key,
    attribute_value_key,
    category_keys,
    price_key,
    promo_key,
    template_key,
)
from retail_sync.odoo.binder import xmlid, xmlids
from retail_sync.odoo.mappers.values import load_datetime, load_value

Record = tuple[str, dict[str, str]]     # (record key, {load() column: text})
Row = tuple[str, Sequence[str]]         # (record key, text per column of the model's shared column list)


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


TEMPLATE_COLUMNS = ["id", "name", "description_sale", "categ_id/id", "list_price", "taxes_id/id", "sale_ok", "active"]


def template_rows(parent_keys: Sequence[str], templates: dict[str, dict], tax_classes: dict[str, str],
                  version: int, template_keys: Mapping[str, str] | None = None) -> tuple[list[str], list[Row]]:
    """Each parent's product template: the columns (TEMPLATE_COLUMNS, then the version's storable-product
    fields) and a row of texts per parent, the names of their external ids made together first (a first load
    writes every template: no dict per template). `template_keys`: each parent's `template_key`, when the caller
    has them made already."""
    storable = storable_product_fields(version)
    tail = tuple(storable.values())
    keys = ([template_keys[parent] for parent in parent_keys] if template_keys is not None else
            [template_key(parent) for parent in parent_keys])
    rows: list[Row] = []
    for key, ident, parent in zip(keys, xmlids(keys), parent_keys):
        template = templates[parent]
        rows.append((key, (ident, template["name"], load_value(template["description"]),
                           _category_xmlid(template["category"]), template["list_price"],
                           tax_classes.get(template["tax_class"], ""), "1", load_value(template["active"]), *tail)))
    return [*TEMPLATE_COLUMNS, *storable], rows


@lru_cache(maxsize=4096)
def _category_xmlid(path: str) -> str:
    """The external id of a category path's last level (a feed has a few paths, its templates many)."""
    return xmlid(category_keys(path)[-1])


# A variant is written by its database id (`.id`): every SKU's variant was matched to the record Odoo made for its
# combination, and its external id bound to it, before this load; by `.id` the load can only update that record
# (a variant deleted meanwhile is refused, never made again without its combination) and a row's bytes halve.
VARIANT_COLUMNS = [".id", "default_code", "barcode", "standard_price", "weight", "active"]


def variant_rows(products: pa.Table, variant_ids: Mapping[str, int]) -> list[Row]:
    """Each SKU's variant fields (VARIANT_COLUMNS), made column by column from the canonical products' Arrow
    columns: the texts `load_value` gives each value, without a dict or a call per field of each row.
    `variant_ids`: the database id of each SKU's variant."""
    keys = products.column("key").to_pylist()
    columns = [[str(variant_ids[key]) for key in keys], products.column("sku").to_pylist(),
               _texts(products.column("barcode")), _texts(products.column("cost")),
               ["" if w is None else str(w) for w in products.column("weight").to_pylist()],   # load_value, inline
               pc.fill_null(pc.if_else(products.column("active"), "1", "0"), "").to_pylist()]
    return list(zip(keys, zip(*columns)))


# A rule names its variant by database id, as the variant load does.
PRICE_COLUMNS = ["id", "pricelist_id/id", "applied_on", "product_id/.id", "compute_price", "fixed_price",
                 "min_quantity", "date_start", "date_end"]


def price_rows(products: pa.Table, base_prices: Sequence[str], pricelist: str, variant_ids: Mapping[str, int],
               published: Container[str]) -> tuple[list[Row], list[str]]:
    """The SKUs' pricelist rules (PRICE_COLUMNS): a SKU's own price when it differs from its parent's
    (`base_prices`, the parents' list prices as text, one per SKU), and its promotion. `variant_ids`: the
    database id of each SKU's variant.

    Returns the rules to write and the keys of rules that must no longer exist. A SKU never `published`
    (its variant was not bound before this run, so no rule can name it yet) has none to remove.
    Prices compare as text: canonical money has one scale, so equal amounts have equal texts.
    """
    keys, skus = products.column("key").to_pylist(), products.column("sku").to_pylist()
    prices = products.column("list_price").cast(pa.string()).to_pylist()
    promos = products.column("promo_price").cast(pa.string()).to_pylist()
    # Which rows get which rule first; then every external id they name is made in one batch per kind.
    own = [i for i, (price, base) in enumerate(zip(prices, base_prices)) if price != base]
    promoted = [i for i, promo in enumerate(promos) if promo is not None]
    # The promotions' dates as Python values once (indexing the Arrow columns makes a scalar per cell).
    starts, ends = ([], []) if not promoted else (
        products.column("promo_start").to_pylist(), products.column("promo_end").to_pylist())
    rules = {}   # row number -> its rules, in write order (own price, then promotion)
    for i, rule_id in zip(own, xmlids([price_key(skus[i]) for i in own])):
        rules[i] = [(keys[i], (rule_id, pricelist, "0_product_variant", str(variant_ids[keys[i]]), "fixed", prices[i],
                               "0", "", ""))]
    for i, rule_id in zip(promoted, xmlids([promo_key(skus[i]) for i in promoted])):
        rules.setdefault(i, []).append((keys[i], (
            rule_id, pricelist, "0_product_variant", str(variant_ids[keys[i]]), "fixed", promos[i], "0",
            load_datetime(starts[i]), load_datetime(ends[i]))))
    wanted = [rule for i in sorted(rules) for rule in rules[i]]
    obsolete = []
    if published:   # a first load has published nothing: no rule to remove
        has_own, has_promo = set(own), set(promoted)
        for i, (key, sku) in enumerate(zip(keys, skus)):
            if key in published:
                if i not in has_own:
                    obsolete.append(price_key(sku))
                if i not in has_promo:
                    obsolete.append(promo_key(sku))
    return wanted, obsolete


def _texts(column: pa.ChunkedArray) -> list[str]:
    """A string or decimal column as `load_value` writes its values (canonical money has one scale, so the
    Arrow text of a decimal is its Python text), None as empty."""
    return pc.fill_null(column.cast(pa.string()), "").to_pylist()


ATTRIBUTE_LINE_COLUMNS = ["id", "product_tmpl_id/.id", "attribute_id/.id", "value_ids/.id"]


def attribute_line_rows(lines: Sequence[tuple[str, str, int, int, list[int]]]) -> list[Row]:
    """A template's attribute line (ATTRIBUTE_LINE_COLUMNS) for each (parent key, attribute name, template id,
    attribute id, value ids): Odoo builds one variant per combination of its lines' values.

    Keyed by external id like every other record: a line created by a call whose answer was lost is
    updated, not created again (a second line would multiply the template's variants). What it points to is
    named by database id, which this publish has just written or resolved: a first load writes a line per
    attribute of every template, and the external ids of its template and values made most of its bytes."""
    keys = [attribute_line_key(parent, name) for parent, name, *_ids in lines]
    value_texts: dict[tuple[int, ...], str] = {}   # templates share a few value lists
    rows = []
    for key, ident, (_parent, _name, template_id, attribute_id, value_ids) in zip(keys, xmlids(keys), lines):
        values = tuple(value_ids)
        text = value_texts.get(values)
        if text is None:
            text = value_texts[values] = ",".join(map(str, values))
        rows.append((key, (ident, str(template_id), str(attribute_id), text)))
    return rows
