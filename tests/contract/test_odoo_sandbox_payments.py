"""Payments as Odoo 17/18/19 register them: the "Register Payment" wizard on posted invoices (full and
partial payments, a refund paid back), what the invoice's amount_residual and payment_state become, the
payment's own state by version (17: the entry's posted; 18+: in_process until matched, paid when
matched), a journal per payment method, and the wizard's refusals."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from .odoo_target import RpcError


def rpc_error(call) -> RpcError:
    with pytest.raises(RpcError) as info:
        call()
    return info.value


def call_with_context(odoo, model: str, method: str, args: list, context: dict, **kwargs):
    return odoo.jsonrpc("object", "execute_kw", odoo.db, odoo.uid, odoo.secret, model, method, args,
                        {**kwargs, "context": context})


def journal(odoo, code: str) -> int:
    [found] = odoo.call("account.journal", "search", [["code", "=", code]])
    return found


@pytest.fixture
def invoice(odoo):
    """A posted invoice of 121.00 (100.00 + 21% on top)."""
    tax = odoo.admin_call("account.tax", "create", {
        "name": f"21% {uuid.uuid4().hex[:6]}", "amount": 21, "amount_type": "percent", "type_tax_use": "sale",
        **({"price_include": False} if odoo.version == 17 else {"price_include_override": "tax_excluded"})})
    partner = odoo.call("res.partner", "create", {"name": f"Payer {uuid.uuid4().hex[:6]}"})
    move = odoo.call("account.move", "create", {"move_type": "out_invoice", "partner_id": partner,
                                                "invoice_line_ids": [(0, 0, {"name": "Lamp", "quantity": 2,
                                                                             "price_unit": 50.0,
                                                                             "tax_ids": [(6, 0, [tax])]})]})
    odoo.call("account.move", "action_post", [move])
    return move


def register(odoo, move_ids: list[int], **vals):
    wizard = call_with_context(odoo, "account.payment.register", "create", [vals],
                               {"active_model": "account.move", "active_ids": move_ids})
    return wizard, odoo.call("account.payment.register", "action_create_payments", [wizard])


def state_of(odoo, move_id: int) -> dict:
    return odoo.call("account.move", "read", [move_id], ["payment_state", "amount_residual"])[0]


def test_wizard_defaults_come_from_the_invoice(odoo, invoice):
    wizard = call_with_context(odoo, "account.payment.register", "create", [{}],
                               {"active_model": "account.move", "active_ids": [invoice]})
    [values] = odoo.call("account.payment.register", "read", [wizard],
                         ["amount", "payment_type", "partner_type", "partner_id", "communication", "journal_id"])
    name, partner = (odoo.call("account.move", "read", [invoice], ["name", "partner_id"])[0][f]
                     for f in ("name", "partner_id"))
    assert (values["amount"], values["payment_type"], values["partner_type"]) == (121.0, "inbound", "customer")
    assert values["partner_id"] == partner and values["communication"] == name
    assert values["journal_id"]


def test_full_payment_in_a_gateway_journal(odoo, invoice):
    stripe = journal(odoo, "STRP")
    _wizard, action = register(odoo, [invoice], journal_id=stripe)
    assert action["res_model"] == "account.payment" and action["view_mode"] == "form"
    [payment] = odoo.call("account.payment", "read", [action["res_id"]],
                          ["state", "amount", "payment_type", "journal_id", "is_reconciled", "is_matched", "name",
                           "reconciled_invoice_ids"])
    assert (payment["amount"], payment["payment_type"], payment["journal_id"][0]) == (121.0, "inbound", stripe)
    assert payment["is_reconciled"] and not payment["is_matched"]
    assert payment["reconciled_invoice_ids"] == [invoice]
    assert payment["name"].startswith(f"PSTRP/{dt.date.today().year}/")
    # the gateway's payout has not reached the bank yet: in payment, not paid
    assert payment["state"] == ("posted" if odoo.version == 17 else "in_process")
    assert state_of(odoo, invoice) == {"id": invoice, "payment_state": "in_payment", "amount_residual": 0.0}
    # the payment's entry points back at it: 17 `payment_id`; 18+ `origin_payment_id`, and the invoice
    # lists its payments in `matched_payment_ids`
    move = odoo.call("account.payment", "read", [action["res_id"]], ["move_id"], load=None)[0]["move_id"]
    link = "payment_id" if odoo.version == 17 else "origin_payment_id"
    assert odoo.call("account.move", "read", [move], [link], load=None)[0][link] == action["res_id"]
    if odoo.version >= 18:
        assert odoo.call("account.move", "read", [invoice], ["matched_payment_ids"])[0]["matched_payment_ids"] == [
            action["res_id"]]


def test_full_payment_in_cash_is_paid(odoo, invoice):
    _wizard, action = register(odoo, [invoice], journal_id=journal(odoo, "CSH1"))
    assert state_of(odoo, invoice) == {"id": invoice, "payment_state": "paid", "amount_residual": 0.0}
    [payment] = odoo.call("account.payment", "read", [action["res_id"]], ["state", "is_matched"])
    assert payment["is_matched"] and payment["state"] == ("posted" if odoo.version == 17 else "paid")


def test_partial_then_the_rest(odoo, invoice):
    register(odoo, [invoice], journal_id=journal(odoo, "SHPAY"), amount=21.0)
    assert state_of(odoo, invoice) == {"id": invoice, "payment_state": "partial", "amount_residual": 100.0}
    wizard = call_with_context(odoo, "account.payment.register", "create", [{}],
                               {"active_model": "account.move", "active_ids": [invoice]})
    assert odoo.call("account.payment.register", "read", [wizard], ["amount"])[0]["amount"] == 100.0
    result = call_with_context(odoo, "account.payment.register", "action_create_payments", [[wizard]],
                               {"dont_redirect_to_payments": True})
    assert result is True
    assert state_of(odoo, invoice) == {"id": invoice, "payment_state": "in_payment", "amount_residual": 0.0}


def test_memo_field_by_version(odoo, invoice):
    _wizard, action = register(odoo, [invoice], journal_id=journal(odoo, "PYPL"), communication="PAYPAL-TX-42")
    label = "ref" if odoo.version == 17 else "memo"
    fields = odoo.call("account.payment", "fields_get", [], attributes=["type"])
    assert label in fields and ({"ref", "memo"} - {label}).isdisjoint(fields)
    assert odoo.call("account.payment", "read", [action["res_id"]], [label])[0][label] == "PAYPAL-TX-42"
    states = dict(fields_state(odoo))
    expected = {"draft", "posted", "cancel"} if odoo.version == 17 else {"draft", "in_process", "paid", "canceled",
                                                                         "rejected"}
    assert set(states) == expected


def fields_state(odoo):
    return odoo.call("account.payment", "fields_get", ["state"], attributes=["selection"])["state"]["selection"]


def test_refund_is_paid_back_outbound(odoo, invoice):
    wizard = call_with_context(odoo, "account.move.reversal", "create", [{}],
                               {"active_model": "account.move", "active_ids": [invoice]})
    refund = odoo.call("account.move.reversal", "refund_moves", [wizard])["res_id"]
    odoo.call("account.move", "action_post", [refund])
    _wizard, action = register(odoo, [refund], journal_id=journal(odoo, "STRP"))
    [payment] = odoo.call("account.payment", "read", [action["res_id"]], ["payment_type", "amount"])
    assert (payment["payment_type"], payment["amount"]) == ("outbound", 121.0)
    assert state_of(odoo, refund) == {"id": refund, "payment_state": "in_payment", "amount_residual": 0.0}
    assert state_of(odoo, invoice)["payment_state"] == "not_paid"


def test_wizard_refuses_drafts_and_settled_invoices(odoo, invoice):
    draft = odoo.call("account.move", "create", {"move_type": "out_invoice", "partner_id": odoo.call(
        "account.move", "read", [invoice], ["partner_id"], load=None)[0]["partner_id"],
        "invoice_line_ids": [(0, 0, {"name": "x", "price_unit": 5.0})]})
    error = rpc_error(lambda: register(odoo, [draft]))
    assert "You can only register payment for posted journal entries." in str(error)
    register(odoo, [invoice], journal_id=journal(odoo, "CSH1"))
    error = rpc_error(lambda: register(odoo, [invoice]))
    assert "nothing left to pay" in str(error)
    error = rpc_error(lambda: call_with_context(odoo, "account.payment.register", "create", [{}],
                                                {"active_model": "res.partner", "active_ids": [1]}))
    assert "should only be called on account.move or account.move.line" in str(error)


def test_reset_invoice_to_draft_undoes_its_payment(odoo, invoice):
    register(odoo, [invoice], journal_id=journal(odoo, "CSH1"))
    odoo.call("account.move", "button_draft", [invoice])
    odoo.call("account.move", "action_post", [invoice])
    assert state_of(odoo, invoice) == {"id": invoice, "payment_state": "not_paid", "amount_residual": 121.0}


def test_payment_created_directly_and_posted(odoo):
    partner = odoo.call("res.partner", "create", {"name": "Walk-in"})
    payment = odoo.call("account.payment", "create", {"payment_type": "inbound", "partner_type": "customer",
                                                      "partner_id": partner, "amount": 15.0,
                                                      "journal_id": journal(odoo, "BNK1")})
    assert odoo.call("account.payment", "read", [payment], ["state"])[0]["state"] == "draft"
    draft = odoo.call("account.payment", "create", {"payment_type": "inbound", "partner_id": partner, "amount": 1.0,
                                                    "journal_id": journal(odoo, "BNK1")})
    draft_move = odoo.call("account.payment", "read", [draft], ["move_id"], load=None)[0]["move_id"]
    odoo.call("account.payment", "unlink", [draft])
    assert odoo.call("account.move", "search", [["id", "=", draft_move]]) == []
    odoo.call("account.payment", "action_post", [payment])
    [posted] = odoo.call("account.payment", "read", [payment], ["state", "move_id", "is_reconciled"])
    assert posted["state"] == ("posted" if odoo.version == 17 else "in_process") and not posted["is_reconciled"]
    error = rpc_error(lambda: odoo.call("account.payment", "write", [payment], {"amount": 99.0}))
    assert error.name == "odoo.exceptions.UserError"
    error = rpc_error(lambda: odoo.call("account.payment", "unlink", [payment]))
    assert error.name == "odoo.exceptions.UserError"
    assert odoo.call("account.payment", "read", [payment], ["amount"])[0]["amount"] == 15.0
    error = rpc_error(lambda: odoo.call("account.payment", "create", {
        "payment_type": "inbound", "partner_id": partner, "amount": -1.0, "journal_id": journal(odoo, "BNK1")}))
    assert "The payment amount cannot be negative." in str(error)
    error = rpc_error(lambda: odoo.call("account.payment", "create", {
        "payment_type": "inbound", "partner_id": partner, "amount": 1.0, "journal_id": journal(odoo, "INV")}))
    assert error.name == "odoo.exceptions.ValidationError"


def test_users_without_billing_cannot_invoice_or_pay(odoo, invoice):
    if not odoo.admin_password:
        pytest.skip("creating a user needs the administrator")
    group_field = "groups_id" if odoo.version < 19 else "group_ids"
    [internal] = odoo.admin_call("ir.model.data", "search_read",
                                 [["module", "=", "base"], ["name", "=", "group_user"]], ["res_id"])
    login = f"clerk-{uuid.uuid4().hex[:6]}"
    odoo.admin_call("res.users", "create", {"name": "Clerk", "login": login, "password": "clerk-pw",
                                            group_field: [(6, 0, [internal["res_id"]])]})
    uid = odoo.jsonrpc("common", "authenticate", odoo.db, login, "clerk-pw", {})

    def as_clerk(model, method, *args, **kwargs):
        return odoo.jsonrpc("object", "execute_kw", odoo.db, uid, "clerk-pw", model, method, list(args), kwargs)

    for model, method, args in (("account.move", "read", [[invoice], ["name"]]),
                                ("account.move", "create", [{"move_type": "out_invoice"}]),
                                ("account.payment.register", "create", [{}]),
                                ("account.payment", "search", [[]])):
        error = rpc_error(lambda model=model, method=method, args=args: as_clerk(model, method, *args))
        assert error.name == "odoo.exceptions.AccessError"
