"""Merging contacts as Odoo 17/18/19 do it over the external API: `base.partner.merge.automatic.wizard` created
with the contacts and the destination, then `action_merge`. Its refusals (more than 3 contacts, a parent with its
child, different emails for a non-administrator), what it re-points (orders, invoices, payments, child contacts,
external ids), what the destination keeps, and that the sources are gone. The caller needs Extra Rights / Contact
Creation (`base.group_partner_manager`): the wizard's access and the right to delete contacts."""

from __future__ import annotations

import uuid

import pytest

from .odoo_target import RpcError
from .sale_fixtures import make_order, make_product

WIZARD = "base.partner.merge.automatic.wizard"


def _group_field(odoo) -> str:
    return "groups_id" if odoo.version < 19 else "group_ids"


@pytest.fixture
def merger(odoo):
    """The integration user with Contact Creation for the test's duration (the servers are shared)."""
    [group] = odoo.admin_call("ir.model.data", "search_read", [["module", "=", "base"],
                                                                ["name", "=", "group_partner_manager"]], ["res_id"])
    odoo.admin_call("res.users", "write", [odoo.uid], {_group_field(odoo): [(4, group["res_id"])]})
    yield odoo
    odoo.admin_call("res.users", "write", [odoo.uid], {_group_field(odoo): [(3, group["res_id"])]})


def contact(odoo, **vals) -> int:
    return odoo.call("res.partner", "create", {"name": f"Ann {uuid.uuid4().hex[:6]}", **vals})


def merge(odoo, partners: list[int], dst: int, call=None):
    call = call or odoo.call
    wizard = call(WIZARD, "create", {"partner_ids": [(6, 0, partners)], "dst_partner_id": dst})
    return call(WIZARD, "action_merge", [wizard])


def refusal(call) -> RpcError:
    with pytest.raises(RpcError) as info:
        call()
    return info.value


def existing(odoo, ids: list[int]) -> list[int]:
    return sorted(odoo.call("res.partner", "search", [["id", "in", ids]], context={"active_test": False}))


def test_merge_repoints_documents_and_contacts_and_removes_the_sources(merger):
    odoo = merger
    email = f"ann-{uuid.uuid4().hex[:6]}@example.com"
    dst = contact(odoo, email=email, customer_rank=2)
    src = contact(odoo, email=email, phone="+32470123456", city="Ghent", customer_rank=3)
    child = contact(odoo, name="Delivery", type="delivery", parent_id=src)
    order = make_order(odoo, [{"product_id": make_product(odoo, storable=False), "product_uom_qty": 1}],
                       partner_id=src, partner_invoice_id=src, partner_shipping_id=src)
    invoice = odoo.call("account.move", "create", {"move_type": "out_invoice", "partner_id": src})
    journal = odoo.call("account.journal", "search", [["type", "=", "bank"]], limit=1)[0]
    payment = odoo.call("account.payment", "create", {"payment_type": "inbound", "partner_type": "customer",
                                                      "partner_id": src, "amount": 5.0, "journal_id": journal})
    xmlid = f"dedupe_{uuid.uuid4().hex[:8]}"
    odoo.call("ir.model.data", "create", {"module": "retail_sync", "name": xmlid, "model": "res.partner",
                                          "res_id": src})

    action = merge(odoo, [dst, src], dst)

    assert action["res_model"] == WIZARD
    assert existing(odoo, [dst, src]) == [dst]
    [sale] = odoo.call("sale.order", "read", [order], ["partner_id", "partner_invoice_id", "partner_shipping_id"],
                       load=None)
    assert (sale["partner_id"], sale["partner_invoice_id"], sale["partner_shipping_id"]) == (dst, dst, dst)
    assert odoo.call("account.move", "read", [invoice], ["partner_id"], load=None)[0]["partner_id"] == dst
    assert odoo.call("account.payment", "read", [payment], ["partner_id"], load=None)[0]["partner_id"] == dst
    assert odoo.call("res.partner", "read", [child], ["parent_id"], load=None)[0]["parent_id"] == dst
    [bound] = odoo.call("ir.model.data", "search_read", [["module", "=", "retail_sync"], ["name", "=", xmlid]],
                        ["res_id"])
    assert bound["res_id"] == dst
    [kept] = odoo.call("res.partner", "read", [dst], ["email", "phone", "city", "customer_rank"])
    assert (kept["email"], kept["phone"], kept["city"]) == (email, "+32470123456", "Ghent")
    assert kept["customer_rank"] == 5                 # account sums the ranks


