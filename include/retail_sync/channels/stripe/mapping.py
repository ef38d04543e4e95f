"""Stripe objects → canonical rows (Payout, BalanceTransaction): the Stripe mapper, apart from the
connector that lists them. Amounts stay integers in minor units beside their decimal value."""

from __future__ import annotations

from retail_sync.canonical.keys import entity_key
from retail_sync.canonical.money import from_minor_units
from retail_sync.channels.timestamps import from_unix


def order_reference(metadata: dict | None) -> str | None:
    """The canonical order key a charge was made for, from the metadata our stores set at checkout."""
    if not metadata or not metadata.get("order_id") or not metadata.get("channel"):
        return None
    return entity_key(metadata["channel"], "order", metadata["order_id"])


def payout_row(channel: str, p: dict) -> dict:
    currency = p["currency"].upper()
    return {"key": entity_key(channel, "payout", p["id"]), "channel": channel,
            "source_id": p["id"], "amount_minor": p["amount"], "amount": from_minor_units(p["amount"], currency),
            "currency": currency, "status": p["status"], "automatic": p["automatic"],
            "reconciliation_status": p.get("reconciliation_status"),
            "arrival_date": from_unix(p["arrival_date"]), "created_at": from_unix(p["created"])}


def balance_row(channel: str, bt: dict, payout_id: str | None) -> dict:
    currency = bt["currency"].upper()
    source = bt.get("source")
    source_id = source["id"] if isinstance(source, dict) else source
    charge = None
    metadata = None
    presentment: tuple[int | None, str | None] = (None, None)
    if isinstance(source, dict):
        if source.get("object") == "charge":
            charge, metadata = source["id"], source.get("metadata")
        elif source.get("object") in ("refund", "dispute"):
            charge, metadata = source.get("charge"), source.get("metadata")
        if source.get("object") in ("charge", "refund", "dispute") and source.get("currency"):
            # A refund or dispute takes money back: its presentment amount carries the transaction's sign.
            sign = -1 if bt["amount"] < 0 else 1
            presentment = (sign * abs(int(source["amount"])), source["currency"].upper())
    rate = bt.get("exchange_rate")
    return {"key": entity_key(channel, "balance_transaction", bt["id"]),
            "channel": channel, "source_id": bt["id"],
            "payout_key": entity_key(channel, "payout", payout_id) if payout_id else None,
            "type": bt["type"], "reporting_category": bt["reporting_category"], "amount_minor": bt["amount"],
            "fee_minor": bt["fee"], "net_minor": bt["net"], "amount": from_minor_units(bt["amount"], currency),
            "fee": from_minor_units(bt["fee"], currency), "net": from_minor_units(bt["net"], currency),
            "currency": currency, "source": source_id, "charge": charge,
            "order_reference": order_reference(metadata), "order_name": (metadata or {}).get("order_name"),
            "presentment_amount_minor": presentment[0], "presentment_currency": presentment[1],
            "exchange_rate": None if rate is None else str(rate), "description": bt.get("description"),
            "created_at": from_unix(bt["created"]), "available_on": from_unix(bt.get("available_on"))}
