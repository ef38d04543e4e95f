"""order_pull end to end in real Airflow: two stores pulled by mapped tasks into Odoo sale orders, the
demo world's bad orders quarantined and alerted by email; a second run changes nothing in Odoo; a store
that fails fails alone."""

from __future__ import annotations

import json

import pytest

from retail_sync.state.store import StateStore
from retail_sync_sandbox.datagen.world import build_world
from retail_sync_sandbox.demo_orders import odoo_caller, prepare_for_orders
from retail_sync_sandbox.serving import RunningServer
from retail_sync_sandbox.shopify.app import ShopifySandbox
from retail_sync_sandbox.shopify.app import create_app as shopify_app
from retail_sync_sandbox.woocommerce.app import WooSandbox
from retail_sync_sandbox.woocommerce.app import create_app as woo_app

from ..storefront_fixtures import SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET


@pytest.fixture(scope="module")
def small_world():
    """A tenth of the demo world: 45 Shopify EU and 20 WooCommerce orders, bad ones included."""
    return build_world(seed=11, scale=0.1)


@pytest.fixture
def shopify(small_world):
    with RunningServer(shopify_app(ShopifySandbox(small_world, "shopify-eu", SHOPIFY_TOKEN))) as server:
        yield server, None


@pytest.fixture
def woo(small_world):
    with RunningServer(woo_app(WooSandbox(small_world, "woo-uk", WOO_KEY, WOO_SECRET))) as server:
        yield server, None


@pytest.fixture
def stores(dag_world, shopify, woo, small_world, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SHOPIFY_EU", json.dumps({
        "conn_type": "shopify", "host": shopify[0].url, "password": SHOPIFY_TOKEN, "extra": {"channel": "shopify-eu"}}))
    monkeypatch.setenv("AIRFLOW_CONN_WOO_UK", json.dumps({
        "conn_type": "woocommerce", "host": woo[0].url, "login": WOO_KEY, "password": WOO_SECRET,
        "extra": {"channel": "woo-uk"}}))
    monkeypatch.setenv("RETAIL_SYNC_ORDERS_CHANNELS", "shopify_eu,woo_uk")
    prepare_for_orders(dag_world.sandbox, small_world)
    return dag_world, odoo_caller(dag_world.sandbox), {"shopify-eu": shopify, "woo-uk": woo}


def states(run) -> dict:
    return {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}


def pulls(run) -> dict[str, dict]:
    results = [ti.xcom_pull(task_ids="pull_channel", map_indexes=ti.map_index)
               for ti in run.get_task_instances() if ti.task_id == "pull_channel"]
    return {r["channel"]: r for r in results if r}


def test_two_stores_load_once_and_bad_orders_are_quarantined_and_alerted(dagbag, stores, small_world):
    world, odoo, servers = stores
    dag = dagbag.get_dag("order_pull")

    run = dag.test()
    assert run.state == "success", states(run)
    first = pulls(run)
    assert set(first) == {"shopify-eu", "woo-uk"}
    refs = {(o["origin"], o["client_order_ref"]) for o in odoo("sale.order", "search_read", [],
                                                                ["origin", "client_order_ref"])}
    loaded = sum(r["counts"].get("loaded", 0) for r in first.values())
    assert loaded > 0 and len(refs) == loaded
    expected = {(o["store"], o["name"]) for o in small_world.orders if o["store"] in first}
    assert refs <= expected
    # Every order of the two stores has an outcome; the world's bad orders are among the quarantined.
    for channel, result in first.items():
        stored = sum(1 for o in small_world.orders if o["store"] == channel)
        assert sum(result["counts"].values()) >= stored, (channel, result)
        assert result["latency_p95"] is not None and result["watermark"]
    store = StateStore()
    quarantined = {d.key for d in store.dead_letters("orders") if d.stage == "validate"}
    assert quarantined, "the demo world plants bad orders in every store"
    subjects = [m["Subject"] for m in world.mail.messages]
    assert any("order(s) not loaded" in s and "quarantined" in s for s in subjects), subjects
    body = "\n".join(m.get_body(("plain",)).get_content() for m in world.mail.messages)
    assert not any(o["email"] and o["email"] in body for o in small_world.orders), "customer emails are masked"
    metrics = store.metric_totals("orders", run.run_id)
    assert metrics["orders_loaded"] == loaded

    before = odoo("sale.order", "search_count", [])
    again = dag.test()
    assert again.state == "success", states(again)
    assert odoo("sale.order", "search_count", []) == before
    assert all(r["counts"].get("loaded", 0) == 0 for r in pulls(again).values())


def test_a_failing_store_fails_alone(dagbag, stores, monkeypatch):
    """A store refusing our token (revoked app) fails its own task; the other store's orders load."""
    world, odoo, servers = stores
    monkeypatch.setenv("AIRFLOW_CONN_SHOPIFY_EU", json.dumps({
        "conn_type": "shopify", "host": servers["shopify-eu"][0].url, "password": "shpat_revoked",
        "extra": {"channel": "shopify-eu"}}))
    dag = dagbag.get_dag("order_pull")

    run = dag.test()
    assert run.state == "failed"
    mapped = [ti for ti in run.get_task_instances() if ti.task_id == "pull_channel"]
    assert sorted(ti.state for ti in mapped) == ["failed", "success"], states(run)
    origins = {o["origin"] for o in odoo("sale.order", "search_read", [], ["origin"])}
    assert origins == {"woo-uk"}
    subjects = [m["Subject"] for m in world.mail.messages]
    assert any("pull_channel [shopify_eu] failed" in s for s in subjects), subjects