def test_more_than_three_contacts_are_refused(merger):
    odoo = merger
    email = f"many-{uuid.uuid4().hex[:6]}@example.com"
    partners = [contact(odoo, email=email) for _ in range(4)]
    error = refusal(lambda: merge(odoo, partners, partners[0]))
    assert error.name == "odoo.exceptions.UserError"
    assert error.args[0] == ("For safety reasons, you cannot merge more than 3 contacts together. You can re-open "
                             "the wizard several times if needed.")
    assert existing(odoo, partners) == sorted(partners)


def test_a_contact_and_its_parent_are_refused(merger):
    odoo = merger
    company = contact(odoo, name="Acme", is_company=True, email="info@acme.example")
    person = contact(odoo, name="Acme", parent_id=company, email="info@acme.example")
    error = refusal(lambda: merge(odoo, [company, person], company))
    assert error.args[0] == "You cannot merge a contact with one of his parent."
    assert existing(odoo, [company, person]) == sorted([company, person])


def test_different_emails_need_an_administrator(merger):
    odoo = merger
    one, two = contact(odoo, email="one@example.com"), contact(odoo, email="two@example.com")
    error = refusal(lambda: merge(odoo, [one, two], one))
    assert error.args[0] == ("All contacts must have the same email. Only the Administrator can merge contacts "
                             "with different emails.")
    assert existing(odoo, [one, two]) == sorted([one, two])
    merge(odoo, [one, two], one, call=odoo.admin_call)
    assert existing(odoo, [one, two]) == [one]


def test_opened_from_selected_contacts_a_destination_is_proposed_and_a_gone_source_merges_nothing(merger):
    odoo = merger
    email = f"ctx-{uuid.uuid4().hex[:6]}@example.com"
    old, new = contact(odoo, email=email), contact(odoo, email=email)
    wizard = odoo.call(WIZARD, "create", {}, context={"active_model": "res.partner", "active_ids": [old, new]})
    [values] = odoo.call(WIZARD, "read", [wizard], ["partner_ids", "dst_partner_id", "state"], load=None)
    assert sorted(values["partner_ids"]) == sorted([old, new])
    assert values["state"] == "selection"
    assert values["dst_partner_id"] in (old, new)
    # The same pair merged meanwhile (another wizard): this one finds one contact left and does nothing.
    merge(odoo, [old, new], values["dst_partner_id"])
    odoo.call(WIZARD, "action_merge", [wizard])
    assert existing(odoo, [old, new]) == [values["dst_partner_id"]]


def test_without_contact_creation_the_wizard_is_not_allowed(odoo):
    email = f"deny-{uuid.uuid4().hex[:6]}@example.com"
    one, two = contact(odoo, email=email), contact(odoo, email=email)
    error = refusal(lambda: merge(odoo, [one, two], one))
    assert error.name == "odoo.exceptions.AccessError"
    assert existing(odoo, [one, two]) == sorted([one, two])


def test_contacts_of_two_users_are_refused(merger):
    odoo = merger
    email = f"users-{uuid.uuid4().hex[:6]}@example.com"
    tag = uuid.uuid4().hex[:6]
    users = [odoo.admin_call("res.users", "create", {"name": "Ann Users", "login": f"ann-{tag}-{i}", "email": email})
             for i in range(2)]
    partners = [odoo.admin_call("res.users", "read", [u], ["partner_id"], load=None)[0]["partner_id"] for u in users]
    error = refusal(lambda: merge(odoo, partners, partners[0]))
    assert error.args[0] == "You cannot merge contacts linked to more than one user even if only one is active."
    assert existing(odoo, partners) == sorted(partners)
