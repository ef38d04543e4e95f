"""The pull the kill test kills: one channel's order pull in a process of its own, on the test's Odoo
sandbox, state store and Shopify store (argv: tmp folder, Odoo URL, Shopify URL). Its lease is 1 s, so
the re-run after the kill need not wait long for it."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

from retail_sync.channels.shopify.connector import ShopifyConnector
from retail_sync.flows.orders.pull import OrderPull
from retail_sync.flows.orders.settings import OrderSettings
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.state.store import StateStore
from tests.integration.catalog_fixtures import API_KEY, FAST
from tests.integration.order_pull_fixtures import CHANNEL, CONN_ID, PAGE, pull_settings
from tests.storefront_fixtures import FAST_RETRIES, SHOPIFY_TOKEN, config


def main(tmp: str, odoo_url: str, shop_url: str) -> None:
    client = OdooClient(OdooConfig(odoo_url, "odoo", "retail-sync", API_KEY), policy=FAST)
    store = StateStore(f"sqlite:///{tmp}/state.sqlite")
    pull = OrderPull(pull_settings(Path(tmp), OrderSettings(chunk=50), lease_seconds=1), store,
                     lambda: nullcontext(client),
                     lambda conn_id: ShopifyConnector(config("shopify", CHANNEL, shop_url, conn_id), SHOPIFY_TOKEN,
                                                      page_size=PAGE, policy=FAST_RETRIES),
                     lambda alert: None, "killed")
    pull.pull_channel(CONN_ID)


if __name__ == "__main__":
    main(*sys.argv[1:4])
