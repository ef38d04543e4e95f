"""A provider's payout and its fees as Odoo values: the bank statement line of the payout, the journal
entry of its fees, the Register Payment wizard's values for a settled charge or refund.

Each carries a label that names what it books (the payout, the transaction), so what Odoo holds can be
found again by that label when an answer was lost before its external id was written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def provider_title(provider: str) -> str:
    return provider.replace("_", " ").title()


def payout_label(provider: str, payout_id: str) -> str:
    """The statement line's label (payment_ref): what finance reads in the bank reconciliation."""
    return f"{provider_title(provider)} payout {payout_id}"


def fees_reference(provider: str, payout_id: str) -> str:
    """The fee entry's reference (ref)."""
    return f"{provider_title(provider)} fees {payout_id}"


def statement_line_values(provider: str, payout_id: str, amount: Decimal, arrival: date, journal_id: int) -> dict:
    """The payout as one line of the provider journal's statement: the money the provider settled."""
    return {"journal_id": journal_id, "date": arrival.isoformat(), "amount": float(amount),
            "payment_ref": payout_label(provider, payout_id), "ref": payout_id}


def fee_entry_values(provider: str, payout_id: str, fees: Decimal, arrival: date, journal_id: int,
                     fee_account_id: int, counterpart_account_id: int) -> dict:
    """The payout's fees as one journal entry: the fee expense against what the provider kept back of the
    receipts (positive fees debit the expense; fees given back, negative, credit it)."""
    amount = float(abs(fees))
    expense = {"account_id": fee_account_id, "name": fees_reference(provider, payout_id)}
    counterpart = {"account_id": counterpart_account_id, "name": fees_reference(provider, payout_id)}
    if fees >= 0:
        expense.update(debit=amount, credit=0.0)
        counterpart.update(debit=0.0, credit=amount)
    else:
        expense.update(debit=0.0, credit=amount)
        counterpart.update(debit=amount, credit=0.0)
    return {"move_type": "entry", "journal_id": journal_id, "date": arrival.isoformat(),
            "ref": fees_reference(provider, payout_id),
            "line_ids": [(0, 0, expense), (0, 0, counterpart)]}


def payment_register_values(journal_id: int, paid_on: date, memo: str) -> dict:
    """The wizard's values: the invoice's (or credit note's) residual, paid in the provider's journal,
    with a memo naming the provider transaction."""
    return {"journal_id": journal_id, "payment_date": paid_on.isoformat(), "communication": memo}
