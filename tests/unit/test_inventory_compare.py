"""The snapshot against one channel's levels, on small hand-made tables: the target (buffer, whole units
rounded down, never below zero, warehouses summed into one location), and which rows are mismatches of
which kind — quarantined rows never judged."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from retail_sync.canonical.inventory import INVENTORY_LEVEL_SCHEMA
from retail_sync.canonical.stock import STOCK_SNAPSHOT_SCHEMA
from retail_sync.flows.inventory.compare import compare_levels, mismatch_figures
from retail_sync.flows.inventory.settings import ChannelTarget

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


def snapshot(rows: list[tuple[str, str, float]]) -> pa.Table:
    return pa.table({"snapshot_at": [AT] * len(rows), "warehouse": [w for w, _, _ in rows],
                     "sku": [s for _, s, _ in rows], "product_id": list(range(len(rows))),
                     "on_hand": [a for _, _, a in rows], "reserved": [0.0] * len(rows),
                     "available": [a for _, _, a in rows], "quants": [1] * len(rows)}, schema=STOCK_SNAPSHOT_SCHEMA)


def levels(rows: list[tuple[str, str, int]]) -> pa.Table:
    return pa.Table.from_pylist([{"key": f"k:{s}@{loc}", "channel": "shop", "sku": s, "location_id": loc,
                                  "inventory_item_id": f"item-{s}", "available": a, "updated_at": None}
                                 for s, loc, a in rows], schema=INVENTORY_LEVEL_SCHEMA)


def test_targets_kinds_and_figures():
    good = snapshot([("WH", "SAME", 5.0), ("WH", "LOW", 2.7), ("WH", "SPLIT", 3.0), ("ANT", "SPLIT", 4.0),
                     ("WH", "NOT-LISTED", 6.0), ("WH", "EMPTY", 0.0), ("WH", "NEG", -3.0)])
    quarantined = snapshot([("WH", "HELD", -1.0)])
    odoo_skus = pa.array(["SAME", "LOW", "SPLIT", "NOT-LISTED", "EMPTY", "NEG", "HELD", "NO-STOCK"])
    shown = levels([("SAME", "L1", 4), ("LOW", "L1", 9), ("SPLIT", "L1", 1), ("HELD", "L1", 7), ("NO-STOCK", "L1", 2),
                    ("STRANGER", "L1", 3), ("NEG", "L1", 0), ("SAME", "L9", 50)])
    report = compare_levels(good, quarantined, odoo_skus, shown,
                            ChannelTarget("c", {"WH": "L1", "ANT": "L1"}, safety_buffer=1), "shop")
    got = {r["sku"]: (r["kind"], r["target"], r["channel_available"], r["difference"]) for r in report.to_pylist()}
    assert got == {
        "LOW": ("level_differs", 1, 9, 8),             # 2.7 units: 2 whole, less the buffer
        "SPLIT": ("level_differs", 6, 1, -5),          # WH 3 + ANT 4, less the buffer
        "NOT-LISTED": ("missing_on_channel", 5, None, None),
        "NO-STOCK": ("level_differs", 0, 2, 2),        # Odoo has the SKU, no stock in the mapped warehouses
        "STRANGER": ("unknown_sku", None, 3, None),    # reported, never corrected
    }   # SAME (4 = 5 − 1), EMPTY (shows nothing, lists nothing), NEG (0 = floor), HELD (quarantined): no mismatch
    assert {r["warehouse"] for r in report.to_pylist()} == {"ANT+WH"}
    figures = {(r["kind"]): (r["skus"], r["units"]) for r in mismatch_figures(report).to_pylist()}
    assert figures == {"level_differs": (3, 15), "missing_on_channel": (1, 5), "unknown_sku": (1, 0)}
