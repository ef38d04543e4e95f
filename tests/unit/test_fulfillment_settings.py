"""RETAIL_SYNC_FULFILLMENT_CHANNELS and the other fulfilment settings from the environment: what is taken,
and what is refused with a message naming the variable."""

from __future__ import annotations

import pytest

from retail_sync.airflow.tasks.fulfillment import channel_conn_ids, fulfillment_settings
from retail_sync.flows.fulfillment.settings import FulfillmentChannel


def test_channels_are_connection_ids_or_objects_with_a_carrier(monkeypatch):
    monkeypatch.setenv("RETAIL_SYNC_FULFILLMENT_CHANNELS", '["shopify_eu", {"conn_id": "woo_uk", "carrier": "DPD"}]')
    monkeypatch.setenv("RETAIL_SYNC_FULFILLMENT_OVERLAP_SECONDS", "120")
    settings = fulfillment_settings()
    assert settings.channels == (FulfillmentChannel("shopify_eu"), FulfillmentChannel("woo_uk", "DPD"))
    assert settings.overlap_seconds == 120 and settings.channel("woo_uk").carrier == "DPD"
    assert channel_conn_ids() == ["shopify_eu", "woo_uk"]
    with pytest.raises(KeyError, match="shopify_us"):
        settings.channel("shopify_us")


def test_no_channels_configured_means_no_mapped_task(monkeypatch):
    monkeypatch.delenv("RETAIL_SYNC_FULFILLMENT_CHANNELS", raising=False)
    assert channel_conn_ids() == []


@pytest.mark.parametrize("raw", ['{"conn_id": "shopify_eu"}', "shopify_eu", "[1]", '[{"carrier": "DHL"}]',
                                 '[{"conn_id": "x", "carier": "DHL"}]', '[""]'])
def test_bad_channel_settings_are_refused_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("RETAIL_SYNC_FULFILLMENT_CHANNELS", raw)
    with pytest.raises(ValueError, match="RETAIL_SYNC_FULFILLMENT_CHANNELS"):
        fulfillment_settings()


def test_a_bad_number_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("RETAIL_SYNC_FULFILLMENT_PAGE_SIZE", "lots")
    with pytest.raises(ValueError, match="RETAIL_SYNC_FULFILLMENT_PAGE_SIZE"):
        fulfillment_settings()
