"""Corrections pushed to a channel: the levels that differ, set to their target in batches, never
overwriting a sale.

Shopify: every write is compare-and-set (`changeFromQuantity` = the level we read). A level that moved
since (a sale, a return) is refused as CHANGE_FROM_QUANTITY_STALE; it is read again and its target moved by
what happened on the storefront (target + now − then, never below zero), so the sale stays counted, then
written again — at most `compare_attempts` times, after which it waits for the next run. A level that now
equals its target needs nothing: that is also how a write whose answer was lost (5xx after commit) is
recognised on its retry, so nothing is applied twice. Shopify refuses a whole call when one level in it
fails, so the levels that did not fail are simply sent again.

WooCommerce has no compare-and-set: its stock is set absolutely, from levels read just before (a sale in
between is overwritten; the next run, after Odoo has the order, corrects it). Setting a quantity twice
leaves it as setting it once, so a retried batch is harmless.

A push cut short (429 or 5xx past the retry budget) raises; the task's retry reads the channel again, and
the levels already corrected no longer differ: they are not sent again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

STALE = "CHANGE_FROM_QUANTITY_STALE"


@dataclass
class PushResult:
    pushed: int = 0              # levels changed on the channel
    already_right: int = 0       # found at their target on a re-read (nothing sent)
    kept_sales: int = 0          # levels re-targeted because the storefront moved them since the read
    gave_up: int = 0             # still moving after compare_attempts: left for the next run
    failed: dict[str, str] = field(default_factory=dict)   # sku@location -> the channel's error
    calls: int = 0


@dataclass
class _Level:
    sku: str
    item: str                    # Shopify inventory item gid / WooCommerce "product/variation"
    target: int
    expected: int                # what the channel showed when read


def corrections(report: pa.Table) -> dict[str, list[_Level]]:
    """The level_differs rows of a mismatch report, per channel location."""
    rows = report.filter(pc.equal(report["kind"], "level_differs")).select(
        ["location_id", "sku", "inventory_item_id", "target", "channel_available"]).to_pydict()
    found: dict[str, list[_Level]] = {}
    for location, sku, item, target, shown in zip(*rows.values()):
        found.setdefault(location, []).append(_Level(sku, item, target, shown))
    return found


def push_shopify(connector, report: pa.Table, batch: int, attempts: int) -> PushResult:
    result = PushResult()
    calls_before = connector.http.counters.calls
    for location, levels in corrections(report).items():
        for start in range(0, len(levels), batch):
            _shopify_batch(connector, location, levels[start:start + batch], attempts, result)
    result.calls = connector.http.counters.calls - calls_before
    return result


def _shopify_batch(connector, location: str, levels: list[_Level], attempts: int, result: PushResult) -> None:
    pending, rereads = levels, 0
    while pending:
        errors = connector.set_available(location, [(lv.item, lv.target, lv.expected) for lv in pending],
                                         reference="retail-sync://inventory/correction")
        if not errors:
            result.pushed += len(pending)
            return
        indexes = {_index(error): error for error in errors}
        if None in indexes:      # an error about the call, not one level: retrying it will not help
            for lv in pending:
                result.failed[f"{lv.sku}@{location}"] = indexes[None].get("message", "refused")
            return
        stale = [pending[i] for i, e in indexes.items() if e.get("code") == STALE]
        for i, error in indexes.items():
            if error.get("code") != STALE:
                result.failed[f"{pending[i].sku}@{location}"] = f"{error.get('code')}: {error.get('message')}"
        # The call was refused whole: the levels no error named were not applied and go again as they were.
        untouched = [lv for i, lv in enumerate(pending) if i not in indexes]
        if stale and rereads < attempts:
            rereads += 1
            stale = _retarget(connector, location, stale, result)
        else:
            result.gave_up += len(stale)
            stale = []
        pending = untouched + stale


def _retarget(connector, location: str, moved: list[_Level], result: PushResult) -> list[_Level]:
    """Read the moved levels again; keep what the storefront did since the first read."""
    if not moved:
        return []
    now = {row["sku"]: row["available"] for row in connector.inventory_levels([lv.sku for lv in moved],
                                                                               location).to_pylist()}
    again = []
    for lv in moved:
        current = now.get(lv.sku)
        if current is None:
            result.failed[f"{lv.sku}@{location}"] = "no longer stocked at the location"
        elif current == lv.target:
            result.already_right += 1
        else:
            target = max(0, lv.target + current - lv.expected)
            result.kept_sales += 1
            if target == current:
                result.already_right += 1
            else:
                again.append(_Level(lv.sku, lv.item, target, current))
    return again


def _index(error: dict) -> int | None:
    path = error.get("field") or []
    return int(path[2]) if len(path) > 2 and path[:2] == ["input", "quantities"] and str(path[2]).isdigit() else None


def push_woocommerce(connector, report: pa.Table, batch: int) -> PushResult:
    result = PushResult()
    calls_before = connector.http.counters.calls
    levels = [lv for group in corrections(report).values() for lv in group]
    for start in range(0, len(levels), batch):
        chunk = levels[start:start + batch]
        products = {lv.sku: _woo_ids(lv.item) for lv in chunk}
        errors = connector.set_stock({lv.sku: lv.target for lv in chunk}, products)
        failed_ids = {str(e.get("id")): e["error"].get("message", "refused") for e in errors}
        for lv in chunk:
            ids = products[lv.sku]
            reason = failed_ids.get(str(ids["variation_id"] or ids["product_id"]))
            if reason:
                result.failed[f"{lv.sku}@store"] = reason
            else:
                result.pushed += 1
    result.calls = connector.http.counters.calls - calls_before
    return result


def _woo_ids(item: str) -> dict:
    product, variation = item.split("/")
    return {"product_id": int(product), "variation_id": int(variation)}
