"""What a publish has to write, worked out from the validated file's Arrow columns.

Each parent's template values and every SKU's and template's ledger digest are computed column by
column; the rows to write (`PlanRows`) are taken only for the parents that are written, so an unchanged
re-run takes none, and they stay columns: Odoo's rows are built from them directly. The digest texts are exactly those of `canonical.product.digest` over the SKU's loadable
fields (the sync ledger keeps digests across releases: a different text would rewrite every SKU once).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from retail_sync.canonical.keys import template_key
from retail_sync.canonical.product import digest

# The SKU digest's fields, in digest order (base_price, the parent's list price, comes last).
SKU_DIGEST_FIELDS = ("parent_key", "barcode", "cost", "weight", "active", "attributes", "list_price", "promo_price",
                     "promo_start", "promo_end", "currency")


class CatalogPlan:
    def __init__(self, table: pa.Table):
        self.table = table
        self.keys: list[str] = table.column("key").to_pylist()
        self.parent_of: list[str] = table.column("parent_key").to_pylist()
        self.rows_of: dict[str, list[int]] = defaultdict(list)    # parent key -> row numbers, file order
        for index, parent in enumerate(self.parent_of):
            self.rows_of[parent].append(index)
        self._attribute_maps = {text: json.loads(text) for text in set(table.column("attributes").to_pylist())}
        self.templates: dict[str, dict] = self._template_values()
        self.sku_digests: dict[str, str] = dict(zip(self.keys, self._sku_digests()))
        self.template_digests = {template_key(parent): digest(values) for parent, values in self.templates.items()}

    def _template_values(self) -> dict[str, dict]:
        # The parent's fields come from its first SKU in SKU order, so the order of rows in a file never matters.
        table = self.table
        sku, attributes = table.column("sku").to_pylist(), table.column("attributes").to_pylist()
        text = {name: table.column(name).to_pylist() for name in ("name", "description", "category_path", "tax_class")}
        totals = table.group_by("parent_key").aggregate([("list_price", "min"), ("active", "any")])
        min_price = dict(zip(totals.column("parent_key").to_pylist(),
                             totals.column("list_price_min").cast(pa.string()).to_pylist()))
        any_active = dict(zip(totals.column("parent_key").to_pylist(), totals.column("active_any").to_pylist()))
        templates = {}
        for parent, rows in self.rows_of.items():
            first = min(rows, key=sku.__getitem__)
            values: dict[str, set[str]] = defaultdict(set)
            for text_of_row in {attributes[i] for i in rows}:
                for name, value in self._attribute_maps[text_of_row].items():
                    values[name].add(value)
            templates[parent] = {
                "name": text["name"][first], "description": text["description"][first],
                "category": text["category_path"][first], "tax_class": text["tax_class"][first],
                "list_price": min_price[parent], "active": any_active[parent],
                "attributes": {name: sorted(v) for name, v in sorted(values.items())},
            }
        return templates

    def _sku_digests(self) -> list[str]:
        """`digest` of each SKU's loadable fields and its parent's list price, as one Arrow string join."""
        table, pieces = self.table, []
        for name in SKU_DIGEST_FIELDS:
            pieces += [f"\x1f{name}=" if pieces else f"{name}=", _as_python_text(table.column(name))]
        base = pa.array([self.templates[parent]["list_price"] for parent in self.parent_of], pa.string())
        texts = pc.binary_join_element_wise(*pieces, "\x1fbase_price=", base, "")
        return [hashlib.sha256(text).hexdigest() for text in texts.cast(pa.binary()).to_pylist()]

    def rows(self, parents: set[str]) -> PlanRows:
        """The rows of the given parents only, parents in key order and each parent's rows in file order (the
        order a publish writes them in)."""
        order = sorted(parents)
        indices = [i for parent in order for i in self.rows_of[parent]]
        table = self.table if indices == list(range(self.table.num_rows)) else self.table.take(
            pa.array(indices, pa.int64()))
        of_parent, start = {}, 0
        for parent in order:
            count = len(self.rows_of[parent])
            of_parent[parent] = range(start, start + count)
            start += count
        return PlanRows(table, of_parent, self._attribute_maps)


class PlanRows:
    """The rows a publish writes, column by column: Python lists indexed alike (row i of `table`), each made
    once from its Arrow column when first used. No dict per row: a first load writes every row of the file,
    and a dict per row (and a lookup per field) cost more client CPU than the rest of the mapping."""

    def __init__(self, table: pa.Table, of_parent: dict[str, range], attribute_maps: dict[str, dict]):
        self.table = table
        self.of_parent = of_parent                     # parent key -> its row numbers
        self.attribute_maps = attribute_maps           # attribute text -> parsed map, shared: read, never change
        self._columns: dict[str, list] = {}

    def __len__(self) -> int:
        return self.table.num_rows

    def column(self, name: str) -> list:
        if name not in self._columns:
            self._columns[name] = _python_values(self.table.column(name))
        return self._columns[name]

    @property
    def keys(self) -> list[str]:
        return self.column("key")

    def as_dict(self, index: int) -> dict:
        """One row as a dict (the table's columns plus its parsed `attribute_map`): for the few rows that
        become dead letters."""
        row = {name: self.column(name)[index] for name in self.table.column_names}
        row["attribute_map"] = dict(self.attribute_maps[row["attributes"]])
        return row


def _python_values(column: pa.ChunkedArray) -> list:
    """`column.to_pylist()`, with decimals made from their text (several times faster than pyarrow's own)."""
    if pa.types.is_decimal(column.type):
        return [None if text is None else Decimal(text) for text in column.cast(pa.string()).to_pylist()]
    return column.to_pylist()


def _as_python_text(column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """The column as `str()` of its Python values would write it (None as 'None')."""
    kind = column.type
    if pa.types.is_boolean(kind):
        text = pc.if_else(column, "True", "False")
    elif pa.types.is_floating(kind) or pa.types.is_timestamp(kind):  # Python's own text (repr, isoformat)
        text = pa.array([str(value) for value in column.to_pylist()], pa.string())
    else:  # strings; decimals, whose Arrow text is Python's for the pipeline's fixed scale
        text = column.cast(pa.string())
    return pc.fill_null(text, "None")
