"""The "Register Payment" wizard on several invoices of one customer, as Odoo's `_create_payments` does it:
one payment per invoice unless "Group Payments" is ticked, then one payment for them all. (The order flow
pays a page's invoices in one wizard: each order must get its own payment, whatever else is on the page.)"""

from __future__ import annotations

import uuid

import pytest

from .test_odoo_sandbox_payments import call_with_context, journal


def invoices_of_one_customer(odoo, amounts: list[float], references: list[str] | None = None) -> list[int]:
    partner = odoo.call("res.partner", "create", {"name": f"Payer {uuid.uuid4().hex[:6]}"})
    moves = []
    for amount, reference in zip(amounts, references or [False] * len(amounts), strict=True):
        move = odoo.call("account.move", "create", {"move_type": "out_invoice", "partner_id": partner,
                                                    "payment_reference": reference,
                                                    "invoice_line_ids": [(0, 0, {"name": "Lamp", "quantity": 1,
                                                                                 "price_unit": amount})]})
        odoo.call("account.move", "action_post", [move])
        moves.append(move)
    return moves


@pytest.mark.parametrize("grouped", [False, True], ids=["one-per-invoice", "grouped"])
def test_several_invoices_of_one_customer(odoo, grouped):
    moves = invoices_of_one_customer(odoo, [40.0, 60.0])
    wizard = call_with_context(odoo, "account.payment.register", "create",
                               [{"journal_id": journal(odoo, "BNK1"), "group_payment": grouped}],
                               {"active_model": "account.move", "active_ids": moves})
    odoo.call("account.payment.register", "action_create_payments", [wizard])
    states = odoo.call("account.move", "read", moves, ["payment_state", "amount_residual"])
    assert all(s["amount_residual"] == 0 for s in states)
    amounts = sorted(p["amount"] for p in odoo.call("account.payment", "search_read",
                                                    [["partner_id", "=", odoo.call("account.move", "read", moves[:1],
                                                                                   ["partner_id"])[0]["partner_id"][0]]],
                                                    ["amount"]))
    assert amounts == ([100.0] if grouped else [40.0, 60.0])


def test_each_payment_of_a_wizard_on_several_invoices_takes_its_own_invoices_reference(odoo):
    """Not grouped, each payment's memo is its invoice's payment reference (`_create_payment_vals_from_batch`
    per invoice), not one memo for all: the order flow sets the reference to the gateway's charge id, and
    settlement finds the payment by it."""
    moves = invoices_of_one_customer(odoo, [40.0, 60.0], [f"ch_{uuid.uuid4().hex[:10]}" for _ in range(2)])
    wizard = call_with_context(odoo, "account.payment.register", "create",
                               [{"journal_id": journal(odoo, "BNK1")}],
                               {"active_model": "account.move", "active_ids": moves})
    odoo.call("account.payment.register", "action_create_payments", [wizard])
    references = {m["amount_total"]: m["payment_reference"]
                  for m in odoo.call("account.move", "read", moves, ["amount_total", "payment_reference"])}
    memo = "ref" if odoo.version == 17 else "memo"
    partner = odoo.call("account.move", "read", moves[:1], ["partner_id"])[0]["partner_id"][0]
    payments = odoo.call("account.payment", "search_read", [["partner_id", "=", partner]], ["amount", memo])
    assert {p["amount"]: p[memo] for p in payments} == references
