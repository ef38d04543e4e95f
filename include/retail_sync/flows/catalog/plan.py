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
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from retail_sync.canonical.keys import template_key

# The SKU digest's fields, in digest order (base_price, the parent's list price, comes last).
SKU_DIGEST_FIELDS = ("parent_key", "barcode", "cost", "weight", "active", "attributes", "list_price", "promo_price",
                     "promo_start", "promo_end", "currency")


class CatalogPlan:
    def __init__(self, table: pa.Table):
        self.table = table
        self.keys: list[str] = table.column("key").to_pylist()
        self.parent_of: list[str] = table.column("parent_key").to_pylist()
        self.rows_of: dict[str, list[int]] = _rows_of(table.column("parent_key"))  # parent -> row numbers, file order
        self._attribute_maps = {text: json.loads(text) for text in pc.unique(table.column("attributes")).to_pylist()}
        self.templates: dict[str, dict] = self._template_values()
        self.sku_digests: dict[str, str] = dict(zip(self.keys, self._sku_digests()))
        self.template_keys: dict[str, str] = {parent: template_key(parent) for parent in self.templates}
        self.template_digests = dict(zip(self.template_keys.values(), _template_digests(self.templates)))

    def _template_values(self) -> dict[str, dict]:
        """Each parent's values, column-wise: its first SKU's texts, its lowest list price, whether any SKU is
        active, and the values of each attribute over its SKUs. Parents share a few attribute sets (sizes ×
        colours), so each distinct set is worked out once and its dict shared by those templates (read only)."""
        table = self.table
        if not table.num_rows:
            return {}
        # The parent's fields come from its first SKU in SKU order, so the order of rows in a file never matters:
        # rows sorted by (parent, SKU) (a stable sort), the first row of each parent's run.
        order = pc.sort_indices(table, sort_keys=[("parent_key", "ascending"), ("sku", "ascending")])
        by_parent = table.column("parent_key").take(order).combine_chunks()
        starts = pc.add(pc.indices_nonzero(pc.not_equal(by_parent[1:], by_parent[:-1])), 1)
        first = table.select(["parent_key", "name", "description", "category_path", "tax_class"]).take(
            pc.take(order, pa.concat_arrays([pa.array([0], pa.uint64()), starts.cast(pa.uint64())])))
        totals = table.group_by("parent_key", use_threads=False).aggregate(
            [("list_price", "min"), ("active", "any"), ("attributes", "distinct")])
        by_totals = {parent: i for i, parent in enumerate(totals.column("parent_key").to_pylist())}
        min_price = totals.column("list_price_min").cast(pa.string()).to_pylist()
        any_active = totals.column("active_any").to_pylist()
        texts_of = totals.column("attributes_distinct").to_pylist()
        attribute_sets: dict[frozenset[str], dict[str, list[str]]] = {}
        templates = {}
        for parent, name, description, category, tax_class in zip(*(c.to_pylist() for c in first.columns)):
            i = by_totals[parent]
            texts = frozenset(texts_of[i])
            attributes = attribute_sets.get(texts)
            if attributes is None:
                values: dict[str, set[str]] = defaultdict(set)
                for text in texts:
                    for attribute, value in self._attribute_maps[text].items():
                        values[attribute].add(value)
                attributes = attribute_sets[texts] = {a: sorted(v) for a, v in sorted(values.items())}
            templates[parent] = {"name": name, "description": description, "category": category,
                                 "tax_class": tax_class, "list_price": min_price[i], "active": any_active[i],
                                 "attributes": attributes}
        return templates

    def _sku_digests(self) -> list[str]:
        """`digest` of each SKU's loadable fields and its parent's list price, as one Arrow string join."""
        table, pieces = self.table, []
        for name in SKU_DIGEST_FIELDS:
            pieces += [f"\x1f{name}=" if pieces else f"{name}=", _as_python_text(table.column(name))]
        parents = pa.array(list(self.templates), pa.string())
        prices = pa.array([values["list_price"] for values in self.templates.values()], pa.string())
        base = prices.take(pc.index_in(table.column("parent_key"), value_set=parents))
        texts = pc.binary_join_element_wise(*pieces, "\x1fbase_price=", base, "").cast(pa.binary())
        sha256, step = hashlib.sha256, 1000   # the texts as Python bytes a slice at a time: memory stays a slice's
        return [sha256(text).hexdigest() for start in range(0, len(texts), step)
                for text in texts.slice(start, step).to_pylist()]

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
        rows = PlanRows(table, of_parent, self._attribute_maps)
        if table is self.table:   # every row, in file order: the plan's own lists serve
            rows.share_columns({"key": self.keys, "parent_key": self.parent_of})
        return rows


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

    def share_columns(self, columns: dict[str, list]) -> None:
        """Use lists already made of these columns (of these rows, in this order) rather than make them again."""
        self._columns.update(columns)

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


