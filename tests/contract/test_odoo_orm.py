"""ORM semantics over RPC: domains, reads, x2many commands, load() upserts, external ids, versions."""

from __future__ import annotations

import uuid

import pytest

from .odoo_target import RpcError


@pytest.fixture
def tag():
    return uuid.uuid4().hex[:10]


@pytest.fixture
def companies(odoo, tag):
    """Two companies with contacts and addresses, named with a unique tag."""
    acme = odoo.call("res.partner", "create", {"name": f"Acme {tag}", "is_company": True, "ref": f"A-{tag}"})
    bolt = odoo.call("res.partner", "create", {"name": f"Bolt {tag}", "is_company": True, "email": f"x@{tag}.example"})
    ids = odoo.call("res.partner", "create", [
        {"name": f"Alice {tag}", "parent_id": acme, "email": f"alice@{tag}.example"},
        {"name": f"Bob {tag}", "parent_id": acme, "phone": "+32 2 555 01 01"},
        {"parent_id": acme, "type": "invoice", "city": "Gent", "name": False},
        {"name": f"Carol {tag}", "parent_id": bolt},
    ])
    return {"acme": acme, "bolt": bolt, "alice": ids[0], "bob": ids[1], "invoice": ids[2], "carol": ids[3]}


def ids_of(odoo, domain, **kw):
    return sorted(odoo.call("res.partner", "search", domain, **kw))


def test_create_dict_returns_int_and_list_returns_list(odoo, tag):
    single = odoo.call("res.partner", "create", {"name": f"One {tag}"})
    many = odoo.call("res.partner", "create", [{"name": f"Two {tag}"}, {"name": f"Three {tag}"}])
    assert isinstance(single, int) and isinstance(many, list) and len(many) == 2
    names = odoo.call("res.partner", "read", many, ["name"])
    assert [r["name"] for r in names] == [f"Two {tag}", f"Three {tag}"]


def test_read_shapes(odoo, companies, tag):
    alice, = odoo.call("res.partner", "read", [companies["alice"]], ["name", "parent_id", "phone", "child_ids",
                                                                     "display_name", "is_company"])
    assert alice["parent_id"] == [companies["acme"], f"Acme {tag}"]
    assert alice["phone"] is False and alice["is_company"] is False and alice["child_ids"] == []
    assert alice["display_name"] == f"Acme {tag}, Alice {tag}"
    raw, = odoo.call("res.partner", "read", [companies["alice"]], ["parent_id"], load=None)
    assert raw["parent_id"] == companies["acme"]
    acme, = odoo.call("res.partner", "read", [companies["acme"]], ["child_ids"])
    assert sorted(acme["child_ids"]) == sorted([companies["alice"], companies["bob"], companies["invoice"]])
    invoice, = odoo.call("res.partner", "read", [companies["invoice"]], ["display_name"])
    assert invoice["display_name"] == f"Acme {tag}, Invoice Address"


def test_domain_operators(odoo, companies, tag):
    c = companies
    everyone = [["name", "ilike", tag]]
    assert ids_of(odoo, everyone) == sorted([c["acme"], c["bolt"], c["alice"], c["bob"], c["carol"]])
    assert ids_of(odoo, ["|", ["name", "=", f"Alice {tag}"], ["name", "=", f"Bob {tag}"]]) == sorted([c["alice"], c["bob"]])
    assert ids_of(odoo, [*everyone, "!", ["is_company", "=", True]]) == sorted([c["alice"], c["bob"], c["carol"]])
    assert ids_of(odoo, ["&", ["parent_id", "=", c["acme"]], ["email", "!=", False]]) == [c["alice"]]
    assert ids_of(odoo, [["parent_id.name", "=", f"Bolt {tag}"]]) == [c["carol"]]
    assert ids_of(odoo, [["parent_id.ref", "=like", f"A-{tag[:4]}%"]]) == sorted([c["alice"], c["bob"], c["invoice"]])
    assert ids_of(odoo, [["id", "child_of", c["acme"]]]) == sorted([c["acme"], c["alice"], c["bob"], c["invoice"]])
    assert ids_of(odoo, [["id", "parent_of", c["carol"]]]) == sorted([c["bolt"], c["carol"]])
    assert ids_of(odoo, [["child_ids", "child_of", c["alice"]]]) == [c["acme"]]
    assert ids_of(odoo, [*everyone, ["ref", "=?", False]]) == ids_of(odoo, everyone)
    assert ids_of(odoo, [*everyone, ["ref", "=?", f"A-{tag}"]]) == [c["acme"]]
    assert ids_of(odoo, [["id", "in", [c["alice"], c["bob"]]], ["name", "not in", [f"Bob {tag}"]]]) == [c["alice"]]
    assert ids_of(odoo, [["email", "=ilike", f"ALICE@{tag}.EXAMPLE"]]) == [c["alice"]]
    assert ids_of(odoo, [*everyone, ["name", "not ilike", "alice"], ["is_company", "=", False]]) == sorted(
        [c["bob"], c["carol"]])
    assert ids_of(odoo, [["child_ids", "any", [["name", "=", f"Carol {tag}"]]]]) == [c["bolt"]]
    assert ids_of(odoo, [["parent_id", "=", f"Acme {tag}"], ["type", "=", "contact"]]) == sorted([c["alice"], c["bob"]])
    assert ids_of(odoo, [[1, "=", 1], ["id", "=", c["acme"]]]) == [c["acme"]]
    assert ids_of(odoo, [[0, "=", 1], ["id", "=", c["acme"]]]) == []


