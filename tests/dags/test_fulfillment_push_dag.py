"""fulfillment_push end to end in real Airflow: one mapped task per configured channel connection, the
deliveries validated in Odoo told to the Shopify and WooCommerce sandboxes; a second run tells nothing
again; a picking whose order the channel does not know is dead-lettered and alerted by email while the
other channel's task succeeds."""

from __future__ import annotations

import json

import pytest

from retail_sync.state.store import StateStore

from ..integration.fulfillment_fixtures import ShipWorld, lines_of, open_orders
from ..storefront_fixtures import SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET


@pytest.fixture
def shipping(dag_world, shopify, woo, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SHOPIFY_EU", json.dumps({
        "conn_type": "shopify", "host": shopify[0].url, "password": SHOPIFY_TOKEN, "extra": {"channel": "shopify-eu"}}))
    monkeypatch.setenv("AIRFLOW_CONN_WOO_UK", json.dumps({
        "conn_type": "woocommerce", "host": woo[0].url, "login": WOO_KEY, "password": WOO_SECRET,
        "extra": {"channel": "woo-uk"}}))
    monkeypatch.setenv("RETAIL_SYNC_FULFILLMENT_CHANNELS", json.dumps([{"conn_id": "shopify_eu", "carrier": "DHL"},
                                                                        "woo_uk"]))
    # Set-up through the in-process Odoo (as its administrator); the DAG talks to it over HTTP.
    world = ShipWorld(dag_world.sandbox, None, None, StateStore(f"sqlite:///{dag_world.home}/state.sqlite"),
                      None, {"shopify_eu": shopify[0].url, "woo_uk": woo[0].url})
    return dag_world, world


def states(run) -> dict:
    return {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}


def test_each_channel_gets_its_shipments_once(dagbag, shipping, small_world):
    dag_world, world = shipping
    [shop_order] = open_orders(small_world, "shopify-eu", 1)
    [woo_order] = open_orders(small_world, "woo-uk", 1)
    world.ship(world.sell("shopify-eu", shop_order["id"], shop_order["name"], lines_of(shop_order)), tracking="1Z-DAG")
    world.ship(world.sell("woo-uk", woo_order["id"], f"#{woo_order['number']}", lines_of(woo_order)))
    dag = dagbag.get_dag("fulfillment_push")
    assert dag.get_task("push_channel").pool == "odoo_realtime" and dag.max_active_runs == 1

    run = dag.test()

    assert run.state == "success", states(run)
    assert sorted(k for k in states(run) if k[0] == "push_channel") == [("push_channel", 0), ("push_channel", 1)]
    with world.connector("shopify_eu") as shop, world.connector("woo_uk") as woo:
        node = shop.order_shipping(f"gid://shopify/Order/{shop_order['id']}")
        woo_status = woo.order(woo_order["id"])["status"]
        woo_notes = [n["note"] for n in woo.order_notes(woo_order["id"])]
    assert node["displayFulfillmentStatus"] == "FULFILLED"
    assert [(f["trackingInfo"][0]["company"], f["trackingInfo"][0]["number"]) for f in node["fulfillments"]] == [
        ("DHL", "1Z-DAG")]
    assert woo_status == "completed" and sum("[retail-sync:" in n for n in woo_notes) == 1
    assert world.store.watermark("fulfillment", "shopify-eu") and world.store.watermark("fulfillment", "woo-uk")

    again = dag.test()
    assert again.state == "success", states(again)
    with world.connector("shopify_eu") as shop, world.connector("woo_uk") as woo:
        assert len(shop.order_shipping(f"gid://shopify/Order/{shop_order['id']}")["fulfillments"]) == 1
        assert [n["note"] for n in woo.order_notes(woo_order["id"])] == woo_notes


def test_an_order_unknown_to_the_channel_is_dead_lettered_and_alerted(dagbag, shipping, small_world):
    dag_world, world = shipping
    [woo_order] = open_orders(small_world, "woo-uk", 1)
    world.ship(world.sell("woo-uk", 987654, "#987654", lines_of(woo_order)))      # no such order on the store
    world.ship(world.sell("woo-uk", woo_order["id"], f"#{woo_order['number']}", lines_of(woo_order)))

    run = dagbag.get_dag("fulfillment_push").test()

    assert run.state == "success", states(run)
    [letter] = world.store.dead_letters("fulfillment")
    assert "woo-uk:order:987654 is not on woo-uk" in letter.error
    subjects = [m["Subject"] for m in dag_world.mail.messages]
    assert sum("1 shipment(s) not told to woo-uk" in s for s in subjects) == 1
    with world.connector("woo_uk") as woo:
        assert woo.order(woo_order["id"])["status"] == "completed"
