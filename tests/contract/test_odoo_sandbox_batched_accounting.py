"""Posting and paying many invoices in one call gives what one by one gives (the sandbox posts, pays and
reconciles a call's records together, as Odoo's recordsets do): the same payments, memos, reconciliations
and payment states; names drawn consecutively from the journal's sequence, without gaps or repeats, however
many entries the journal already holds."""

from __future__ import annotations

import re
import uuid

from .test_odoo_sandbox_payments import call_with_context, journal

NUMBER = re.compile(r"^(.*?)(\d+)$")


def draft_invoices(odoo, partners: list[int], amounts: list[float], references: list[str]) -> list[int]:
    return odoo.call("account.move", "create", [
        {"move_type": "out_invoice", "partner_id": partner, "payment_reference": reference,
         "invoice_line_ids": [(0, 0, {"name": "Lamp", "quantity": 1, "price_unit": amount})]}
        for partner, amount, reference in zip(partners, amounts, references, strict=True)])


def pay(odoo, moves: list[int]) -> None:
    wizard = call_with_context(odoo, "account.payment.register", "create",
                               [{"journal_id": journal(odoo, "BNK1")}],
                               {"active_model": "account.move", "active_ids": moves})
    odoo.call("account.payment.register", "action_create_payments", [wizard])


def split(name: str) -> tuple[str, int]:
    prefix, number = NUMBER.match(name).groups()
    return prefix, int(number)


def consecutive(names: list[str]) -> bool:
    parts = sorted(split(name) for name in names)
    return len({prefix for prefix, _ in parts}) == 1 and \
        [n for _, n in parts] == list(range(parts[0][1], parts[0][1] + len(parts)))


def outcome(odoo, moves: list[int]) -> list[dict]:
    """Per invoice, in order: what is left, its payment state, and the payments reconciled with it (amount,
    memo told as the invoice it names, how many invoices it pays, state) — what one-by-one and all-at-once
    must agree on."""
    references = [m["payment_reference"] for m in odoo.call("account.move", "read", moves, ["payment_reference"])]
    memo = "ref" if odoo.version == 17 else "memo"
    result = []
    for move in odoo.call("account.move", "read", moves, ["amount_residual", "payment_state", "partner_id"]):
        payments = odoo.call("account.payment", "search_read", [["partner_id", "=", move["partner_id"][0]]],
                             ["amount", memo, "reconciled_invoice_ids", "state"])
        mine = [p for p in payments if move["id"] in p["reconciled_invoice_ids"]]
        result.append({"residual": move["amount_residual"], "payment_state": move["payment_state"],
                       "payments": [(p["amount"], references.index(p[memo]), len(p["reconciled_invoice_ids"]),
                                     p["state"])
                                    for p in mine]})
    return result


def test_invoices_of_several_customers_paid_in_one_wizard_as_one_by_one(odoo):
    """Two customers, their invoices interleaved: one wizard for all gives each invoice its own payment of its
    amount with its own memo, reconciled with it alone, as paying them one at a time does; the payments' names
    follow each other in the journal."""
    def world():
        tag = uuid.uuid4().hex[:6]
        first, second = (odoo.call("res.partner", "create", {"name": f"Payer {tag} {n}"}) for n in (1, 2))
        moves = draft_invoices(odoo, [first, second, first, second], [40.0, 25.5, 60.0, 19.99],
                               [f"ch_{tag}_{n}" for n in range(4)])
        odoo.call("account.move", "action_post", moves)
        return moves

    together, alone = world(), world()
    pay(odoo, together)
    for move in alone:
        pay(odoo, [move])
    expected = outcome(odoo, alone)
    assert outcome(odoo, together) == expected
    assert all(row["residual"] == 0 and len(row["payments"]) == 1 and row["payments"][0][2] == 1
               for row in expected)
    references = [m["payment_reference"] for m in odoo.call("account.move", "read", together, ["payment_reference"])]
    memo = "ref" if odoo.version == 17 else "memo"
    payments = odoo.call("account.payment", "search_read", [[memo, "in", references]], ["name", memo])
    assert sorted(p[memo] for p in payments) == sorted(references)
    assert consecutive([p["name"] for p in payments])


def test_invoices_posted_in_one_call_take_consecutive_numbers_after_the_last(odoo):
    """Six drafts posted in one call take the six numbers after the one posted just before, in order."""
    partner = odoo.call("res.partner", "create", {"name": f"Buyer {uuid.uuid4().hex[:6]}"})
    first, *rest = draft_invoices(odoo, [partner] * 7, [10.0 + n for n in range(7)], [False] * 7)
    odoo.call("account.move", "action_post", [first])
    odoo.call("account.move", "action_post", rest)
    names = {m["id"]: m["name"] for m in odoo.call("account.move", "read", [first, *rest], ["name"])}
    prefix, start = split(names[first])
    assert [split(names[move]) for move in rest] == [(prefix, start + n) for n in range(1, 7)]


def test_posting_again_in_a_busy_journal_continues_its_numbering(odoo):
    """A journal holding many posted entries (forty here, in four calls): every number once, no gap, and the
    next posting continues from the highest."""
    partner = odoo.call("res.partner", "create", {"name": f"Regular {uuid.uuid4().hex[:6]}"})
    moves = []
    for _ in range(4):
        batch = draft_invoices(odoo, [partner] * 10, [5.0] * 10, [False] * 10)
        odoo.call("account.move", "action_post", batch)
        moves += batch
    names = [m["name"] for m in odoo.call("account.move", "read", moves, ["name"])]
    assert len(set(names)) == 40 and consecutive(names)
    [last] = draft_invoices(odoo, [partner], [5.0], [False])
    odoo.call("account.move", "action_post", [last])
    [name] = [m["name"] for m in odoo.call("account.move", "read", [last], ["name"])]
    assert split(name) == (split(names[-1])[0], max(split(n)[1] for n in names) + 1)

