"""A settlement world: the Odoo sandbox over HTTP with posted invoices and credit notes to settle, and the
classified/payout tables the matching hands to booking and the report (built on their canonical schemas)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pyarrow as pa

from retail_sync.canonical.settlement import CLASSIFIED_SCHEMA, SETTLEMENT_PAYOUT_SCHEMA
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.retry import RetryPolicy
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer

API_KEY = "s" * 40
FAST = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05, budget_seconds=5)
ARRIVAL = datetime(2026, 3, 2, tzinfo=UTC)
SOURCE_PREFIX = {"charge": "ch_", "refund": "re_", "dispute": "dp_"}     # Stripe's ids of what a line settles


@dataclass
class SettlementWorld:
    sandbox: OdooSandbox
    server: RunningServer
    client: OdooClient
    calls: list[str] = field(default_factory=list)   # model.method of every request, in order

    def invoice(self, amount: float, move_type: str = "out_invoice") -> int:
        partner = one(self.client.call("res.partner", "create", {"name": f"Customer {uuid.uuid4().hex[:6]}"}))
        move = one(self.client.call("account.move", "create", {
            "move_type": move_type, "partner_id": partner,
            "invoice_line_ids": [(0, 0, {"name": "Lamp", "quantity": 1, "price_unit": amount, "tax_ids": [(6, 0, [])]})]}))
        self.client.call("account.move", "action_post", [move])
        return move

    def count(self, model: str, domain: list | None = None) -> int:
        return self.client.call(model, "search_count", domain or [])

    def stop(self) -> None:
        self.server.stop()


def one(created):
    """JSON-2 (19) creates from a list of values and answers a list; JSON-RPC answers one id for one dict."""
    return created[0] if isinstance(created, list) else created


def start_world(version: int = 18) -> SettlementWorld:
    sandbox = OdooSandbox(version, credentials=SeedCredentials("admin", integration_api_key=API_KEY))
    server = RunningServer(create_app(sandbox)).start()
    calls: list[str] = []

    def record(request: httpx.Request) -> None:
        if request.url.path.startswith("/json/2/"):
            calls.append(".".join(request.url.path.split("/")[3:5]))
        else:
            args = json.loads(request.content)["params"]["args"]
            calls.append(f"{args[3]}.{args[4]}" if len(args) > 4 else "common")

    http = httpx.Client(base_url=server.url, event_hooks={"request": [record]})
    client = OdooClient(OdooConfig(server.url, "odoo", "retail-sync", API_KEY), policy=FAST, http=http)
    client.uid  # noqa: B018  (authenticate first: fault plans count the ORM calls that follow)
    return SettlementWorld(sandbox, server, client, calls)


def line(payout_id: str | None, txn: str, kind: str, gross: str, fee: str = "0", *, status: str = "matched",
         reason: str | None = None, invoice_id: int | None = None, credit_note_id: int | None = None,
         payment_id: int | None = None, currency: str = "EUR", order_ref: str | None = None,
         provider: str = "stripe", source: str | None = None) -> dict:
    """A classified line; a charge, refund or dispute `txn_x` settles `ch_x`, `re_x` or `dp_x` unless `source`
    says otherwise."""
    gross_d, fee_d = Decimal(gross), Decimal(fee)
    if source is None and txn and kind in SOURCE_PREFIX:
        source = SOURCE_PREFIX[kind] + txn.removeprefix("txn_")
    return {"provider": provider, "payout_id": payout_id, "transaction_id": txn, "source": source, "type": kind,
            "gross": gross_d,
            "fee": fee_d, "net": gross_d - fee_d, "currency": currency, "presentment_amount": gross_d,
            "presentment_currency": currency, "exchange_rate": Decimal("1"), "order_ref": order_ref,
            "sale_order_id": None, "invoice_id": invoice_id, "payment_id": payment_id,
            "credit_note_id": credit_note_id, "status": status, "reason": reason}


def payout(payout_id: str, amount: str, *, currency: str = "EUR", status: str = "paid", valid: bool = True,
           reason: str | None = None, provider: str = "stripe") -> dict:
    return {"provider": provider, "payout_id": payout_id, "amount": Decimal(amount), "currency": currency,
            "arrival_date": ARRIVAL, "status": status, "valid": valid, "reason": reason}


def tables(payouts: list[dict], lines: list[dict]) -> tuple[pa.Table, pa.Table]:
    return (pa.Table.from_pylist(payouts, schema=SETTLEMENT_PAYOUT_SCHEMA),
            pa.Table.from_pylist(lines, schema=CLASSIFIED_SCHEMA))
