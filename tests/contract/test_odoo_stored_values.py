"""Values as Odoo stores and reads them: floats rounded to their field's digits, datetimes refused
unless naive `YYYY-MM-DD HH:MM:SS`, `load()` reading datetimes in the import's time zone, selection
cells by key or label in any case, booleans as ir.fields.converter reads them, and a computed
many2one read as [id, display_name]."""

from __future__ import annotations

import uuid

import pytest

from .odoo_target import RpcError


@pytest.fixture
def tag() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def pricelist(odoo, tag) -> int:
    return odoo.call("product.pricelist", "create", {"name": f"PL {tag}"})


def test_floats_are_rounded_to_their_digits_half_up(odoo, tag):
    # "Product Price" has 2 digits by default; 19.995 is 19.99499999... as a float, still 20.0 in Odoo.
    template = odoo.call("product.template", "create", {"name": f"Round {tag}", "list_price": 19.995,
                                                        "standard_price": 1.23456, "weight": 0.125})
    read = odoo.call("product.template", "read", [template], ["list_price", "standard_price", "weight"])[0]
    assert (read["list_price"], read["standard_price"], read["weight"]) == (20.0, 1.23, 0.13)
    odoo.call("product.template", "write", [template], {"list_price": 4.004})
    assert odoo.call("product.template", "read", [template], ["list_price"])[0]["list_price"] == 4.0
    loaded = odoo.call("product.template", "load", ["name", "list_price"], [[f"Loaded {tag}", "9.995"]])
    assert odoo.call("product.template", "read", loaded["ids"], ["list_price"])[0]["list_price"] == 10.0


def test_datetimes_must_be_naive_server_format(odoo, pricelist):
    def item(date_start):
        return odoo.call("product.pricelist.item", "create", {"pricelist_id": pricelist, "compute_price": "fixed",
                                                              "fixed_price": 1, "date_start": date_start})

    for wrong in ("2024-01-02T03:04:05", "2024-01-02 03:04:05.123456", "02/01/2024 03:04"):
        with pytest.raises(RpcError) as info:
            item(wrong)
        assert info.value.name == "builtins.ValueError", wrong
    fine = item("2024-01-02 03:04:05")
    assert odoo.call("product.pricelist.item", "read", [fine], ["date_start"])[0]["date_start"] == "2024-01-02 03:04:05"
    midnight = item("2024-01-02")
    assert odoo.call("product.pricelist.item", "read", [midnight], ["date_start"])[0]["date_start"] == (
        "2024-01-02 00:00:00")


def test_load_reads_datetimes_in_the_context_time_zone_and_stores_utc(odoo, pricelist):
    fields = ["pricelist_id/.id", "compute_price", "fixed_price", "date_start"]
    row = [str(pricelist), "fixed", "1", "2024-07-01 12:00:00"]
    summer = odoo.call("product.pricelist.item", "load", fields, [row], context={"tz": "Europe/Brussels"})
    utc = odoo.call("product.pricelist.item", "load", fields, [row], context={"tz": "UTC"})
    winter = odoo.call("product.pricelist.item", "load", fields, [[*row[:3], "2024-01-15 12:00:00"]],
                       context={"tz": "Europe/Brussels"})
    stored = {r["id"]: r["date_start"] for r in odoo.call(
        "product.pricelist.item", "read", summer["ids"] + utc["ids"] + winter["ids"], ["date_start"])}
    assert [stored[i] for i in summer["ids"] + utc["ids"] + winter["ids"]] == [
        "2024-07-01 10:00:00", "2024-07-01 12:00:00", "2024-01-15 11:00:00"]
    bad = odoo.call("product.pricelist.item", "load", fields, [[*row[:3], "2024-07-01T12:00:00"]])
    assert bad["ids"] is False and "does not seem to be a valid datetime" in bad["messages"][0]["message"]


def test_load_takes_selection_keys_and_labels_in_any_case(odoo, tag):
    result = odoo.call("res.partner", "load", ["name", "company_type"],
                       [[f"Keyed {tag}", "COMPANY"], [f"Labelled {tag}", "individual"], [f"Shouting {tag}", "Company"]])
    assert result["messages"] == []
    rows = odoo.call("res.partner", "read", result["ids"], ["is_company"])
    assert [r["is_company"] for r in rows] == [True, False, True]
    wrong = odoo.call("res.partner", "load", ["name", "company_type"], [[f"Wrong {tag}", "cooperative"]])
    assert wrong["ids"] is False
    assert "Value 'cooperative' not found in selection field" in wrong["messages"][0]["message"]


def test_load_reads_booleans_as_odoos_converter(odoo, tag):
    words = ["1", "true", "Yes", "TRUE", "", "0", "false", "No"]
    result = odoo.call("res.partner", "load", ["name", "is_company"], [[f"B{i} {tag}", w] for i, w in enumerate(words)])
    assert result["messages"] == []
    flags = [r["is_company"] for r in odoo.call("res.partner", "read", result["ids"], ["is_company"])]
    assert flags == [True, True, True, True, False, False, False, False]
    for word in ("y", "t", "2"):
        refused = odoo.call("res.partner", "load", ["name", "is_company"], [[f"Odd {tag}", word]])
        assert refused["ids"] is False, word
        assert f"Unknown value '{word}' for boolean field" in refused["messages"][0]["message"]
    assert odoo.call("res.partner", "search_count", [["name", "=", f"Odd {tag}"]]) == 0


def test_a_computed_many2one_reads_as_id_and_name(odoo, tag):
    template = odoo.call("product.template", "create", {"name": f"Shown {tag}", "default_code": f"SH-{tag}"})
    variant = odoo.call("product.product", "search", [["product_tmpl_id", "=", template]])[0]
    read = odoo.call("product.template", "read", [template], ["product_variant_id"])[0]
    assert read["product_variant_id"] == [variant, f"[SH-{tag}] Shown {tag}"]
    raw = odoo.call("product.template", "read", [template], ["product_variant_id"], load=None)[0]
    assert raw["product_variant_id"] == variant
