"""Catalog publishing, step 2: canonical Products → Odoo categories, attributes, templates, variants
and prices, in few large idempotent calls.

Each SKU and each parent product has a digest in the sync ledger: a re-run of an unchanged feed
writes nothing, and a changed price touches only that SKU. Everything is keyed by external id, so a
run killed half-way and run again ends where one clean run would. Per-row Odoo errors become dead
letters; the rest of the batch still loads.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from retail_sync.batch_memory import batch_memory
from retail_sync.canonical.keys import attribute_key, attribute_value_key, category_keys
from retail_sync.flows.catalog.plan import CatalogPlan, PlanRows
from retail_sync.flows.catalog.settings import CatalogSettings
from retail_sync.odoo.binder import Binder
from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.errors import OdooError
from retail_sync.odoo.loader import load_records, load_rows, unlink_records
from retail_sync.odoo.mappers import product as mapper
from retail_sync.state.store import StateStore, utcnow


@dataclass
class PublishResult:
    rows: int = 0
    loaded: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    overrode: int = 0        # loaded rows that replaced another value an earlier file had loaded for the SKU
    templates_written: int = 0
    rpc_calls: int = 0
    failures: dict[str, str] = field(default_factory=dict)


class CatalogPublisher:
    def __init__(self, client: OdooClient, store: StateStore, settings: CatalogSettings, run_id: str):
        self.client, self.store, self.settings, self.run_id = client, store, settings, run_id
        self.binder = Binder(client, settings.read_chunk_size)
        self.failed: dict[str, str] = {}          # SKU key -> error
        self.template_ids: dict[str, int] = {}    # parent key -> product.template id
        self.variant_ids: dict[str, int] = {}     # SKU key -> product.product id
        self.bound_variants: dict[str, int] = {}  # SKU key -> variant its external id named before this run's writes
        self.template_keys: dict[str, str] = {}   # parent key -> its template's key

    # ---------------------------------------------------------------- plan
    def publish(self, good_path: str) -> PublishResult:
        calls_before = self.client.counters.calls
        started = utcnow()
        plan = CatalogPlan(pq.read_table(good_path))
        result = PublishResult(rows=len(plan.keys))
        templates, sku_digests, template_digests = plan.templates, plan.sku_digests, plan.template_digests
        template_keys = self.template_keys = plan.template_keys
        ledger = self.store.ledger([*sku_digests, *template_digests])
        if not ledger:   # nothing in the ledger: a first load writes all
            changed_skus, changed_parents = set(sku_digests), set(templates)
        else:
            changed_skus = {k for k, d in sku_digests.items() if ledger.get(k) is None or ledger[k].digest != d}
            changed_parents = {parent for key, parent in zip(plan.keys, plan.parent_of) if key in changed_skus} | {
                parent for parent, key in template_keys.items()
                if ledger.get(key) is None or ledger[key].digest != template_digests[key]}
        result.skipped = len(plan.keys) - len(changed_skus)
        if changed_parents:
            rows = plan.rows(changed_parents)   # only what is written, as columns
            self._write(rows, templates, changed_skus)
            ok = changed_skus - self.failed.keys()
            failed_parents = self._failed_parents(rows)
            # In key order: the ledger's key index takes sorted inserts faster than the sets' hash order. Plain
            # tuples in LedgerEntry's field order: a first load records every row it wrote.
            variant_ids = self.variant_ids
            self.store.record_loaded(
                [(k, "product.product", variant_ids[k], sku_digests[k]) for k in sorted(ok) if k in variant_ids]
                + [(template_keys[p], "product.template", self.template_ids[p], template_digests[template_keys[p]])
                   for p in sorted(changed_parents) if p not in failed_parents and p in self.template_ids], self.run_id)
            self.store.settle_dead_letters(self.settings.flow, ok, before=started)
            if self.failed:
                index_of = {key: i for i, key in enumerate(rows.keys)}
                for key, error in self.failed.items():
                    self.store.dead_letter(self.settings.flow, key, _payload(rows.as_dict(index_of[key])), error,
                                           "load", self.run_id)
            result.loaded = len(ok)
            result.overrode = sum(1 for k in ok if k in ledger)
        result.dead_lettered = len(self.failed)
        result.templates_written = len(changed_parents)
        result.failures = dict(self.failed)
        result.rpc_calls = self.client.counters.calls - calls_before
        return result

    # ---------------------------------------------------------------- write
    def _write(self, rows: PlanRows, templates, changed_skus: set[str]) -> None:
        parents = list(rows.of_parent)     # in key order, as the rows are
        self._check_currency(rows)
        self._check_odoo_conflicts(rows)
        self._fail_groups(rows, self._ensure_categories(templates, parents))
        attribute_values = self._ensure_attributes(templates, parents)
        self.template_ids = self._load_templates(rows, templates, parents)
        live = [p for p in parents if p in self.template_ids]
        self._fail_groups(rows, self._ensure_attribute_lines(rows, templates, live, attribute_values))
        self.variant_ids = self._match_variants(rows, live, attribute_values)
        self._load_variants(rows, live, changed_skus)
        self._load_prices(rows, templates, live, changed_skus)

    def _fail(self, key: str, error: str) -> None:
        self.failed.setdefault(key, error)

    def _fail_groups(self, rows: PlanRows, failed_parents: dict[str, str]) -> None:
        keys = rows.keys
        for parent, error in failed_parents.items():
            for index in rows.of_parent[parent]:
                self._fail(keys[index], error)

    def _failed_parents(self, rows: PlanRows) -> set[str]:
        """The parents with a SKU refused so far (none, on most runs: then no row is looked at)."""
        if not self.failed:
            return set()
        keys = rows.keys
        return {parent for parent, indices in rows.of_parent.items() if any(keys[i] in self.failed for i in indices)}

    def _live_indices(self, rows: PlanRows, parents, wanted: Collection[str] | None = None) -> Sequence[int]:
        """Row numbers of the given parents' SKUs (those in `wanted`, if given) not refused so far, in write order:
        every row on a first load that nothing refused (`parents` are then all of them, in row order)."""
        if not self.failed and len(parents) == len(rows.of_parent) and (wanted is None or len(wanted) == len(rows)):
            return range(len(rows))      # `wanted` holds keys of these rows only: as many means all of them
        keys, failed = rows.keys, self.failed
        return [i for p in parents for i in rows.of_parent[p]
                if keys[i] not in failed and (wanted is None or keys[i] in wanted)]

    def _check_currency(self, rows: PlanRows) -> None:
        company = self.client.call("res.company", "search_read", [], ["currency_id"], limit=1)[0]
        currency = company["currency_id"][1]
        for key, row_currency in zip(rows.keys, rows.column("currency")):
            if row_currency != currency:
                self._fail(key, f"currency {row_currency} is not the Odoo company currency "
                                f"{currency}; list prices are in the company currency")

    def _check_odoo_conflicts(self, rows: PlanRows) -> None:
        """Refuse, before anything is written, the SKUs Odoo would refuse or double: a barcode another product
        holds (Odoo's unique barcode) would fail the variant after its template was created, and a SKU that is
        the internal reference of a product the sync does not manage would become a second product with that
        code. Such a SKU is dead-lettered as a conflict for a person to settle (bind or rename); nothing of it
        is written."""
        live = self._live_indices(rows, rows.of_parent)
        all_keys, all_skus, all_barcodes = rows.keys, rows.column("sku"), rows.column("barcode")
        keys = [all_keys[i] for i in live]
        skus = [all_skus[i] for i in live]
        barcodes = [all_barcodes[i] for i in live]
        ours = self.bound_variants = self.binder.resolve("product.product", keys)
        step = self.settings.read_chunk_size
        holders: list[dict] = []
        for start in range(0, len(keys), step):
            holders += self.client.call("product.product", "search_read",
                                        ["|", ["default_code", "in", skus[start:start + step]],
                                         ["barcode", "in", [b for b in barcodes[start:start + step] if b]]],
                                        ["default_code", "barcode"], context={"active_test": False})
        # Several products may hold one code: an old variant Odoo archived when its template gained an attribute
        # keeps the code of the SKU that now names the new variant. The SKU's own product among them is no conflict.
        by_code: dict[str, set[int]] = defaultdict(set)
        by_barcode: dict[str, set[int]] = defaultdict(set)
        for holder in holders:
            if holder["default_code"]:
                by_code[holder["default_code"]].add(holder["id"])
            if holder["barcode"]:
                by_barcode[holder["barcode"]].add(holder["id"])
        self._refuse_shared_barcodes(keys, skus, barcodes, ours, by_barcode)
        if not holders:      # a first load: nobody holds any code or barcode yet
            return
        for key, sku, barcode in zip(keys, skus, barcodes):
            own = ours.get(key)
            code_holders, barcode_holders = by_code.get(sku), by_barcode.get(barcode)
            if code_holders and own not in code_holders:
                self._fail(key, f"conflict: SKU {sku} is already the internal reference of Odoo "
                                f"product {min(code_holders)}, which this sync does not manage")
            elif barcode and barcode_holders and own not in barcode_holders:
                self._fail(key, f"conflict: barcode {barcode} already belongs to Odoo product "
                                f"{min(barcode_holders)}")

    def _refuse_shared_barcodes(self, keys: list[str], skus: list[str], barcodes: list[str | None],
                                ours: dict[str, int], by_barcode: dict[str, set[int]]) -> None:
        """A barcode on several SKUs of the file: Odoo would give it to the first variant written and refuse the
        next after Odoo had made that variant (a product without a code left behind). When one of them already
        holds it in Odoo, it keeps it (the others are refused as its holder's conflicts); otherwise which SKU is
        right is for the feed to say, so each of them is dead-lettered as a conflict naming the others."""
        shared = {barcode for barcode, count in Counter(barcodes).items() if barcode and count > 1}
        if not shared:
            return
        carriers: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key, sku, barcode in zip(keys, skus, barcodes):
            if barcode in shared:
                carriers[barcode].append((key, sku))
        for barcode, skus_of in carriers.items():
            holders = by_barcode.get(barcode, set())
            if any(ours.get(key) in holders for key, _sku in skus_of):
                continue
            for key, sku in skus_of:
                others = ", ".join(other for _key, other in skus_of if other != sku)
                self._fail(key, f"conflict: barcode {barcode} is also the barcode of SKU {others} in this file")

    def _ensure_categories(self, templates, parents) -> dict[str, str]:
        paths = {templates[p]["category"] for p in parents}
        levels = {"/".join(path.split("/")[:i + 1]) for path in paths for i in range(path.count("/") + 1)}
        existing = self.binder.resolve("product.category", [category_keys(level)[-1] for level in levels])
        failed_keys: dict[str, str] = {}
        for depth in sorted({level.count("/") for level in levels}):  # parents exist before their children
            records = [mapper.category_record(level, self.settings.root_category) for level in sorted(levels)
                       if level.count("/") == depth and category_keys(level)[-1] not in existing]
            failed_keys.update(load_records(self.client, "product.category", records, self.settings.chunk_size).failed)
        if not failed_keys:
            return {}
        return {p: failed_keys[k] for p in parents for k in category_keys(templates[p]["category"])
                if k in failed_keys}

    def _ensure_attributes(self, templates, parents) -> dict[tuple[str, str | None], int]:
        # Each distinct attribute set once: the plan shares one dict among the templates that have the same set.
        attribute_sets = list({id(templates[p]["attributes"]): templates[p]["attributes"] for p in parents}.values())
        names = sorted({n for attributes in attribute_sets for n in attributes})
        if not names:
            return {}
        keys = {attribute_key(n): n for n in names}
        existing = self.binder.resolve("product.attribute", keys)
        load_records(self.client, "product.attribute",
                     [mapper.attribute_record(n) for k, n in keys.items() if k not in existing], self.settings.chunk_size)
        pairs = {attribute_value_key(n, v): (n, v) for n, v in   # sorted: values are created in one order every run
                 sorted({(n, v) for attributes in attribute_sets for n, vs in attributes.items() for v in vs})}
        existing_values = self.binder.resolve("product.attribute.value", pairs)
        load_records(self.client, "product.attribute.value",
                     [mapper.attribute_value_record(n, v) for k, (n, v) in pairs.items() if k not in existing_values],
                     self.settings.chunk_size)
        values = self.binder.resolve("product.attribute.value", pairs)
        attributes = self.binder.resolve("product.attribute", keys)
        resolved = {pairs[k]: v for k, v in values.items()}
        resolved.update({(n, None): attributes[k] for k, n in keys.items() if k in attributes})
        return resolved

    def _load_templates(self, rows: PlanRows, templates, parents) -> dict[str, int]:
        refused = self._failed_parents(rows)
        keys = rows.keys
        columns, records = mapper.template_rows(
            [parent for parent in parents
             if parent not in refused or not all(keys[i] in self.failed for i in rows.of_parent[parent])],
            templates, self.settings.tax_classes, self.client.version, self.template_keys)
        outcome = load_rows(self.client, "product.template", columns, records, self.settings.chunk_size)
        by_parent = {self.template_keys[parent]: parent for parent in parents}
        self._fail_groups(rows, {by_parent[k]: error for k, error in outcome.failed.items()})
        return {by_parent[k]: odoo_id for k, odoo_id in outcome.ids.items()}

    def _wanted_attributes(self, rows: PlanRows, parent: str) -> dict[str, list[str]]:
        """The attribute values of the parent's rows still to be written: a SKU refused already makes no variant."""
        wanted: dict[str, set[str]] = defaultdict(set)
        keys, texts = rows.keys, rows.column("attributes")
        for index in rows.of_parent[parent]:
            if keys[index] not in self.failed:
                for name, value in rows.attribute_maps[texts[index]].items():
                    wanted[name].add(value)
        return {name: sorted(values) for name, values in sorted(wanted.items())}

    def _ensure_attribute_lines(self, rows: PlanRows, templates, parents, attribute_values) -> dict[str, str]:
        with_attributes = [p for p in parents if templates[p]["attributes"]]
        if not with_attributes:
            return {}
        refused = self._failed_parents(rows)
        by_template = {self.template_ids[p]: p for p in with_attributes}
        existing: dict[int, dict[int, dict]] = defaultdict(dict)
        ids = list(by_template)
        step = self.settings.read_chunk_size
        for start in range(0, len(ids), step):
            for line in self.client.call("product.template.attribute.line", "search_read",
                                         [["product_tmpl_id", "in", ids[start:start + step]]],
                                         ["product_tmpl_id", "attribute_id", "value_ids"], load=None):
                existing[line["product_tmpl_id"]][line["attribute_id"]] = line
        lines, failed = [], {}
        # The Odoo ids of each distinct wanted attribute set, worked out once (templates share a few sets). Each
        # set is kept with its ids, so the id() that keys it stays its own for the whole loop.
        resolved: dict[int, tuple[dict, list[tuple[str, int | None, list[int | None]]]]] = {}
        no_lines: dict[int, dict] = {}
        for template_id, parent in by_template.items():
            # A parent none of whose SKUs was refused wants what its template lists: every value of its rows.
            wanted = self._wanted_attributes(rows, parent) if parent in refused else templates[parent]["attributes"]
            if id(wanted) not in resolved:
                resolved[id(wanted)] = (wanted, [
                    (name, attribute_values.get((name, None)), [attribute_values.get((name, v)) for v in values])
                    for name, values in wanted.items()])
            template_lines = existing.get(template_id, no_lines)
            for name, attribute_id, value_ids in resolved[id(wanted)][1]:
                if attribute_id is None or None in value_ids:
                    failed[parent] = f"attribute {name} or one of its values could not be created"
                    continue
                line = template_lines.get(attribute_id)
                if line is None:
                    lines.append((parent, name, template_id, attribute_id, value_ids))
                elif not set(value_ids) <= set(line["value_ids"]):
                    # Values are only added: a value missing from one file does not delete variants.
                    try:
                        self.client.call("product.template.attribute.line", "write", [line["id"]],
                                         {"value_ids": [(6, 0, sorted(set(line["value_ids"]) | set(value_ids)))]})
                    except OdooError as exc:  # a per-template business error: dead-letter its SKUs
                        if exc.retryable:
                            raise
                        failed[parent] = exc.message
        creates = mapper.attribute_line_rows(lines)
        line_parent = {key: parent for (key, _values), (parent, *_rest) in zip(creates, lines)}
        # An all-inactive parent's template is archived: its lines name it by id all the same.
        outcome = load_rows(self.client, "product.template.attribute.line", mapper.ATTRIBUTE_LINE_COLUMNS, creates,
                            self.settings.chunk_size, archived_ok=True)
        failed.update((line_parent[key], error) for key, error in outcome.failed.items())
        return failed

    def _match_variants(self, rows: PlanRows, parents, attribute_values) -> dict[str, int]:
        by_template = {self.template_ids[p]: p for p in parents}
        ids = list(by_template)
        by_combination: dict[tuple[int, frozenset], int] = {}
        step = self.settings.read_chunk_size
        for start in range(0, len(ids), step):
            chunk = ids[start:start + step]
            # A chunk's answers are used and dropped before the next is read: memory stays one chunk's.
            value_of = {ptav["id"]: ptav["product_attribute_value_id"] for ptav in self.client.call(
                "product.template.attribute.value", "search_read", [["product_tmpl_id", "in", chunk]],
                ["product_attribute_value_id"], load=None, context={"active_test": False})}.__getitem__
            by_combination.update({
                (v["product_tmpl_id"], frozenset(map(value_of, v["product_template_attribute_value_ids"]))): v["id"]
                for v in self.client.call("product.product", "search_read", [["product_tmpl_id", "in", chunk]],
                                          ["product_tmpl_id", "product_template_attribute_value_ids"], load=None,
                                          context={"active_test": False})})
        # The wanted combination of each distinct attribute text (a feed has few: sizes × colours).
        keys, texts = rows.keys, rows.column("attributes")
        combination = {text: frozenset(attribute_values.get(pair) for pair in rows.attribute_maps[text].items())
                       for text in set(texts)}
        matched = {}
        for parent in parents:
            template_id = self.template_ids[parent]
            for index in rows.of_parent[parent]:
                key = keys[index]
                if key in self.failed:
                    continue
                variant = by_combination.get((template_id, combination[texts[index]]))
                if variant is None:
                    self._fail(key, "Odoo has no variant for this combination of attribute values")
                else:
                    matched[key] = variant
        return matched

    def _load_variants(self, rows: PlanRows, parents, changed_skus) -> None:
        todo = self.variant_ids if not self.failed and len(changed_skus) == len(rows) else {
            k: v for k, v in self.variant_ids.items() if k in changed_skus and k not in self.failed}
        for key, error in self.binder.bind("product.product", todo, bound=self.bound_variants).items():
            self._fail(key, error)
        indices = self._live_indices(rows, parents, todo)
        step = self.settings.chunk_size
        for start in range(0, len(indices), step):   # a load call's rows made at a time: memory stays one call's
            outcome = load_rows(self.client, "product.product", mapper.VARIANT_COLUMNS,
                                mapper.variant_rows(_take(rows.table, indices[start:start + step]), self.variant_ids),
                                step, archived_ok=True)                  # an inactive SKU's variant is archived
            for key, error in outcome.failed.items():
                self._fail(key, error)

    def _load_prices(self, rows: PlanRows, templates, parents, changed_skus) -> None:
        indices = self._live_indices(rows, parents, changed_skus)
        parent_of = rows.column("parent_key")
        bases = [templates[parent_of[i]]["list_price"] for i in indices]
        wanted, obsolete = mapper.price_rows(_take(rows.table, indices), bases, self.settings.pricelist,
                                             self.variant_ids, published=self.bound_variants)
        for key, error in load_rows(self.client, "product.pricelist.item", mapper.PRICE_COLUMNS, wanted,
                                    self.settings.chunk_size, archived_ok=True).failed.items():
            self._fail(key, error)
        if obsolete:
            stale_ids = list(self.binder.resolve("product.pricelist.item", obsolete).values())
            unlink_records(self.client, "product.pricelist.item", stale_ids, self.settings.chunk_size)


def _take(table: pa.Table, indices: Sequence[int]) -> pa.Table:
    """The table's rows at `indices`: a slice of it (no copy) when they are consecutive rows in order, as on a
    first load."""
    if isinstance(indices, range) and indices.step == 1:
        return table.slice(indices.start, len(indices))
    if len(indices) == table.num_rows and indices == list(range(table.num_rows)):
        return table
    return table.take(pa.array(indices, pa.int64()))


def _payload(product: dict) -> dict:
    return {k: (str(v) if v is not None and not isinstance(v, (str, int, float, bool)) else v)
            for k, v in product.items()}


def publish_catalog(good_path: str, client: OdooClient, store: StateStore, settings: CatalogSettings,
                    run_id: str) -> PublishResult:
    with batch_memory():
        return CatalogPublisher(client, store, settings, run_id).publish(good_path)
