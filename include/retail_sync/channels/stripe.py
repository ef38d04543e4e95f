"""The Stripe connector: payouts, the balance transactions paid out on each (with their sources
expanded to find the order reference in the charge's metadata), charges and refunds.

Lists are walked with `starting_after` until `has_more` is false. Amounts stay integers in minor
units beside their decimal value; 429 and 5xx are retried, honouring `Stripe-Should-Retry`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx
import pyarrow as pa

from retail_sync.canonical.keys import entity_key
from retail_sync.canonical.money import from_minor_units
from retail_sync.canonical.settlement import BALANCE_TRANSACTION_SCHEMA, PAYOUT_SCHEMA
from retail_sync.channels.http import ChannelConfig, ChannelHttp, HttpConnector
from retail_sync.channels.timestamps import from_unix
from retail_sync.retry import RetryPolicy


def order_reference(metadata: dict | None) -> str | None:
    """The canonical order key a charge was made for, from the metadata our stores set at checkout."""
    if not metadata or not metadata.get("order_id") or not metadata.get("channel"):
        return None
    return entity_key(metadata["channel"], "order", metadata["order_id"])


class StripeConnector(HttpConnector):
    def __init__(self, config: ChannelConfig, api_key: str, *, page_size: int = 100, policy: RetryPolicy | None = None,
                 timeout: float = 30.0):
        self.config = config
        client = httpx.Client(base_url=config.base_url.rstrip("/") + "/v1", timeout=timeout,
                              headers={"Authorization": f"Bearer {api_key}"})
        self.http = ChannelHttp(config, client, policy)
        self.page_size = page_size

    def list_all(self, path: str, params: dict | None = None, starting_after: str | None = None) -> Iterator[dict]:
        params = dict(params or {})
        while True:
            query = {**params, "limit": self.page_size}
            if starting_after:
                query["starting_after"] = starting_after
            page = self.http.request("GET", path, params=query).json()
            yield from page["data"]
            if not page["has_more"] or not page["data"]:
                return
            starting_after = page["data"][-1]["id"]

    def payouts(self, created_since: datetime | None = None, created_until: datetime | None = None) -> pa.Table:
        params = {}
        if created_since:
            params["created[gte]"] = int(created_since.timestamp())
        if created_until:
            params["created[lt]"] = int(created_until.timestamp())
        rows = [self.payout_row(p) for p in self.list_all("/payouts", params)]
        return pa.Table.from_pylist(rows, schema=PAYOUT_SCHEMA)

    def payout_row(self, p: dict) -> dict:
        currency = p["currency"].upper()
        return {"key": entity_key(self.config.channel, "payout", p["id"]), "channel": self.config.channel,
                "source_id": p["id"], "amount_minor": p["amount"], "amount": from_minor_units(p["amount"], currency),
                "currency": currency, "status": p["status"], "automatic": p["automatic"],
                "reconciliation_status": p.get("reconciliation_status"),
                "arrival_date": from_unix(p["arrival_date"]), "created_at": from_unix(p["created"])}

    def balance_transactions(self, payout_id: str) -> pa.Table:
        """Everything paid out on one automatic payout, the payout's own transaction included."""
        params = {"payout": payout_id, "expand[]": "data.source"}
        rows = [self.balance_row(bt, payout_id) for bt in self.list_all("/balance_transactions", params)]
        return pa.Table.from_pylist(rows, schema=BALANCE_TRANSACTION_SCHEMA)

    def balance_row(self, bt: dict, payout_id: str | None) -> dict:
        currency = bt["currency"].upper()
        source = bt.get("source")
        source_id = source["id"] if isinstance(source, dict) else source
        charge = None
        metadata = None
        if isinstance(source, dict):
            if source.get("object") == "charge":
                charge, metadata = source["id"], source.get("metadata")
            elif source.get("object") in ("refund", "dispute"):
                charge, metadata = source.get("charge"), source.get("metadata")
        return {"key": entity_key(self.config.channel, "balance_transaction", bt["id"]),
                "channel": self.config.channel, "source_id": bt["id"],
                "payout_key": entity_key(self.config.channel, "payout", payout_id) if payout_id else None,
                "type": bt["type"], "reporting_category": bt["reporting_category"], "amount_minor": bt["amount"],
                "fee_minor": bt["fee"], "net_minor": bt["net"], "amount": from_minor_units(bt["amount"], currency),
                "fee": from_minor_units(bt["fee"], currency), "net": from_minor_units(bt["net"], currency),
                "currency": currency, "source": source_id, "charge": charge,
                "order_reference": order_reference(metadata), "description": bt.get("description"),
                "created_at": from_unix(bt["created"]), "available_on": from_unix(bt.get("available_on"))}

    def charges(self, created_since: datetime | None = None) -> Iterator[dict]:
        params = {"created[gte]": int(created_since.timestamp())} if created_since else {}
        yield from self.list_all("/charges", params)

    def refund(self, charge_id: str, amount_minor: int, idempotency_key: str, metadata: dict | None = None) -> dict:
        """Refund part of a charge once, however often the call is retried (the key makes it idempotent)."""
        form = {"charge": charge_id, "amount": str(amount_minor)}
        form.update({f"metadata[{k}]": str(v) for k, v in (metadata or {}).items()})
        return self.http.request("POST", "/refunds", data=form, headers={"Idempotency-Key": idempotency_key}).json()
