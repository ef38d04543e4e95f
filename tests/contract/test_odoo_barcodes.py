"""Barcode uniqueness as product.product._check_barcode_uniqueness has it since 16: among active
variants only, within a company (a company-less product clashes with every company), empty barcodes
never clash, and a packaging's barcode counts too."""

from __future__ import annotations

import uuid

import pytest

from .odoo_target import RpcError


def barcode() -> str:
    return str(uuid.uuid4().int)[:13]


def product(odoo, code: str | None, admin: bool = False, **vals) -> int:
    call = odoo.admin_call if admin else odoo.call
    return call("product.product", "create", {"name": f"B {uuid.uuid4().hex[:6]}", "barcode": code, **vals})


def refused(odoo, code: str, admin: bool = False, **vals) -> str:
    with pytest.raises(RpcError) as info:
        product(odoo, code, admin, **vals)
    assert info.value.name == "odoo.exceptions.ValidationError"
    return str(info.value)


def test_a_duplicate_names_the_barcode_and_the_products(odoo):
    code = barcode()
    first = product(odoo, code)
    message = refused(odoo, code)
    assert message.startswith("Barcode(s) already assigned:")
    assert f'- Barcode "{code}" already assigned to product(s): ' in message
    name = odoo.call("product.product", "read", [first], ["display_name"])[0]["display_name"]
    assert name in message


def test_archived_products_and_empty_barcodes_do_not_clash(odoo):
    code = barcode()
    old = product(odoo, code)
    odoo.call("product.product", "write", [old], {"active": False})
    assert product(odoo, code)
    assert product(odoo, "") and product(odoo, "") and product(odoo, False) and product(odoo, False)
    # Reactivating the old one now clashes with its successor.
    with pytest.raises(RpcError) as info:
        odoo.call("product.product", "write", [old], {"active": True})
    assert info.value.name == "odoo.exceptions.ValidationError"


def test_barcodes_are_unique_per_company(odoo):
    other = odoo.admin_call("res.company", "create", {"name": f"Other {uuid.uuid4().hex[:6]}"})
    main = odoo.admin_call("res.company", "search", [["id", "!=", other]], limit=1)[0]
    code = barcode()
    product(odoo, code, admin=True, company_id=main)
    assert product(odoo, code, admin=True, company_id=other)
    assert refused(odoo, code, admin=True, company_id=other).startswith("Barcode(s) already assigned")
    shared = barcode()
    product(odoo, shared, admin=True, company_id=other)
    refused(odoo, shared, admin=True)  # a product of no company clashes with every company's


def test_a_packaging_barcode_is_taken_too(odoo):
    code = barcode()
    holder = product(odoo, None, admin=True)
    if odoo.version < 19:
        odoo.admin_call("product.packaging", "create", {"name": "Box of 6", "product_id": holder, "qty": 6,
                                                        "barcode": code})
    else:
        dozen = odoo.admin_call("ir.model.data", "search_read", [["module", "=", "uom"],
                                                                ["name", "=", "product_uom_dozen"]], ["res_id"])
        odoo.admin_call("product.uom", "create", {"product_id": holder, "uom_id": dozen[0]["res_id"],
                                                  "barcode": code})
    assert refused(odoo, code) == "A packaging already uses the barcode"