def test_bad_domains_are_refused(odoo):
    for domain in (["|", ["name", "=", "x"]], [["name", "=", "x", "extra"]], "name = x", [["name", "like"]]):
        with pytest.raises(RpcError) as info:
            odoo.call("res.partner", "search", domain)
        assert info.value.name == "builtins.ValueError", domain


def test_active_test(odoo, tag):
    gone = odoo.call("res.partner", "create", {"name": f"Gone {tag}", "active": False})
    assert odoo.call("res.partner", "search", [["name", "=", f"Gone {tag}"]]) == []
    assert odoo.call("res.partner", "search", [["name", "=", f"Gone {tag}"], ["active", "in", [True, False]]]) == [gone]
    assert odoo.call("res.partner", "search", [["name", "=", f"Gone {tag}"]], context={"active_test": False}) == [gone]
    assert odoo.call("res.partner", "read", [gone], ["active"])[0]["active"] is False


def test_order_limit_offset_count(odoo, tag):
    odoo.call("res.partner", "create", [{"name": f"{n} {tag}"} for n in ("b", "c", "a", "d")])
    domain = [["name", "like", tag]]
    names = [r["name"] for r in odoo.call("res.partner", "search_read", domain, ["name"], order="name desc")]
    assert names == [f"{n} {tag}" for n in "dcba"]
    page = odoo.call("res.partner", "search_read", domain, ["name"], order="name asc", limit=2, offset=1)
    assert [r["name"] for r in page] == [f"b {tag}", f"c {tag}"]
    assert odoo.call("res.partner", "search_count", domain) == 4
    with pytest.raises(RpcError):
        odoo.call("res.partner", "search", domain, order="name; drop table res_partner")


def test_x2many_commands(odoo, tag):
    pricelist = odoo.call("product.pricelist", "create", {"name": f"PL {tag}", "item_ids": [
        (0, 0, {"compute_price": "fixed", "fixed_price": 1.0}),
        (0, 0, {"compute_price": "fixed", "fixed_price": 2.0}),
    ]})
    items = odoo.call("product.pricelist", "read", [pricelist], ["item_ids"])[0]["item_ids"]
    assert len(items) == 2
    odoo.call("product.pricelist", "write", [pricelist], {"item_ids": [(1, items[0], {"fixed_price": 5.0}),
                                                                       (2, items[1], 0)]})
    remaining = odoo.call("product.pricelist.item", "search_read", [["pricelist_id", "=", pricelist]], ["fixed_price"])
    assert [r["fixed_price"] for r in remaining] == [5.0]
    taxes = odoo.call("account.tax", "search", [["type_tax_use", "=", "sale"]], limit=2)
    assert len(taxes) == 2
    template = odoo.call("product.template", "create", {"name": f"T {tag}", "taxes_id": [(6, 0, taxes)]})

    def tax_ids():
        return sorted(odoo.call("product.template", "read", [template], ["taxes_id"])[0]["taxes_id"])

    assert tax_ids() == sorted(taxes)
    odoo.call("product.template", "write", [template], {"taxes_id": [(3, taxes[0], 0)]})
    assert tax_ids() == [taxes[1]]
    odoo.call("product.template", "write", [template], {"taxes_id": [(4, taxes[0], 0)]})
    assert tax_ids() == sorted(taxes)
    odoo.call("product.template", "write", [template], {"taxes_id": [(5, 0, 0)]})
    assert tax_ids() == []
    with pytest.raises(RpcError) as info:  # creating a tax needs rights the integration user lacks
        odoo.call("product.template", "write", [template], {"taxes_id": [(0, 0, {"name": "nope", "amount": 1})]})
    assert info.value.name == "odoo.exceptions.AccessError"


