"""Bank statement lines and miscellaneous journal entries as Odoo 17/18/19 keep them: a statement line is a
posted entry of its bank journal with a liquidity item and a suspense item, unreconciled until explained;
a foreign currency must differ from the journal's and come with its amount; a journal entry's debits must
equal its credits; and only full accounting (not Billing alone) may write statement lines."""

from __future__ import annotations

import uuid

import pytest

from .odoo_target import RpcError


def rpc_error(call) -> RpcError:
    with pytest.raises(RpcError) as info:
        call()
    return info.value


def journal(odoo, code: str) -> dict:
    [found] = odoo.call("account.journal", "search_read", [["code", "=", code]],
                        ["default_account_id", "suspense_account_id", "currency_id"])
    return found


def account(odoo, code: str) -> int:
    [found] = odoo.call("account.account", "search", [["code", "=", code]])
    return found


def items_of(odoo, move_id: int) -> list[dict]:
    ids = odoo.call("account.move.line", "search", [["move_id", "=", move_id]], order="id")
    return odoo.call("account.move.line", "read", ids, ["account_id", "debit", "credit", "balance",
                                                       "amount_currency", "currency_id", "name"])


def test_a_statement_line_is_a_posted_entry_with_a_liquidity_and_a_suspense_item(odoo):
    stripe = journal(odoo, "STRP")
    label = f"Stripe payout po_{uuid.uuid4().hex[:10]}"
    line = odoo.call("account.bank.statement.line", "create",
                     {"journal_id": stripe["id"], "date": "2026-03-02", "payment_ref": label, "amount": 123.45})
    [row] = odoo.call("account.bank.statement.line", "read", [line],
                      ["move_id", "journal_id", "amount", "payment_ref", "is_reconciled", "amount_residual",
                       "currency_id", "state", "date"])
    assert row["journal_id"][0] == stripe["id"]
    assert (row["amount"], row["payment_ref"], row["state"], row["date"]) == (123.45, label, "posted", "2026-03-02")
    assert row["currency_id"][0] == stripe["currency_id"][0]
    assert row["is_reconciled"] is False and row["amount_residual"] == -123.45
    [move] = odoo.call("account.move", "read", [row["move_id"][0]], ["move_type", "name", "state", "statement_line_id"])
    assert move["move_type"] == "entry" and move["state"] == "posted" and move["name"].startswith("STRP/2026/")
    assert move["statement_line_id"][0] == line
    liquidity, suspense = items_of(odoo, row["move_id"][0])
    assert liquidity["account_id"][0] == stripe["default_account_id"][0]
    assert (liquidity["debit"], liquidity["credit"], liquidity["name"]) == (123.45, 0.0, label)
    assert suspense["account_id"][0] == stripe["suspense_account_id"][0]
    assert (suspense["debit"], suspense["credit"], suspense["amount_currency"]) == (0.0, 123.45, -123.45)


def test_an_outgoing_line_credits_the_liquidity_account(odoo):
    stripe = journal(odoo, "STRP")
    line = odoo.call("account.bank.statement.line", "create",
                     {"journal_id": stripe["id"], "payment_ref": "Stripe fee", "amount": -2.5})
    [row] = odoo.call("account.bank.statement.line", "read", [line], ["move_id", "amount_residual"])
    liquidity, suspense = items_of(odoo, row["move_id"][0])
    assert (liquidity["debit"], liquidity["credit"], suspense["debit"], suspense["credit"]) == (0.0, 2.5, 2.5, 0.0)
    assert row["amount_residual"] == 2.5


def test_a_line_in_a_foreign_currency_keeps_its_transaction_amount_on_the_suspense_item(odoo):
    stripe = journal(odoo, "STRP")
    [usd] = odoo.call("res.currency", "search", [["name", "=", "USD"]])
    line = odoo.call("account.bank.statement.line", "create",
                     {"journal_id": stripe["id"], "payment_ref": "USD charge", "amount": 92.0,
                      "foreign_currency_id": usd, "amount_currency": 100.0})
    [row] = odoo.call("account.bank.statement.line", "read", [line], ["move_id", "foreign_currency_id",
                                                                      "amount_currency"])
    assert row["foreign_currency_id"][0] == usd and row["amount_currency"] == 100.0
    _liquidity, suspense = items_of(odoo, row["move_id"][0])
    assert suspense["currency_id"][0] == usd and suspense["amount_currency"] == -100.0
    assert suspense["credit"] == 92.0


def test_the_journal_currency_given_as_foreign_is_dropped(odoo):
    stripe = journal(odoo, "STRP")
    line = odoo.call("account.bank.statement.line", "create",
                     {"journal_id": stripe["id"], "payment_ref": "EUR as foreign", "amount": 10.0,
                      "foreign_currency_id": stripe["currency_id"][0], "amount_currency": 10.0})
    [row] = odoo.call("account.bank.statement.line", "read", [line], ["foreign_currency_id", "amount_currency"])
    assert row["foreign_currency_id"] is False and row["amount_currency"] == 0.0


