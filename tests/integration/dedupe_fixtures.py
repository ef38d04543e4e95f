"""Shared pieces for the dedupe flow tests: an Odoo sandbox whose integration user may merge contacts (Extra
Rights / Contact Creation, granted by the administrator as the README asks), partners with history, and the
flow as production builds it. `scored(...)` stands for the model where a test needs exact probabilities."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa

from retail_sync.flows.dedupe.flow import DedupeFlow
from retail_sync.flows.dedupe.settings import DedupeFlowSettings
from retail_sync.odoo.client import OdooClient, OdooConfig
from retail_sync.retry import RetryPolicy
from retail_sync.state.merge_journal import MergeJournal
from retail_sync.state.store import StateStore
from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer

API_KEY = "dedupe-tests-" + "m" * 27
ADMIN_PASSWORD = "admin-pw"
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, budget_seconds=2)


@dataclass
class DedupeWorld:
    sandbox: OdooSandbox
    server: RunningServer
    client: OdooClient
    admin: OdooClient
    store: StateStore
    tmp: Path
    alerts: list = field(default_factory=list)

    def partner(self, name: str, **vals) -> int:
        created = self.client.call("res.partner", "create", {"name": name, **vals})
        return created[0] if isinstance(created, list) else created      # JSON-2 answers a list

    def history(self, partner: int, orders: int = 0, invoices: int = 0) -> None:
        for _ in range(orders):
            self.client.call("sale.order", "create", {"partner_id": partner, "partner_invoice_id": partner,
                                                      "partner_shipping_id": partner})
        for _ in range(invoices):
            self.client.call("account.move", "create", {"move_type": "out_invoice", "partner_id": partner})

    def existing(self, ids: list[int]) -> list[int]:
        return sorted(self.client.call("res.partner", "search", [["id", "in", ids]], context={"active_test": False}))

    def settings(self, **overrides) -> DedupeFlowSettings:
        return DedupeFlowSettings(staging_root=self.tmp / "staging", **overrides)

    def flow(self, link, run_id: str = "run-1", notify=None, **overrides) -> DedupeFlow:
        return DedupeFlow(self.settings(**overrides), self.store, lambda: nullcontext(self.client), link,
                          notify or self.alerts.append, run_id)

    @property
    def journal(self) -> MergeJournal:
        return MergeJournal(self.store)

    def stop(self) -> None:
        self.client.close()
        self.admin.close()
        self.server.stop()


def start_dedupe_world(tmp: Path, version: int = 18) -> DedupeWorld:
    tmp.mkdir(parents=True, exist_ok=True)
    sandbox = OdooSandbox(version, credentials=SeedCredentials(ADMIN_PASSWORD, integration_api_key=API_KEY))
    server = RunningServer(create_app(sandbox)).start()
    client = OdooClient(OdooConfig(server.url, "odoo", "retail-sync", API_KEY), policy=FAST)
    # The administrator signs in with a password, which JSON-RPC takes on every version (JSON-2 wants a key).
    admin = OdooClient(OdooConfig(server.url, "odoo", "admin", ADMIN_PASSWORD, protocol="jsonrpc"), policy=FAST)
    [group] = admin.call("ir.model.data", "search_read", [["module", "=", "base"],
                                                           ["name", "=", "group_partner_manager"]], ["res_id"])
    groups = "groups_id" if version < 19 else "group_ids"
    admin.call("res.users", "write", [client.uid], {groups: [(4, group["res_id"])]})
    return DedupeWorld(sandbox, server, client, admin, StateStore(f"sqlite:///{tmp}/state.sqlite"), tmp)


def scored(pairs: list[tuple[int, int, float]]):
    """A link that scores exactly these pairs (the model's output, as a test needs it)."""
    table = pa.table({"id_l": pa.array([a for a, _, _ in pairs], pa.int64()),
                      "id_r": pa.array([b for _, b, _ in pairs], pa.int64()),
                      "match_probability": pa.array([p for _, _, p in pairs], pa.float64()),
                      "agreed": pa.array([["email"] for _ in pairs], pa.list_(pa.string())),
                      "disagreed": pa.array([["street"] for _ in pairs], pa.list_(pa.string()))})
    return lambda _customers: SimpleNamespace(pairs=table)
