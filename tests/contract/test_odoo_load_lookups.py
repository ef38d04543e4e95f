"""What a `load()` call's rows name — records by database id (`rel/.id`), by external id (`rel/id`, their own
`id`) — is found as per cell (the sandbox reads them up front for the whole call): shared references all
resolve, a missing record fails only the row naming it, and an external id whose record is gone makes a new
record and follows it."""

from __future__ import annotations

import uuid

import pytest

from .sale_fixtures import make_product, make_tax, tax_field


@pytest.fixture
def tag() -> str:
    return uuid.uuid4().hex[:8]


def orders_with_external_ids(odoo, tag: str, count: int) -> list[str]:
    partner = odoo.call("res.partner", "create", {"name": f"Loader {tag}"})
    xmlids = [f"retail_sync.so_{tag}_{n}" for n in range(count)]
    result = odoo.call("sale.order", "load", ["id", "partner_id/.id", "client_order_ref"],
                       [[xmlid, str(partner), f"#{tag}-{n}"] for n, xmlid in enumerate(xmlids)])
    assert result["messages"] == [] and len(result["ids"]) == count
    return xmlids


def test_lines_sharing_their_references_all_resolve(odoo, tag):
    """Six lines of three orders named by external id, two products and one tax named by database id."""
    tax = make_tax(odoo, 10.0, False)
    products = [make_product(odoo, price=4.0, taxes=[tax]), make_product(odoo, price=6.0, taxes=[tax])]
    orders = orders_with_external_ids(odoo, tag, 3)
    taxes = tax_field(odoo)
    fields = ["id", "order_id/id", "product_id/.id", "product_uom_qty", f"{taxes}/.id"]
    rows = [[f"retail_sync.sol_{tag}_{n}", orders[n % 3], str(products[n % 2]), str(n + 1), str(tax)]
            for n in range(6)]
    result = odoo.call("sale.order.line", "load", fields, rows)
    assert result["messages"] == [] and len(result["ids"]) == 6
    read = odoo.call("sale.order.line", "read", result["ids"], ["order_id", "product_id", "product_uom_qty", taxes])
    order_ids = {xmlid: odoo.call("ir.model.data", "search_read", [["module", "=", "retail_sync"],
                                                                   ["name", "=", xmlid.split(".", 1)[1]]],
                                  ["res_id"])[0]["res_id"] for xmlid in orders}
    assert [(r["order_id"][0], r["product_id"][0], r["product_uom_qty"], r[taxes]) for r in read] == [
        (order_ids[orders[n % 3]], products[n % 2], float(n + 1), [tax]) for n in range(6)]


def test_a_row_naming_a_missing_record_fails_alone(odoo, tag):
    """Among rows naming an existing product, one names a product deleted since: that row's error, by
    field, and nothing of the call is written."""
    [order] = orders_with_external_ids(odoo, tag, 1)
    kept, gone = make_product(odoo), make_product(odoo)
    odoo.admin_call("product.product", "unlink", [gone])
    fields = ["id", "order_id/id", "product_id/.id", "product_uom_qty"]
    rows = [[f"retail_sync.line_{tag}_{n}", order, str(product), "1"] for n, product in enumerate([kept, gone, kept])]
    result = odoo.call("sale.order.line", "load", fields, rows)
    assert result["ids"] is False
    errors = [m for m in result["messages"] if m["type"] == "error"]
    assert [(m["record"], m.get("field")) for m in errors] == [(1, "product_id")]
    assert str(gone) in errors[0]["message"]
    assert odoo.call("sale.order.line", "search_count", [["order_id.client_order_ref", "=", f"#{tag}-0"]]) == 0


def test_an_external_id_whose_record_is_gone_makes_a_new_one(odoo, tag):
    xmlid = f"retail_sync.gone_{tag}"
    [first] = odoo.call("res.partner", "load", ["id", "name"], [[xmlid, f"First {tag}"]])["ids"]
    odoo.admin_call("res.partner", "unlink", [first])
    result = odoo.call("res.partner", "load", ["id", "name"], [[xmlid, f"Second {tag}"],
                                                               [f"retail_sync.other_{tag}", f"Other {tag}"]])
    assert result["messages"] == []
    second = result["ids"][0]   # (SQLite may give the deleted record's id again, PostgreSQL does not)
    assert odoo.call("res.partner", "read", [second], ["name"])[0]["name"] == f"Second {tag}"
    bound = odoo.call("ir.model.data", "search_read", [["module", "=", "retail_sync"], ["name", "=", f"gone_{tag}"]],
                      ["res_id"])
    assert [b["res_id"] for b in bound] == [second]


@pytest.mark.parametrize("rows", [1, 3], ids=["row by row", "batched"])
def test_a_row_with_an_external_id_and_a_database_id_follows_the_external_id(odoo, tag, rows):
    """Odoo's load() keeps `.id` only for a row without an external id (models.py `load`: `if xid: … elif id:`):
    a new external id beside the database id of an existing partner makes a NEW partner bound to it, and the
    partner named by `.id` is left as it was."""
    existing = odoo.call("res.partner", "create", {"name": f"Existing {tag}"})
    fields = ["id", ".id", "name"]
    data = [[f"retail_sync.both_{tag}_{n}", str(existing), f"Loaded {tag} {n}"] for n in range(rows)]
    result = odoo.call("res.partner", "load", fields, data)
    assert result["messages"] == [] and len(result["ids"]) == rows and existing not in result["ids"]
    assert odoo.call("res.partner", "read", [existing], ["name"])[0]["name"] == f"Existing {tag}"
    bound = odoo.call("ir.model.data", "search_read", [["module", "=", "retail_sync"],
                                                      ["name", "=like", f"both_{tag}_%"]], ["res_id"])
    assert sorted(r["res_id"] for r in bound) == sorted(result["ids"])


@pytest.mark.parametrize("rows", [1, 3], ids=["row by row", "batched"])
def test_an_archived_record_named_by_database_id_is_found_only_without_active_test(odoo, tag, rows):
    """Odoo's load() checks a `.id` with `self.search([('id', '=', id)])` and a `rel/.id` with the comodel's
    search (models.py `_convert_records`, `db_id_for`): an archived record is "unknown" unless the call's context
    has active_test=False, with which it is updated or pointed to as any other."""
    partners = odoo.call("res.partner", "create", [{"name": f"Archived {tag} {n}"} for n in range(rows)])
    odoo.call("res.partner", "write", partners, {"active": False})
    data = [[str(partner), f"Renamed {tag} {n}"] for n, partner in enumerate(partners)]
    refused = odoo.call("res.partner", "load", [".id", "name"], data)
    assert not refused["ids"] and any("Unknown database identifier" in m["message"] for m in refused["messages"])
    loaded = odoo.call("res.partner", "load", [".id", "name"], data, context={"active_test": False})
    assert loaded["messages"] == [] and loaded["ids"] == partners
    names = odoo.call("res.partner", "read", partners, ["name"])
    assert [n["name"] for n in names] == [f"Renamed {tag} {n}" for n in range(rows)]
    # A row pointing to an archived record by database id: refused, then found with active_test off.
    contacts = [[f"Contact {tag} {n}", str(partner)] for n, partner in enumerate(partners)]
    refused = odoo.call("res.partner", "load", ["name", "parent_id/.id"], contacts)
    assert not refused["ids"] and refused["messages"]
    loaded = odoo.call("res.partner", "load", ["name", "parent_id/.id"], contacts, context={"active_test": False})
    assert loaded["messages"] == [] and len(loaded["ids"]) == rows
