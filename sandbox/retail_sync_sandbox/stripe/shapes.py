"""Stripe's objects as the API returns them, built from the demo world's ledger rows.

Each object carries exactly the top-level fields of Stripe's published example object
(stripe/openapi `fixtures3.json`, checked by tests/contract/test_stripe_shapes.py): the ledger's values
where it has them, Stripe's empty values (null, {}, false) elsewhere. Bookkeeping the ledger keeps for
itself is not a field: a balance transaction does not say which payout paid it out (that is the
`payout=` filter of the list call), so `payout` is dropped here and kept by the sandbox as a lookup key.
"""

from __future__ import annotations

from typing import Any

DISPUTE_EVIDENCE = (
    "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
    "cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name",
    "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation", "duplicate_charge_explanation",
    "duplicate_charge_id", "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address", "shipping_carrier",
    "shipping_date", "shipping_documentation", "shipping_tracking_number", "uncategorized_file",
    "uncategorized_text",
)

# Field -> the value an object has when the ledger says nothing about it, in Stripe's field order.
DEFAULTS: dict[str, dict[str, Any]] = {
    "balance_transaction": {
        "id": None, "object": "balance_transaction", "amount": 0, "available_on": 0, "created": 0, "currency": "",
        "description": None, "exchange_rate": None, "fee": 0, "fee_details": [], "net": 0,
        "reporting_category": "", "source": None, "status": "available", "type": "",
    },
    "charge": {
        "id": None, "object": "charge", "amount": 0, "amount_captured": 0, "amount_refunded": 0, "application": None,
        "application_fee": None, "application_fee_amount": None, "balance_transaction": None,
        "billing_details": {"address": {"city": None, "country": None, "line1": None, "line2": None,
                                        "postal_code": None, "state": None},
                            "email": None, "name": None, "phone": None},
        "calculated_statement_descriptor": None, "captured": False, "created": 0, "currency": "", "customer": None,
        "description": None, "disputed": False, "failure_balance_transaction": None, "failure_code": None,
        "failure_message": None, "fraud_details": {}, "invoice": None, "livemode": False, "metadata": {},
        "on_behalf_of": None, "outcome": None, "paid": False, "payment_intent": None, "payment_method": None,
        "payment_method_details": None, "receipt_email": None, "receipt_number": None, "receipt_url": None,
        "refunded": False, "refunds": None, "review": None, "shipping": None, "source_transfer": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None, "status": "succeeded",
        "transfer_data": None, "transfer_group": None,
    },
    "dispute": {
        "id": None, "object": "dispute", "amount": 0, "balance_transactions": [], "charge": None, "created": 0,
        "currency": "", "evidence": dict.fromkeys(DISPUTE_EVIDENCE), "evidence_details": None,
        "is_charge_refundable": False, "livemode": False, "metadata": {}, "payment_intent": None, "reason": "general",
        "status": "needs_response",
    },
    "payout": {
        "id": None, "object": "payout", "amount": 0, "arrival_date": 0, "automatic": True, "balance_transaction": None,
        "created": 0, "currency": "", "description": None, "destination": None, "failure_balance_transaction": None,
        "failure_code": None, "failure_message": None, "livemode": False, "metadata": {}, "method": "standard",
        "original_payout": None, "reconciliation_status": "not_applicable", "reversed_by": None, "source_type": "card",
        "statement_descriptor": None, "status": "pending", "type": "bank_account",
    },
    "refund": {
        "id": None, "object": "refund", "amount": 0, "balance_transaction": None, "charge": None, "created": 0,
        "currency": "", "metadata": {}, "payment_intent": None, "reason": None, "receipt_number": None,
        "source_transfer_reversal": None, "status": "succeeded", "transfer_reversal": None,
    },
}


def stripe_object(kind: str, row: dict) -> dict:
    """The ledger row as Stripe's object of that kind: Stripe's fields only, none missing."""
    defaults = DEFAULTS[kind]
    return {name: _copy(row.get(name, default)) for name, default in defaults.items()}


def charge_object(row: dict, refunds: list[dict]) -> dict:
    """A charge with the card it was paid by and its refunds list (API versions before 2022-11-15 inline it)."""
    charge = stripe_object("charge", row)
    charge["payment_method"] = charge["payment_method"] or f"pm_{row['id'][3:]}"
    charge["payment_method_details"] = charge["payment_method_details"] or {
        "card": {"brand": "visa", "country": "BE", "exp_month": 12, "exp_year": 2030, "funding": "credit",
                 "last4": "4242", "network": "visa"}, "type": "card"}
    charge["refunds"] = {"object": "list", "data": refunds, "has_more": False,
                         "url": f"/v1/charges/{row['id']}/refunds"}
    return charge


def dispute_object(row: dict, balance_transactions: list[dict]) -> dict:
    """A dispute lists its balance transactions as objects, not ids; evidence is due a week after it opened."""
    dispute = stripe_object("dispute", row)
    dispute["balance_transactions"] = balance_transactions
    dispute["evidence_details"] = dispute["evidence_details"] or {
        "due_by": row["created"] + 7 * 86400, "has_evidence": False, "past_due": False, "submission_count": 0}
    return dispute


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
