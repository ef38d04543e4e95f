"""The connection fields the provider declares are the ones the hooks read: the port field is shown
and honoured, timeouts reach the clients, and `ChannelHook.test_connection` (the Airflow UI's Test
button) answers from a real call to each sandbox, through `AIRFLOW_CONN_*` connections."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from airflow.models.connection import Connection
from airflow.providers_manager import ProvidersManager
from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

from retail_sync.airflow.hooks.channel import ChannelHook
from retail_sync.airflow.hooks.odoo import OdooHook
from retail_sync.channels.http import DEFAULT_TIMEOUT as CHANNEL_TIMEOUT
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer
from tests.storefront_fixtures import SHOPIFY_TOKEN, STRIPE_KEY, WOO_KEY, WOO_SECRET

ODOO_KEY = "fields-test-" + "f" * 28
TYPES = ("odoo", "shopify", "woocommerce", "stripe")


def set_connection(monkeypatch, conn_id: str, conn: dict) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


def host_and_port(url: str) -> tuple[str, int]:
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.host}", parsed.port


@pytest.fixture(scope="module")
def odoo_server():
    sandbox = OdooSandbox(18, credentials=SeedCredentials("admin", integration_api_key=ODOO_KEY))
    with RunningServer(create_app(sandbox)) as server:
        yield server


def test_airflow_sees_every_connection_type_with_the_port_field_shown():
    manager, runtime = ProvidersManager(), ProvidersManagerTaskRuntime()
    for conn_type in TYPES:
        assert runtime.hooks[conn_type].connection_type == conn_type     # registered: the Test button works
        behaviour = manager.field_behaviours[conn_type]
        assert "port" not in behaviour["hidden_fields"]       # both hooks read conn.port
        assert "timeout" in {name.rsplit("__", 1)[-1] for name in manager.connection_form_widgets
                             if name.startswith(f"extra__{conn_type}__")}


def test_the_odoo_hook_honours_the_port_field_and_the_timeout(monkeypatch, odoo_server):
    host, port = host_and_port(odoo_server.url)
    set_connection(monkeypatch, "odoo_split", {"conn_type": "odoo", "host": host, "port": port, "login": "retail-sync",
                                               "password": ODOO_KEY, "extra": {"database": "odoo", "timeout": "7"}})
    hook = OdooHook("odoo_split")
    assert hook.config.url == odoo_server.url.rstrip("/") and hook.config.timeout == 7.0
    ok, message = hook.test_connection()
    assert ok and message.startswith("Odoo 18 answered")


def test_each_channel_connection_tests_green_over_http(monkeypatch, shopify, woo, stripe_sandbox):
    host, port = host_and_port(shopify[0].url)
    set_connection(monkeypatch, "shop", {"conn_type": "shopify", "host": host, "port": port,
                                         "password": SHOPIFY_TOKEN})
    set_connection(monkeypatch, "woo", {"conn_type": "woocommerce", "host": woo[0].url, "login": WOO_KEY,
                                        "password": WOO_SECRET, "extra": {"timeout": 4}})
    set_connection(monkeypatch, "pay", {"conn_type": "stripe", "host": stripe_sandbox[0].url, "password": STRIPE_KEY})
    results = {conn_id: ChannelHook(conn_id).test_connection() for conn_id in ("shop", "woo", "pay")}
    assert results["shop"][0] and "Shopify shop" in results["shop"][1]
    assert results["woo"][0] and "WooCommerce store answered" in results["woo"][1]
    assert results["pay"] == (True, "Stripe account answered")
    with ChannelHook("woo").get_conn() as woo_connector, ChannelHook("pay").get_conn() as stripe_connector:
        assert woo_connector.http.client.timeout == httpx.Timeout(4.0)
        assert stripe_connector.http.client.timeout == httpx.Timeout(CHANNEL_TIMEOUT)


def test_a_failed_test_names_the_connection_and_never_the_secret(monkeypatch, shopify, woo):
    set_connection(monkeypatch, "woo_bad", {"conn_type": "woocommerce", "host": woo[0].url, "login": WOO_KEY,
                                            "password": "cs_wrong_secret"})
    ok, message = ChannelHook("woo_bad").test_connection()
    assert not ok and "woo_bad" in message and "cs_wrong_secret" not in message
    set_connection(monkeypatch, "shop_ports", {"conn_type": "shopify", "host": shopify[0].url, "port": 1,
                                               "password": SHOPIFY_TOKEN})
    ok, message = ChannelHook("shop_ports").test_connection()
    assert not ok and "port" in message and "shop_ports" in message
    set_connection(monkeypatch, "shop_slow", {"conn_type": "shopify", "host": shopify[0].url,
                                              "password": SHOPIFY_TOKEN, "extra": {"timeout": "soon"}})
    ok, message = ChannelHook("shop_slow").test_connection()
    assert not ok and "timeout must be a positive number" in message
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    set_connection(monkeypatch, "stripe_down", {"conn_type": "stripe", "host": f"http://127.0.0.1:{port}",
                                                "password": STRIPE_KEY})
    ok, message = ChannelHook("stripe_down").test_connection()
    assert not ok and "connection failed" in message and STRIPE_KEY not in message
    set_connection(monkeypatch, "no_host", {"conn_type": "woocommerce", "login": WOO_KEY, "password": WOO_SECRET})
    ok, message = ChannelHook("no_host").test_connection()
    assert not ok and "no host" in message


def test_the_ui_test_button_path_reaches_the_channel_hook(monkeypatch, woo):
    # What Airflow's connection test endpoint does: the form becomes a transient AIRFLOW_CONN_* URI, and
    # Connection.test_connection() finds the hook class through our provider.
    conn = Connection(conn_id="ui_transient", conn_type="woocommerce", host=woo[0].url, login=WOO_KEY,
                      password=WOO_SECRET, extra=json.dumps({"channel": "woo-uk"}))
    monkeypatch.setenv("AIRFLOW_CONN_UI_TRANSIENT", conn.get_uri())
    ok, message = conn.test_connection()
    assert ok and "WooCommerce store answered" in message