def test_load_upserts_by_external_id(odoo, tag):
    fields = ["id", "name", "list_price", "categ_id/id", "default_code"]
    rows = [[f"retail_sync.t_{tag}_1", f"Shirt {tag}", "19.90", "product.product_category_all", f"S-{tag}"],
            [f"retail_sync.t_{tag}_2", f"Scarf {tag}", "9.5", "product.product_category_all", f"C-{tag}"]]
    first = odoo.call("product.template", "load", fields, rows)
    assert first["messages"] == [] and len(first["ids"]) == 2
    rows[0][2] = "24.90"
    again = odoo.call("product.template", "load", fields, rows)
    assert again["ids"] == first["ids"]
    prices = {r["id"]: r["list_price"] for r in odoo.call("product.template", "read", first["ids"], ["list_price"])}
    assert prices == {first["ids"][0]: 24.90, first["ids"][1]: 9.5}
    assert odoo.call("product.template", "search_count", [["name", "like", tag]]) == 2
    xmlid = odoo.call("ir.model.data", "search_read", [["module", "=", "retail_sync"], ["name", "=", f"t_{tag}_1"]],
                      ["model", "res_id"])
    assert xmlid[0]["model"] == "product.template" and xmlid[0]["res_id"] == first["ids"][0]
    back = odoo.call("ir.model.data", "search_read", [["model", "=", "product.template"],
                                                      ["res_id", "in", first["ids"]]], ["module", "name"])
    assert sorted(r["name"] for r in back) == [f"t_{tag}_1", f"t_{tag}_2"]


def test_load_errors_come_back_as_messages_and_roll_back(odoo, tag):
    fields = ["id", "name", "list_price", "categ_id/id"]
    rows = [[f"retail_sync.bad_{tag}_1", f"Fine {tag}", "1", "product.product_category_all"],
            [f"retail_sync.bad_{tag}_2", f"Broken {tag}", "not a number", "product.product_category_all"],
            [f"retail_sync.bad_{tag}_3", f"Orphan {tag}", "1", "retail_sync.no_such_category"]]
    result = odoo.call("product.template", "load", fields, rows)
    assert result["ids"] is False
    assert sorted(m["record"] for m in result["messages"] if m["type"] == "error") == [1, 2]
    assert odoo.call("product.template", "search_count", [["name", "like", tag]]) == 0


def test_external_id_unique_per_module(odoo, tag):
    partner = odoo.call("res.partner", "create", {"name": f"X {tag}"})
    vals = {"module": "retail_sync", "name": f"dup_{tag}", "model": "res.partner", "res_id": partner}
    odoo.call("ir.model.data", "create", vals)
    with pytest.raises(RpcError) as info:
        odoo.call("ir.model.data", "create", vals)
    assert info.value.name == "odoo.exceptions.ValidationError"
    assert odoo.call("ir.model.data", "search_count", [["name", "=", f"dup_{tag}"]]) == 1


def test_product_type_by_version(odoo, tag):
    if odoo.version == 17:
        template = odoo.call("product.template", "create", {"name": f"P {tag}", "detailed_type": "product"})
        assert odoo.call("product.template", "read", [template], ["type"])[0]["type"] == "product"
        with pytest.raises(RpcError):
            odoo.call("product.template", "create", {"name": f"P {tag}", "is_storable": True})
    else:
        with pytest.raises(RpcError) as info:
            odoo.call("product.template", "create", {"name": f"P {tag}", "type": "product"})
        assert info.value.name == "builtins.ValueError"
        template = odoo.call("product.template", "create", {"name": f"P {tag}", "type": "consu", "is_storable": True})
        assert odoo.call("product.template", "read", [template], ["is_storable"])[0]["is_storable"] is True
    fields = odoo.call("product.template", "fields_get", ["type"], attributes=["type", "selection"])
    keys = [k for k, _ in fields["type"]["selection"]]
    assert ("product" in keys) == (odoo.version == 17)


