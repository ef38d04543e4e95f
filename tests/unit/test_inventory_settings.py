"""The inventory flow's settings from the environment: numbers and text per field, the channel mapping as
JSON; a wrong value fails naming the variable, before any run starts."""

from __future__ import annotations

import json

import pytest

from retail_sync.airflow.tasks.inventory import inventory_settings


def test_settings_and_channels_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RETAIL_SYNC_HOME", str(tmp_path))
    monkeypatch.setenv("RETAIL_SYNC_INVENTORY_PAGE_SIZE", "2000")
    monkeypatch.setenv("RETAIL_SYNC_INVENTORY_ALLOW_NEGATIVE", "ANT, RET")
    monkeypatch.setenv("RETAIL_SYNC_INVENTORY_HISTORY", "s3://bucket/inventory")
    monkeypatch.setenv("RETAIL_SYNC_INVENTORY_CHANNELS", json.dumps([
        {"conn_id": "shopify_eu", "locations": {"WH": "gid://shopify/Location/1"}, "safety_buffer": 2}]))
    settings = inventory_settings()
    assert settings.page_size == 2000 and settings.negative_allowed == {"ANT", "RET"}
    assert settings.history_root == "s3://bucket/inventory"
    assert settings.channel("shopify_eu").safety_buffer == 2
    assert settings.staging_root == tmp_path / "staging"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("RETAIL_SYNC_INVENTORY_MIN_ROW_RATIO", "half", "RETAIL_SYNC_INVENTORY_MIN_ROW_RATIO='half' is not a float"),
    ("RETAIL_SYNC_INVENTORY_CHANNELS", "{not json", "RETAIL_SYNC_INVENTORY_CHANNELS is not a JSON list"),
    ("RETAIL_SYNC_INVENTORY_CHANNELS", json.dumps([{"conn_id": "woo", "locations": {"WH": "store"},
                                                    "safety_buffer": -1}]), "safety_buffer must be a whole number"),
    ("RETAIL_SYNC_INVENTORY_CHANNELS", json.dumps([{"conn_id": "woo", "locations": {}}]),
     "need conn_id and a non-empty locations mapping"),
    ("RETAIL_SYNC_INVENTORY_CHANNELS", json.dumps([{"conn_id": "woo", "locations": {"WH": "store"}, "buffer": 1}]),
     "unknown keys ['buffer']"),
])
def test_a_wrong_setting_is_named(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as info:
        inventory_settings()
    assert message in str(info.value)
