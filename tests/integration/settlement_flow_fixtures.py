"""Shared pieces for the settlement tests: an Odoo sandbox holding the demo world's loaded sales (its
bad orders quarantined, so absent), the Stripe sandbox of the same world, and the flow built on both."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from retail_sync.channels.stripe.connector import StripeConnector
from retail_sync.flows.settlement.flow import SettlementFlow, SettlementOutcome
from retail_sync.flows.settlement.settings import SettlementSettings
from retail_sync.flows.settlement.stripe_provider import StripeSettlement
from retail_sync.flows.settlement.window import SettlementWindow
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.state.store import StateStore
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.odoo.settled_sales import Sale, sales_from_world, seed_sales
from retail_sync_sandbox.serving import RunningServer
from tests.storefront_fixtures import FAST_RETRIES, STRIPE_KEY, config

API_KEY = "settlement-tests-" + "s" * 23
WHOLE_WORLD = (date(2026, 8, 25), date(2026, 10, 31))     # every payout of the demo world (anchor 2026-11-01)


@dataclass
class SettlementWorld:
    odoo: OdooSandbox
    server: RunningServer
    stripe_url: str
    store: StateStore
    settings: SettlementSettings
    made: dict = field(default_factory=dict)      # charge/refund id -> the Odoo ids seeded for it
    alerts: list = field(default_factory=list)

    def client(self) -> OdooClient:
        return OdooClient(OdooConfig(self.server.url, "odoo", "retail-sync", API_KEY), policy=FAST_RETRIES)

    def flow(self, run_id: str = "run-1") -> SettlementFlow:
        @contextmanager
        def odoo():
            with self.client() as client:
                yield client

        @contextmanager
        def provider(name: str):
            assert name == "stripe"
            with StripeConnector(config("stripe", "stripe", self.stripe_url, "stripe_default"), STRIPE_KEY,
                                 page_size=20, policy=FAST_RETRIES) as connector:
                yield StripeSettlement(connector)

        return SettlementFlow(self.settings, self.store, odoo, provider, self.alerts.append, run_id)

    def reconcile(self, start: date = WHOLE_WORLD[0], end: date = WHOLE_WORLD[1], dry_run: bool = True,
                  run_id: str = "run-1") -> SettlementOutcome:
        return self.flow(run_id).reconcile("stripe", SettlementWindow(start, end, ("stripe",), dry_run))


def start_settlement_world(tmp: Path, world, stripe_url: str, extra_sales: list[Sale] = (),
                           plant=None, version: int = 18) -> SettlementWorld:
    odoo = OdooSandbox(version, credentials=SeedCredentials("admin", integration_api_key=API_KEY))
    sales = sales_from_world(world)
    if plant:
        plant(sales)
    made = seed_sales(odoo.databases["odoo"], [*sales, *extra_sales])
    server = RunningServer(create_app(odoo)).start()
    settings = SettlementSettings(staging_root=tmp / "staging", missing_after_days=7)
    return SettlementWorld(odoo, server, stripe_url, StateStore(f"sqlite:///{tmp}/state.sqlite"), settings, made)


def lines(outcome: SettlementOutcome) -> list[dict]:
    return pq.read_table(outcome.classified_path).to_pylist()


def payouts(outcome: SettlementOutcome) -> list[dict]:
    return pq.read_table(outcome.payouts_path).to_pylist()