def test_template_creates_its_variant_and_barcode_is_unique(odoo, tag):
    barcode = str(uuid.uuid4().int)[:12]
    template = odoo.call("product.template", "create", {"name": f"V {tag}", "default_code": f"V-{tag}",
                                                        "barcode": barcode})
    variants = odoo.call("product.product", "search_read", [["product_tmpl_id", "=", template]],
                         ["default_code", "barcode", "name", "display_name"])
    assert len(variants) == 1 and variants[0]["default_code"] == f"V-{tag}" and variants[0]["name"] == f"V {tag}"
    assert variants[0]["display_name"] == f"[V-{tag}] V {tag}"
    assert odoo.call("product.template", "search", [["default_code", "=", f"V-{tag}"]]) == [template]
    with pytest.raises(RpcError) as info:
        odoo.call("product.product", "create", {"name": f"W {tag}", "barcode": barcode})
    assert info.value.name == "odoo.exceptions.ValidationError"


def test_fields_get_and_name_search(odoo, companies, tag):
    info = odoo.call("res.partner", "fields_get", ["parent_id", "name"], attributes=["type", "relation", "string"])
    assert info["parent_id"] == {"type": "many2one", "relation": "res.partner", "string": "Related Company"}
    found = odoo.call("res.partner", "name_search", f"Carol {tag}")
    assert found == [[companies["carol"], f"Bolt {tag}, Carol {tag}"]]


def test_attribute_lines_generate_one_variant_per_combination(odoo, tag):
    size = odoo.call("product.attribute", "create", {"name": f"Size {tag}", "value_ids": [
        (0, 0, {"name": "S"}), (0, 0, {"name": "M"}), (0, 0, {"name": "L"})]})
    colour = odoo.call("product.attribute", "create", {"name": f"Colour {tag}", "value_ids": [
        (0, 0, {"name": "Black"}), (0, 0, {"name": "White"})]})
    sizes = odoo.call("product.attribute.value", "search", [["attribute_id", "=", size]])
    colours = odoo.call("product.attribute.value", "search", [["attribute_id", "=", colour]])
    template = odoo.call("product.template", "create", {"name": f"Tee {tag}", "attribute_line_ids": [
        (0, 0, {"attribute_id": size, "value_ids": [(6, 0, sizes)]}),
        (0, 0, {"attribute_id": colour, "value_ids": [(6, 0, colours)]})]})
    variants = odoo.call("product.product", "search_read", [["product_tmpl_id", "=", template]],
                         ["display_name", "product_template_attribute_value_ids"])
    assert len(variants) == 6 and all(len(v["product_template_attribute_value_ids"]) == 2 for v in variants)
    assert f"Tee {tag} (S, Black)" in {v["display_name"] for v in variants}
    line = odoo.call("product.template", "read", [template], ["attribute_line_ids"])[0]["attribute_line_ids"][0]
    odoo.call("product.template.attribute.line", "write", [line], {"value_ids": [(6, 0, sizes[:2])]})
    assert odoo.call("product.product", "search_count", [["product_tmpl_id", "=", template]]) == 4
    with pytest.raises(RpcError) as info:
        odoo.call("product.attribute.value", "create", {"name": "S", "attribute_id": size})
    assert info.value.name == "odoo.exceptions.ValidationError"


def test_load_updates_by_database_id_then_by_the_external_id_bound_to_it(odoo, tag):
    """`.id` alone updates that record; an external id bound to it (ir.model.data) updates it from then on.
    (`id` and `.id` in one row do not bind: Odoo keeps `.id` only without an external id — see
    test_odoo_load_lookups.py.)"""
    template = odoo.call("product.template", "create", {"name": f"Bare {tag}"})
    variant = odoo.call("product.product", "search", [["product_tmpl_id", "=", template]])[0]
    result = odoo.call("product.product", "load", [".id", "default_code"], [[str(variant), f"D-{tag}"]])
    assert result["ids"] == [variant]
    odoo.call("ir.model.data", "create", {"module": "retail_sync", "name": f"v_{tag}", "model": "product.product",
                                          "res_id": variant})
    again = odoo.call("product.product", "load", ["id", "default_code"], [[f"retail_sync.v_{tag}", f"E-{tag}"]])
    assert again["ids"] == [variant]
    assert odoo.call("product.product", "read", [variant], ["default_code"])[0]["default_code"] == f"E-{tag}"
