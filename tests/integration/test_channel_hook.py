"""Each store is its own Airflow connection: the hook turns it into the right connector, and two
Shopify stores are two channels with their own keys."""

from __future__ import annotations

import json

import pytest

from retail_sync.airflow.hooks.channel import ChannelHook
from retail_sync.channels.errors import ChannelAuthError
from retail_sync.channels.shopify.connector import ShopifyConnector
from retail_sync.channels.stripe.connector import StripeConnector
from retail_sync.channels.woocommerce.connector import WooCommerceConnector
from tests.storefront_fixtures import SHOPIFY_TOKEN, STRIPE_KEY, WOO_KEY, WOO_SECRET


def set_connection(monkeypatch, conn_id: str, conn: dict) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


def test_connections_become_connectors_one_channel_per_store(monkeypatch, shopify, woo, stripe_sandbox):
    set_connection(monkeypatch, "shopify_eu", {"conn_type": "shopify", "host": shopify[0].url,
                                               "password": SHOPIFY_TOKEN, "extra": {"channel": "shopify-eu"}})
    set_connection(monkeypatch, "shopify_us", {"conn_type": "shopify", "host": shopify[0].url,
                                               "password": SHOPIFY_TOKEN})
    set_connection(monkeypatch, "woo_uk", {"conn_type": "woocommerce", "host": woo[0].url, "login": WOO_KEY,
                                           "password": WOO_SECRET, "extra": {"channel": "woo-uk"}})
    set_connection(monkeypatch, "stripe_default", {"conn_type": "stripe", "host": stripe_sandbox[0].url,
                                                   "password": STRIPE_KEY, "extra": {"channel": "stripe"}})
    eu, us = ChannelHook("shopify_eu").get_conn(), ChannelHook("shopify_us").get_conn()
    assert isinstance(eu, ShopifyConnector) and (eu.config.channel, us.config.channel) == ("shopify-eu", "shopify-us")
    assert next(eu.orders()).tables["orders"].column("key")[0].as_py().startswith("shopify-eu:order:")
    assert next(us.orders()).tables["orders"].column("key")[0].as_py().startswith("shopify-us:order:")
    woo_connector = ChannelHook("woo_uk").get_conn()
    assert isinstance(woo_connector, WooCommerceConnector) and next(woo_connector.orders()).record_count > 0
    stripe_connector = ChannelHook("stripe_default").get_conn()
    assert isinstance(stripe_connector, StripeConnector) and next(stripe_connector.payouts()).record_count > 0


def test_a_refused_secret_names_the_connection_and_a_wrong_type_is_refused(monkeypatch, woo):
    set_connection(monkeypatch, "woo_bad", {"conn_type": "woocommerce", "host": woo[0].url, "login": WOO_KEY,
                                            "password": "cs_wrong"})
    with pytest.raises(ChannelAuthError, match="woo_bad"):
        next(ChannelHook("woo_bad").get_conn().orders())
    set_connection(monkeypatch, "not_a_store", {"conn_type": "http", "host": "example.com", "password": "x"})
    with pytest.raises(ValueError, match="expected one of"):
        ChannelHook("not_a_store").get_conn()
