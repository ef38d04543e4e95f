"""A channel's order pull against the sandboxes: Odoo ready for orders (sale_order_fixtures), a Shopify store
of a tenth of the demo world, and the pull built exactly as the DAG's task builds it."""

from __future__ import annotations

from collections import Counter
from contextlib import nullcontext
from pathlib import Path

from retail_sync.channels.shopify.connector import ShopifyConnector
from retail_sync.flows.orders.pull import OrderPull, PullSettings
from retail_sync.flows.orders.settings import OrderSettings
from retail_sync.odoo.client import OdooClient, OdooConfig
from tests.integration.catalog_fixtures import API_KEY, FAST
from tests.integration.sale_order_fixtures import FLOW, OrderWorld, start_order_world
from tests.storefront_fixtures import FAST_RETRIES, SHOPIFY_TOKEN, config

CHANNEL, CONN_ID = "shopify-eu", "shopify_eu"
PAGE = 5                   # orders per Shopify page: a pull of this store takes several pages
BATCH = 10                 # orders per load into Odoo: several batches, so a failure can fall between them


def stocked_world(tmp: Path, catalog: list[dict]) -> OrderWorld:
    """Odoo ready for orders with every product of the catalog made up front (a pull loads whatever comes)."""
    world = start_order_world(tmp, catalog)
    world.add_products(catalog)
    return world


def pull_settings(tmp: Path, load: OrderSettings, lease_seconds: int = 300) -> PullSettings:
    return PullSettings(tmp / "staging", flow=FLOW, batch_orders=BATCH, lease_seconds=lease_seconds, load=load)


def order_pull(tmp: Path, world: OrderWorld, shop_url: str, run_id: str, alerts: list | None = None,
               lease_seconds: int = 300, own_client: bool = False) -> OrderPull:
    """`own_client`: a client of its own (threads must not share one)."""
    client = (OdooClient(OdooConfig(world.world.server.url, "odoo", "retail-sync", API_KEY), policy=FAST)
              if own_client else world.client)
    return OrderPull(pull_settings(tmp, world.settings, lease_seconds), world.store, lambda: nullcontext(client),
                     lambda conn_id: ShopifyConnector(config("shopify", CHANNEL, shop_url, conn_id), SHOPIFY_TOKEN,
                                                      page_size=PAGE, policy=FAST_RETRIES),
                     (alerts if alerts is not None else []).append, run_id)


def end_state(world: OrderWorld) -> dict:
    """What the pull leaves in Odoo, without ids (two databases compare equal)."""
    orders = world.client.call("sale.order", "search_read", [], ["client_order_ref", "origin", "state",
                                                                 "amount_total", "invoice_status"])
    return {"counts": world.counts(),
            "orders": sorted((o["origin"], o["client_order_ref"], o["state"], o["amount_total"], o["invoice_status"])
                             for o in orders),
            "moves": sorted((m["state"], m["amount_total"], m["payment_state"]) for m in world.moves("out_invoice")),
            "payments": sorted((p["payment_type"], p["amount"]) for p in world.payments())}


def assert_same(actual: dict, expected: dict) -> None:
    """Equal end states, or a message naming what differs (pytest truncates long dict diffs)."""
    for name in sorted(expected, key=lambda n: n == "counts"):     # the lists first: they say which
        a, e = actual[name], expected[name]
        if isinstance(e, list):
            extra, missing = Counter(a) - Counter(e), Counter(e) - Counter(a)
            assert not extra and not missing, f"{name}: extra {dict(extra)}, missing {dict(missing)}"
        else:
            assert a == e, f"{name}: {a} != {e}"