def _rows_of(parents: pa.ChunkedArray) -> dict[str, list[int]]:
    """Each parent's row numbers in file order: the rows stably sorted by parent, cut where the parent changes
    (a slice per parent instead of an append per row)."""
    order = pc.sort_indices(parents)            # a stable sort: file order within each parent
    by_parent = parents.take(order).combine_chunks()
    bounds = [0, *pc.add(pc.indices_nonzero(pc.not_equal(by_parent[1:], by_parent[:-1])), 1).to_pylist(),
              len(by_parent)]
    rows = order.to_pylist()
    names = by_parent.take(pa.array(bounds[:-1], pa.int64())).to_pylist() if len(by_parent) else []
    return {parent: rows[start:end] for parent, start, end in zip(names, bounds, bounds[1:])}


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
        # Only the values present go through Python (promotion dates are mostly empty), put back in their rows.
        present = column.drop_null()
        text = pa.array(_utc_timestamp_texts(present) if _is_utc_timestamp(kind) else
                        [str(value) for value in present.to_pylist()], pa.string())
        if len(present) < len(column):
            valid = pc.is_valid(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
            text = pc.replace_with_mask(pa.nulls(len(column), pa.string()), valid, text)
    else:  # strings; decimals, whose Arrow text is Python's for the pipeline's fixed scale
        text = column.cast(pa.string())
    return pc.fill_null(text, "None")


def _is_utc_timestamp(kind: pa.DataType) -> bool:
    return pa.types.is_timestamp(kind) and kind.tz in ("UTC", "+00:00") and kind.unit in UNITS_PER_SECOND


UNITS_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000}
EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)


def _utc_timestamp_texts(column: pa.ChunkedArray) -> list[str]:
    """`str()` of each UTC timestamp's datetime, made from its count since the epoch: pyarrow's own conversion
    looks the time zone up for every value, several times the cost of the text itself."""
    per_second = UNITS_PER_SECOND[column.type.unit]
    return [(EPOCH_UTC + timedelta(microseconds=count * (1_000_000 // per_second))).isoformat(" ")   # = str()
            for count in column.cast(pa.int64()).to_pylist()]


def _template_digests(templates: dict[str, dict]) -> list[str]:
    """`digest` of each template's values (in their key order), its text written in one format per template
    rather than a join of one format per field; the attribute sets' texts are made once each (shared dicts)."""
    attribute_texts: dict[int, str] = {}
    sha256, texts = hashlib.sha256, []
    for values in templates.values():
        attributes = values["attributes"]
        text = attribute_texts.get(id(attributes))
        if text is None:
            text = attribute_texts[id(attributes)] = str(attributes)
        texts.append(sha256(f"name={values['name']}\x1fdescription={values['description']}\x1fcategory="
                            f"{values['category']}\x1ftax_class={values['tax_class']}\x1flist_price="
                            f"{values['list_price']}\x1factive={values['active']}\x1fattributes={text}"
                            .encode()).hexdigest())
    return texts
