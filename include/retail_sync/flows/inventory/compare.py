"""Odoo's snapshot against one channel's levels: what each mapped channel location should show, what it
shows, and the difference — Arrow joins over the whole catalog, no Python loop over SKUs.

A channel location shows the summed `available` of the warehouses mapped to it, less the channel's safety
buffer, never below zero, in whole units (rounded down: a channel never shows stock that is not there).
A SKU Odoo has but without stock in those warehouses should show 0. A SKU Odoo does not know is reported
(`unknown_sku`), never created or changed. Rows quarantined by validation are not judged at all.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from retail_sync.canonical.stock import STOCK_MISMATCH_SCHEMA
from retail_sync.flows.inventory.settings import ChannelTarget

LEVEL_DIFFERS = "level_differs"            # both sides know the SKU and disagree: a correction is pushed
MISSING_ON_CHANNEL = "missing_on_channel"  # Odoo has stock to show, the channel does not list the SKU there
UNKNOWN_SKU = "unknown_sku"                # the channel lists a SKU Odoo does not have: reported only
_SEP = "\x1f"


def compare_levels(good: pa.Table, quarantined: pa.Table, odoo_skus: pa.Array, levels: pa.Table,
                   target: ChannelTarget, channel: str) -> pa.Table:
    """The mismatches (STOCK_MISMATCH_SCHEMA) between the validated snapshot rows `good` and the channel's
    `levels` (INVENTORY_LEVEL_SCHEMA) at the locations `target` maps; `quarantined` holds the (sku, warehouse)
    rows validation set aside, `odoo_skus` every SKU Odoo has."""
    mapping = pa.table({"warehouse": list(target.locations), "location_id": list(target.locations.values())})
    labels = mapping.group_by("location_id", use_threads=False).aggregate([("warehouse", "distinct")])
    labels = pa.table({"location_id": labels["location_id"],
                       "warehouse": [("+".join(sorted(w)) if w else None) for w in labels["warehouse_distinct"].to_pylist()]})
    odoo = (good.select(["warehouse", "sku", "available"]).join(mapping, "warehouse", join_type="inner")
            .group_by(["sku", "location_id"], use_threads=False).aggregate([("available", "sum")])
            .rename_columns(["sku", "location_id", "odoo_available"]))
    shown = levels.filter(pc.is_in(levels["location_id"], mapping["location_id"])).select(
        ["sku", "location_id", "available", "inventory_item_id"]).rename_columns(
        ["sku", "location_id", "channel_available", "inventory_item_id"])
    both = odoo.join(shown, ["sku", "location_id"], join_type="full outer").join(labels, "location_id")

    set_aside = quarantined.select(["sku", "warehouse"]).join(mapping, "warehouse", join_type="inner")
    judged = pc.invert(pc.is_in(_pair(both), value_set=_pair(set_aside)))
    known = pc.is_in(both["sku"], value_set=odoo_skus)
    odoo_available = pc.if_else(pc.and_kleene(pc.is_null(both["odoo_available"]), known), 0.0, both["odoo_available"])
    wanted = pc.max_element_wise(pc.subtract(pc.floor(odoo_available), float(target.safety_buffer)), 0.0,
                                 skip_nulls=False)
    wanted = pc.cast(wanted, pa.int64())
    channel_available = both["channel_available"]
    kind = pc.if_else(pc.invert(known), UNKNOWN_SKU,
                      pc.if_else(pc.is_null(channel_available), MISSING_ON_CHANNEL,
                                 pc.if_else(pc.not_equal(wanted, channel_available), LEVEL_DIFFERS,
                                            pa.scalar(None, pa.string()))))
    report = pa.table({
        "sku": both["sku"], "warehouse": both["warehouse"],
        "channel": pa.repeat(pa.scalar(channel), both.num_rows), "location_id": both["location_id"], "kind": kind,
        "odoo_available": odoo_available, "target": wanted, "channel_available": channel_available,
        "difference": pc.subtract(channel_available, wanted), "inventory_item_id": both["inventory_item_id"],
    })
    keep = pc.and_kleene(judged, pc.is_valid(kind))
    # Nothing to show and nothing shown is no mismatch, even where the channel does not list the SKU.
    keep = pc.and_kleene(keep, pc.invert(pc.and_kleene(pc.equal(kind, MISSING_ON_CHANNEL), pc.equal(wanted, 0))))
    return report.filter(keep).cast(STOCK_MISMATCH_SCHEMA).sort_by([("location_id", "ascending"),
                                                                     ("sku", "ascending")])


def mismatch_figures(report: pa.Table) -> pa.Table:
    """Per warehouse × channel × kind: how many SKUs, and how many units apart (missing: the units not shown)."""
    units = pc.abs(pc.if_else(pc.is_null(report["difference"]), pc.negate(report["target"]), report["difference"]))
    table = report.select(["warehouse", "channel", "kind"]).append_column("units", pc.fill_null(units, 0))
    return table.group_by(["warehouse", "channel", "kind"], use_threads=False).aggregate(
        [("units", "count"), ("units", "sum")]).rename_columns(["warehouse", "channel", "kind", "skus", "units"])


def _pair(table: pa.Table) -> pa.Array:
    return pc.binary_join_element_wise(pc.fill_null(table["sku"], ""), table["location_id"], _SEP)