@pytest.mark.parametrize("values, message", [
    ({"amount_currency": 10.0}, "You can't provide an amount in foreign currency without specifying a foreign "
                                "currency."),
    ({"foreign_currency_id": "USD"}, "You can't provide a foreign currency without specifying an amount in "
                                     "'Amount in Currency' field."),
])
def test_inconsistent_currencies_are_refused(odoo, values, message):
    stripe = journal(odoo, "STRP")
    if values.get("foreign_currency_id") == "USD":
        [values["foreign_currency_id"]] = odoo.call("res.currency", "search", [["name", "=", "USD"]])
    before = odoo.call("account.bank.statement.line", "search_count", [])
    error = rpc_error(lambda: odoo.call("account.bank.statement.line", "create",
                                        {"journal_id": stripe["id"], "payment_ref": "bad", "amount": 10.0, **values}))
    assert error.name == "odoo.exceptions.ValidationError" and message in str(error)
    assert odoo.call("account.bank.statement.line", "search_count", []) == before   # the transaction rolled back


def test_a_journal_without_suspense_account_refuses_statement_lines(odoo):
    if not odoo.is_sandbox:
        pytest.skip("needs a journal set up without a suspense account")
    code = f"J{uuid.uuid4().hex[:4]}".upper()
    bare = odoo.admin_call("account.journal", "create", {"name": f"Bare {code}", "code": code, "type": "bank"})
    error = rpc_error(lambda: odoo.call("account.bank.statement.line", "create",
                                        {"journal_id": bare, "payment_ref": "x", "amount": 1.0}))
    assert error.name == "odoo.exceptions.UserError"
    assert str(error) == f"You can't create a new statement line without a suspense account set on the Bare {code} journal."


def test_billing_alone_reads_statement_lines_but_does_not_write_them(odoo):
    if not odoo.is_sandbox:
        pytest.skip("needs a user created for the test")
    login = f"billing-{uuid.uuid4().hex[:6]}"
    group_field = "groups_id" if odoo.version < 19 else "group_ids"
    groups = [odoo.admin_call("ir.model.data", "search_read", [["module", "=", module], ["name", "=", name]],
                              ["res_id"])[0]["res_id"]
              for module, name in (("base", "group_user"), ("account", "group_account_invoice"))]
    odoo.admin_call("res.users", "create", {"name": login, "login": login, "password": "pw-" + login,
                                            group_field: [(6, 0, groups)]})
    uid = odoo.jsonrpc("common", "authenticate", odoo.db, login, "pw-" + login, {})
    stripe = journal(odoo, "STRP")

    def as_billing(method, *args):
        return odoo.jsonrpc("object", "execute_kw", odoo.db, uid, "pw-" + login, "account.bank.statement.line",
                            method, list(args), {})

    assert isinstance(as_billing("search", []), list)
    error = rpc_error(lambda: as_billing("create", {"journal_id": stripe["id"], "payment_ref": "x", "amount": 1.0}))
    assert error.name == "odoo.exceptions.AccessError"
    assert "You are not allowed to create 'Bank Statement Line' (account.bank.statement.line) records." in str(error)


def test_a_balanced_miscellaneous_entry_posts(odoo):
    stripe = journal(odoo, "STRP")
    fees, outstanding = account(odoo, "627000"), account(odoo, "101403")
    move = odoo.call("account.move", "create", {
        "move_type": "entry", "journal_id": stripe["id"], "date": "2026-03-02", "ref": "Stripe fees po_1",
        "line_ids": [(0, 0, {"account_id": fees, "name": "fees", "debit": 3.2, "credit": 0.0}),
                     (0, 0, {"account_id": outstanding, "name": "fees", "debit": 0.0, "credit": 3.2})]})
    odoo.call("account.move", "action_post", [move])
    [row] = odoo.call("account.move", "read", [move], ["state", "name", "ref", "move_type"])
    assert row["state"] == "posted" and row["name"].startswith("STRP/2026/") and row["ref"] == "Stripe fees po_1"
    expense, counterpart = items_of(odoo, move)
    assert (expense["account_id"][0], expense["balance"]) == (fees, 3.2)
    assert (counterpart["account_id"][0], counterpart["balance"]) == (outstanding, -3.2)
    [typed] = odoo.call("account.move.line", "read", [odoo.call("account.move.line", "search",
                                                                [["move_id", "=", move], ["debit", ">", 0]])[0]],
                        ["account_type"])
    assert typed["account_type"] == "expense"


def test_an_unbalanced_entry_is_refused(odoo):
    stripe = journal(odoo, "STRP")
    fees, outstanding = account(odoo, "627000"), account(odoo, "101403")
    before = odoo.call("account.move", "search_count", [["move_type", "=", "entry"]])
    error = rpc_error(lambda: odoo.call("account.move", "create", {
        "move_type": "entry", "journal_id": stripe["id"],
        "line_ids": [(0, 0, {"account_id": fees, "debit": 3.2}), (0, 0, {"account_id": outstanding, "credit": 3.0})]}))
    assert error.name == "odoo.exceptions.UserError"
    assert "is not balanced." in str(error)
    # format_amount puts the symbol after the amount for EUR, with a no-break space
    assert "The total of debits equals 3.20\N{NO-BREAK SPACE}€ and the total of credits equals 3.00\N{NO-BREAK SPACE}€." \
        in str(error)
    assert 'You might want to specify a default account on journal "Stripe" to automatically balance each move.' \
        in str(error)
    assert odoo.call("account.move", "search_count", [["move_type", "=", "entry"]]) == before
