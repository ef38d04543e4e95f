"""Which orders of a pulled batch need work: digests of their canonical content and the version held.

An order's digest covers its canonical rows (the order without its `raw` payload and `updated_at`, its
lines, payments, refunds and shipments), so a platform touching `updated_at` without changing anything
we load, or the overlap window delivering an order again, costs nothing. Each order also carries its
own `updated_at`: a version older than the one already handled (a late webhook, a retried page) is
stale and ignored, whatever it contains.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa

from retail_sync.channels.timestamps import iso_z
from retail_sync.state.store import OrderVersion

CHILD_TABLES = ("lines", "payments", "refunds", "shipments")
NOT_DIGESTED = ("raw", "updated_at")

NEW, CHANGED, UNCHANGED, STALE = "new", "changed", "unchanged", "stale"


@dataclass(frozen=True)
class Sorted:
    """The verdict on each order of a batch, and the version to record once it has an outcome."""

    verdicts: dict[str, str]              # order key -> new | changed | unchanged | stale
    versions: dict[str, OrderVersion]     # order key -> this batch's version (outcome still to be set)

    def keys(self, *verdicts: str) -> list[str]:
        return [key for key, verdict in self.verdicts.items() if verdict in verdicts]

    @property
    def to_load(self) -> list[str]:
        return self.keys(NEW, CHANGED)


def order_digests(tables: dict[str, pa.Table]) -> dict[str, str]:
    """sha256 of each order's canonical content (see the module's docstring), by order key."""
    children: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for name in CHILD_TABLES:
        if name in tables:
            for row in tables[name].to_pylist():
                children[row["order_key"]][name].append(row)
    digests = {}
    for row in tables["orders"].to_pylist():
        content = {k: v for k, v in row.items() if k not in NOT_DIGESTED}
        for name in CHILD_TABLES:
            content[name] = sorted(children[row["key"]][name], key=lambda r: r["key"])
        text = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
        digests[row["key"]] = hashlib.sha256(text.encode()).hexdigest()
    return digests


def sort_out(tables: dict[str, pa.Table], held: dict[str, OrderVersion]) -> Sorted:
    """Compare each order of one page with the version held (`StateStore.order_versions`).

    A page holds each order once (one answer of the platform); the same order on two pages — the overlap
    window, an order updated while the pull paged — is settled by handling pages one after the other."""
    orders = tables["orders"]
    if len(set(orders.column("key").to_pylist())) != orders.num_rows:
        raise ValueError("a page must hold each order once; handle the pages one after the other")
    digests = order_digests(tables)
    verdicts, versions = {}, {}
    for key, stamp in zip(orders.column("key").to_pylist(), orders.column("updated_at").to_pylist(), strict=True):
        updated = iso_z(stamp)
        versions[key] = OrderVersion(key, digests[key], updated, "")
        before = held.get(key)
        if before is None:
            verdicts[key] = NEW
        elif before.digest == digests[key]:
            verdicts[key] = UNCHANGED
        elif updated < before.source_updated_at:
            verdicts[key] = STALE
        else:
            verdicts[key] = CHANGED
    return Sorted(verdicts, versions)
