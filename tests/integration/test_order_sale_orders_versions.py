"""The order load on Odoo 17 (JSON-RPC, `price_include`, payment `ref`) and 19 (JSON-2, `tax_ids`,
`product_uom_id`, `price_include_override`): the same page ends the same way as on 18."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.integration.sale_order_fixtures import start_order_world, woo_order_key
from tests.order_pages import woo_page


@pytest.mark.parametrize("version", [17, 19])
def test_paid_held_and_refunded_orders_on_each_version(small_world, tmp_path, version):
    bad = small_world.truth["bad_orders"]
    good = [o for o in small_world.orders_of("woo-uk") if woo_order_key(o) not in bad]
    paid = next(o for o in good if o["story"] == "paid" and not o["refunds"])
    held = next(o for o in good if o["story"] == "authorized")
    refunded = next(o for o in good if o["story"] == "partially_refunded" and len(o["lines"]) > 1)
    world = start_order_world(tmp_path, small_world.catalog, version)
    try:
        assert world.client.protocol == ("json2" if version == 19 else "jsonrpc")
        outcome = world.load(woo_page([paid, held, refunded]))
        assert outcome.counts == {"loaded": 3}, outcome.reasons
        assert outcome.held == [woo_order_key(held)]
        states = {o["client_order_ref"]: o["state"] for o in world.sale_orders()}
        assert states == {paid["name"]: "sale", held["name"]: "draft", refunded["name"]: "sale"}
        assert {(i["state"], i["amount_residual"]) for i in world.moves("out_invoice")} == {("posted", 0)}
        [credit_note] = world.moves("out_refund")
        assert Decimal(str(credit_note["amount_total"])) == Decimal(refunded["refunds"][0]["amount"])
        taxes = "tax_ids" if version >= 19 else "tax_id"
        lines = world.client.call("sale.order.line", "search_read", [["product_id.default_code", "!=", "SHIP"]], [taxes])
        assert all(len(li[taxes]) == 1 for li in lines)
    finally:
        world.world.server.stop()
