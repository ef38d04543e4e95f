"""`make bench`: run every benchmark in turn; each prints its own JSON line. (bench/order_latency.py starts a
whole Airflow for 10+ minutes: run it alone, `python -m bench.order_latency`.)"""

from __future__ import annotations

from . import (
    catalog_load,
    catalog_validate,
    dedupe_link,
    dedupe_merges,
    dedupe_quality,
    inventory_snapshot,
    odoo_sandbox,
    order_backlog,
    settlement_reconcile,
    shopify_orders,
)

BENCHMARKS = [odoo_sandbox.main, catalog_load.main, catalog_validate.main, shopify_orders.main,
              inventory_snapshot.main, order_backlog.main, settlement_reconcile.main, dedupe_quality.main,
              dedupe_link.main, dedupe_merges.main]

if __name__ == "__main__":
    for bench in BENCHMARKS:
        bench()
