"""`load()` writes its rows as a batch (new records in one create, as Odoo's `_load_records` does), yet what
comes out is what row-by-row writing gives: a row may name a record an earlier row of the same call makes
(Odoo flushes its batch first), an external id given twice updates the record the first row made, several
new sale orders get consecutive numbers, and each order's totals count all its lines loaded in one call."""

from __future__ import annotations

import uuid

import pytest

from .sale_fixtures import make_product, make_tax, tax_field


@pytest.fixture
def tag() -> str:
    return uuid.uuid4().hex[:8]


def test_a_row_may_name_a_record_an_earlier_row_of_the_same_load_makes(odoo, tag):
    fields = ["id", "name", "parent_id/id", "type"]
    rows = [[f"retail_sync.co_{tag}", f"Company {tag}", "", "contact"],
            [f"retail_sync.inv_{tag}", f"Billing {tag}", f"retail_sync.co_{tag}", "invoice"],
            [f"retail_sync.dlv_{tag}", f"Shipping {tag}", f"retail_sync.co_{tag}", "delivery"]]
    result = odoo.call("res.partner", "load", fields, rows)
    assert result["messages"] == [] and len(result["ids"]) == 3
    company, billing, shipping = result["ids"]
    parents = {r["id"]: r["parent_id"] for r in odoo.call("res.partner", "read", result["ids"], ["parent_id"])}
    assert parents[company] is False
    assert parents[billing][0] == company and parents[shipping][0] == company


def test_an_external_id_given_twice_in_one_load_updates_the_record_its_first_row_made(odoo, tag):
    fields = ["id", "name", "list_price"]
    rows = [[f"retail_sync.twice_{tag}", f"First {tag}", "5"], [f"retail_sync.other_{tag}", f"Other {tag}", "7"],
            [f"retail_sync.twice_{tag}", f"Second {tag}", "6"]]
    result = odoo.call("product.template", "load", fields, rows)
    assert result["messages"] == []
    first, other, again = result["ids"]
    assert again == first and other != first
    read = {r["id"]: (r["name"], r["list_price"]) for r in odoo.call("product.template", "read", [first, other],
                                                                       ["name", "list_price"])}
    assert read == {first: (f"Second {tag}", 6.0), other: (f"Other {tag}", 7.0)}
    bound = odoo.call("ir.model.data", "search_read", [["module", "=", "retail_sync"], ["name", "=", f"twice_{tag}"]],
                      ["res_id"])
    assert [b["res_id"] for b in bound] == [first]


def test_a_failing_row_rolls_back_the_rows_written_before_it_in_the_same_batch(odoo, tag):
    fields = ["id", "name", "list_price"]
    rows = [[f"retail_sync.ok_{tag}_{i}", f"Fine {tag} {i}", "1"] for i in range(3)]
    rows.append([f"retail_sync.bad_{tag}", f"Bad {tag}", "not a number"])
    result = odoo.call("product.template", "load", fields, rows)
    assert result["ids"] is False
    assert [m["record"] for m in result["messages"] if m["type"] == "error"] == [3]
    assert odoo.call("product.template", "search_count", [["name", "like", tag]]) == 0
    assert odoo.call("ir.model.data", "search_count", [["module", "=", "retail_sync"],
                                                       ["name", "like", f"ok_{tag}"]]) == 0


def test_sale_orders_loaded_together_get_consecutive_numbers_and_totals_of_all_their_lines(odoo, tag):
    tax = make_tax(odoo, 10.0, included=False)
    product = make_product(odoo, price=10.0, taxes=[tax], storable=False)
    partner = odoo.call("res.partner", "create", {"name": f"Buyer {tag}"})
    orders = odoo.call("sale.order", "load", ["id", "partner_id/.id", "client_order_ref"],
                       [[f"retail_sync.so_{tag}_{i}", str(partner), f"#{tag}-{i}"] for i in range(3)])
    assert orders["messages"] == [] and len(orders["ids"]) == 3
    taxes = f"{tax_field(odoo)}/.id"
    line_rows = [[f"retail_sync.sol_{tag}_{i}_{j}", f"retail_sync.so_{tag}_{i}", str(product), str(j + 1), "10",
                  str(tax)] for i in range(3) for j in range(i + 1)]
    lines = odoo.call("sale.order.line", "load", ["id", "order_id/id", "product_id/.id", "product_uom_qty",
                                                  "price_unit", taxes], line_rows)
    assert lines["messages"] == [] and len(lines["ids"]) == 6
    read = odoo.call("sale.order", "read", orders["ids"], ["name", "amount_untaxed", "amount_tax", "amount_total"])
    by_id = {r["id"]: r for r in read}
    # Order i has lines of 1..i+1 units at 10 plus 10 % tax.
    for i, order_id in enumerate(orders["ids"]):
        untaxed = 10.0 * sum(range(1, i + 2))
        assert (by_id[order_id]["amount_untaxed"], by_id[order_id]["amount_tax"],
                by_id[order_id]["amount_total"]) == pytest.approx((untaxed, untaxed / 10, untaxed * 1.1))
    names = [by_id[i]["name"] for i in orders["ids"]]
    assert len(set(names)) == 3
    numbers = [int(name[1:]) for name in names]     # the sale.order sequence: S + five digits
    assert numbers == list(range(numbers[0], numbers[0] + 3))
