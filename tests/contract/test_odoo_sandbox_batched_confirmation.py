"""Sale orders confirmed in one call (the order flow confirms a page at once) get what one by one gives:
each its own delivery, numbered one after the other, its moves reserved in the orders' order — with short
stock the first order is served first — and move lines for exactly what was reserved."""

from __future__ import annotations

from .sale_fixtures import make_order, make_product, put_in_stock, read_one
from .test_odoo_sandbox_batched_accounting import consecutive
from .test_odoo_sandbox_stock_picking import moves_of, quants_of


def test_orders_confirmed_together_are_delivered_and_reserved_in_order(odoo):
    scarce, plenty = make_product(odoo), make_product(odoo)
    put_in_stock(odoo, scarce, 3)
    put_in_stock(odoo, plenty, 100)
    orders = [make_order(odoo, [{"product_id": scarce, "product_uom_qty": 2},
                                {"product_id": plenty, "product_uom_qty": n + 1}]) for n in range(3)]
    odoo.call("sale.order", "action_confirm", orders)
    pickings = [read_one(odoo, "sale.order", order, ["picking_ids"])["picking_ids"] for order in orders]
    assert all(len(found) == 1 for found in pickings)
    pickings = [found[0] for found in pickings]
    names = [read_one(odoo, "stock.picking", p, ["name"])["name"] for p in pickings]
    assert consecutive(names) and names == sorted(names)
    reserved = [sorted((m["product_uom_qty"], m["quantity"], m["state"]) for m in moves_of(odoo, p)) for p in pickings]
    assert reserved == [
        [(1.0, 1.0, "assigned"), (2.0, 2.0, "assigned")],
        [(2.0, 1.0, "partially_available"), (2.0, 2.0, "assigned")],
        [(2.0, 0.0, "confirmed"), (3.0, 3.0, "assigned")],
    ]
    states = [read_one(odoo, "stock.picking", p, ["state"])["state"] for p in pickings]
    assert states == ["assigned", "assigned", "assigned"]    # ship as soon as possible: something is ready
    assert quants_of(odoo, scarce) == (3.0, 3.0) and quants_of(odoo, plenty) == (100.0, 6.0)
    lines = odoo.call("stock.move.line", "search_read", [["picking_id", "in", pickings]],
                      ["picking_id", "product_id", "quantity"])
    per_picking = {p: sorted((line["product_id"][0], line["quantity"]) for line in lines if line["picking_id"][0] == p)
                   for p in pickings}
    assert per_picking == {pickings[0]: sorted([(scarce, 2.0), (plenty, 1.0)]),
                           pickings[1]: sorted([(scarce, 1.0), (plenty, 2.0)]),
                           pickings[2]: [(plenty, 3.0)]}
