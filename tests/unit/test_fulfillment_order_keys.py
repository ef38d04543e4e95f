"""The fulfilment push finds a sale order's channel order from the external id the order pull gave it:
names made by the order pull's own mapper are read back to their keys; names of another channel, of
another entity, or altered are not."""

from __future__ import annotations

import pytest

from retail_sync.canonical.keys import entity_key
from retail_sync.flows.fulfillment.shipments import order_key_of
from retail_sync.odoo.binder import MODULE, xmlid_name
from retail_sync.odoo.mappers.sale_order import ORDER_COLUMNS, order_row


@pytest.mark.parametrize("channel, source_id", [("shopify-eu", "5100000046"), ("woo-uk", "1047"),
                                                ("shopify_us2", "77")])
def test_the_order_pulls_external_ids_give_back_their_keys(channel, source_id):
    key = entity_key(channel, "order", source_id)
    order = {"key": key, "name": "#1047", "channel": channel, "created_at": None, "note": None}
    _, row = order_row(order, 1, 2, 3, 4, None)
    values = dict(zip(ORDER_COLUMNS, row))
    module, name = values["id"].split(".", 1)
    assert module == MODULE and (values["origin"], values["client_order_ref"]) == (channel, "#1047")
    assert order_key_of(channel, name) == key


def test_names_that_are_not_this_channels_orders_are_not_taken():
    key = entity_key("shopify-eu", "order", "5100000046")
    assert order_key_of("shopify_eu", xmlid_name(key)) is None            # made safe alike, another channel
    assert order_key_of("shopify-eu", xmlid_name(entity_key("shopify-eu", "order_line", "88121"))) is None
    assert order_key_of("shopify-eu", xmlid_name(entity_key("shopify-eu", "customer", "5"))) is None
    assert order_key_of("shopify-eu", xmlid_name(key)[:-1] + "0") is None  # digest does not match
    assert order_key_of("woo-uk", xmlid_name(key)) is None


def test_an_id_the_external_id_cannot_hold_is_not_guessed():
    """Shopify and WooCommerce order ids are numbers; an id with characters made safe in the name cannot be
    rebuilt, and is left unknown (its picking dead-lettered) rather than guessed."""
    key = entity_key("woo-uk", "order", "A-12.b")
    assert order_key_of("woo-uk", xmlid_name(key)) is None
