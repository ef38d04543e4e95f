"""inventory_snapshot end to end in real Airflow: Odoo stock snapshotted into the history, both channels
corrected; then a snapshot that shrank by 90% blocked, alerted by email, and nothing pushed."""

from __future__ import annotations

import json

import pytest

from retail_sync.channels.shopify.connector import ShopifyConnector
from retail_sync.channels.woocommerce.connector import WooCommerceConnector
from retail_sync.flows.inventory.history import SnapshotHistory

from ..storefront_fixtures import SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, config

SHOPIFY_LOCATION = "gid://shopify/Location/71000001"
MAPPING = [{"conn_id": "shopify_eu", "locations": {"WH": SHOPIFY_LOCATION}, "safety_buffer": 2},
           {"conn_id": "woo_uk", "locations": {"WH": "store"}}]


@pytest.fixture
def stocked(dag_world, shopify, woo, small_world, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SHOPIFY_EU", json.dumps({
        "conn_type": "shopify", "host": shopify[0].url, "password": SHOPIFY_TOKEN, "extra": {"channel": "shopify-eu"}}))
    monkeypatch.setenv("AIRFLOW_CONN_WOO_UK", json.dumps({
        "conn_type": "woocommerce", "host": woo[0].url, "login": WOO_KEY, "password": WOO_SECRET,
        "extra": {"channel": "woo-uk"}}))
    monkeypatch.setenv("RETAIL_SYNC_INVENTORY_CHANNELS", json.dumps(MAPPING))
    sandbox = dag_world.sandbox
    db = sandbox.databases["odoo"]

    def odoo(model, method, *args, **kwargs):
        return sandbox.service.call_kw(db, 2, model, method, list(args), kwargs)

    on_hand = {row["sku"]: row["quantity"] for row in small_world.stock if row["location"] == "WH"}
    ids = odoo("product.product", "create", [{"name": sku, "default_code": sku, "type": "consu", "is_storable": True}
                                             for sku in sorted(on_hand)])
    stock = odoo("stock.warehouse", "search_read", [["code", "=", "WH"]], ["lot_stock_id"])[0]["lot_stock_id"][0]
    odoo("stock.quant", "create", [{"product_id": p, "location_id": stock, "inventory_quantity_auto_apply": on_hand[s]}
                                   for s, p in zip(sorted(on_hand), ids) if on_hand[s]], context={"inventory_mode": True})
    return dag_world, odoo, on_hand, {"shopify": shopify, "woo": woo}


def levels(servers) -> tuple[dict, dict]:
    shop_url, woo_url = servers["shopify"][0].url, servers["woo"][0].url
    with ShopifyConnector(config("shopify", "shopify-eu", shop_url, "shopify_eu"), SHOPIFY_TOKEN) as shop, \
            WooCommerceConnector(config("woocommerce", "woo-uk", woo_url, "woo_uk"), WOO_KEY, WOO_SECRET) as woo:
        a, b = shop.location_levels(SHOPIFY_LOCATION), woo.stock_levels()
    return (dict(zip(a["sku"].to_pylist(), a["available"].to_pylist())),
            dict(zip(b["sku"].to_pylist(), b["available"].to_pylist())))


def states(run) -> dict:
    return {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}


def test_snapshot_then_corrections_then_a_collapsed_snapshot_is_blocked(dagbag, stocked):
    world, odoo, on_hand, servers = stocked
    dag = dagbag.get_dag("inventory_snapshot")

    run = dag.test()
    assert run.state == "success", states(run)
    shop, woo = levels(servers)
    assert shop == {sku: max(0, qty - 2) for sku, qty in on_hand.items()}
    assert woo == on_hand
    history = SnapshotHistory(str(world.home / "rs" / "staging" / "inventory" / "snapshots"))
    assert history.dataset().to_table().num_rows == len(on_hand)

    quants = odoo("stock.quant", "search", [])
    odoo("stock.quant", "unlink", quants[len(quants) // 10:])          # Odoo answers a tenth of its stock
    for sandbox in (servers["shopify"][1], servers["woo"][1]):
        sandbox.stats.reset()
    blocked = dag.test()

    assert states(blocked)[("take_snapshot", -1)] == "failed"
    assert blocked.state == "failed"
    assert servers["shopify"][1].stats.snapshot()["calls"] == 0 and servers["woo"][1].stats.snapshot()["calls"] == 0
    assert levels(servers) == (shop, woo)
    assert history.dataset().to_table().num_rows == len(on_hand)        # the history keeps the good snapshot
    subjects = [m["Subject"] for m in world.mail.messages]
    assert sum("stock snapshot failed validation (BLOCKED, nothing pushed)" in s for s in subjects) == 1
    assert not any("task take_snapshot failed" in s for s in subjects)   # the flow alerted: no second email
