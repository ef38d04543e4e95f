"""stock.location.warehouse_id as addons/stock/models/stock_location.py computes and stores it: the warehouse
whose view location is the location itself or its nearest ancestor, none outside every warehouse. The
inventory snapshot takes each quant's warehouse from it."""

from __future__ import annotations

import uuid


def test_a_shelf_added_under_a_warehouse_belongs_to_it(odoo):
    warehouse = odoo.call("stock.warehouse", "search_read", [], ["view_location_id", "lot_stock_id"], limit=1)[0]
    shelf = odoo.admin_call("stock.location", "create", {"name": f"Shelf {uuid.uuid4().hex[:6]}",
                                                         "usage": "internal",
                                                         "location_id": warehouse["lot_stock_id"][0]})
    bin_ = odoo.admin_call("stock.location", "create", {"name": "Bin 1", "usage": "internal", "location_id": shelf})
    rows = odoo.call("stock.location", "read", [shelf, bin_, warehouse["view_location_id"][0]], ["warehouse_id"])
    assert [r["warehouse_id"][0] for r in rows] == [warehouse["id"]] * 3


def test_a_location_outside_every_warehouse_has_none(odoo):
    physical = odoo.call("stock.location", "search", [["usage", "=", "view"], ["location_id", "=", False]], limit=1)
    parent = odoo.admin_call("stock.location", "create", {"name": f"Pop-up {uuid.uuid4().hex[:6]}",
                                                          "usage": "view", "location_id": physical[0]})
    outside = odoo.admin_call("stock.location", "create", {"name": "Floor", "usage": "internal",
                                                           "location_id": parent})
    assert odoo.call("stock.location", "read", [outside], ["warehouse_id"])[0]["warehouse_id"] is False


def test_moving_a_location_into_a_warehouse_gives_it_that_warehouse(odoo):
    warehouse = odoo.call("stock.warehouse", "search_read", [], ["lot_stock_id"], limit=1)[0]
    loose = odoo.admin_call("stock.location", "create", {"name": f"Loose {uuid.uuid4().hex[:6]}",
                                                         "usage": "internal"})
    assert odoo.call("stock.location", "read", [loose], ["warehouse_id"])[0]["warehouse_id"] is False
    odoo.admin_call("stock.location", "write", [loose], {"location_id": warehouse["lot_stock_id"][0]})
    assert odoo.call("stock.location", "read", [loose], ["warehouse_id"])[0]["warehouse_id"][0] == warehouse["id"]
