"""`make bench`: run every benchmark in turn; each prints its own JSON line."""

from __future__ import annotations

from . import catalog_load, catalog_validate, inventory_snapshot, odoo_sandbox, settlement_reconcile, shopify_orders

BENCHMARKS = [odoo_sandbox.main, catalog_load.main, catalog_validate.main, shopify_orders.main,
              inventory_snapshot.main, settlement_reconcile.main]

if __name__ == "__main__":
    for bench in BENCHMARKS:
        bench()
