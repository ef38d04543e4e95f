"""The first steps of an order page, before Odoo: versions sorted out, then validation.

`take_in` leaves each order of a page in exactly one of: to load (new or changed, and valid),
quarantined (dead-lettered at stage `validate`, its version recorded so the same bad payload is not
alerted again every minute), unchanged (the same content as the version handled: no Odoo call), stale
(older than the version handled: ignored). After the load, `settle` records the versions of the orders
loaded or dead-lettered, so the watermark may pass them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from retail_sync.flows.orders.pages import narrow
from retail_sync.flows.orders.validate import OrderValidator, QuarantinedOrder, dead_letter
from retail_sync.flows.orders.versions import STALE, UNCHANGED, sort_out
from retail_sync.state.store import OrderVersion, StateStore

OUTCOMES = ("loaded", "quarantined", "dead_lettered", "skipped")


@dataclass
class Intake:
    to_load: dict[str, pa.Table]           # the page narrowed to the valid new or changed orders
    quarantined: list[QuarantinedOrder]
    unchanged: list[str]
    stale: list[str]
    versions: dict[str, OrderVersion]      # this page's version of each order to load (outcome set by `settle`)

    @property
    def load_keys(self) -> list[str]:
        return self.to_load["orders"].column("key").to_pylist()


def take_in(tables: dict[str, pa.Table], store: StateStore, validator: OrderValidator, flow: str,
            run_id: str) -> Intake:
    keys = tables["orders"].column("key").to_pylist()
    held = store.order_versions(keys)
    verdicts = sort_out(tables, held)
    unchanged, stale = verdicts.keys(UNCHANGED), verdicts.keys(STALE)
    validated = validator.validate(narrow(tables, verdicts.to_load))
    dead_letter(store, flow, run_id, validated.quarantined)
    # An unchanged order keeps the outcome it had; its newer updated_at is remembered (later stale
    # deliveries compare with it).
    store.record_order_versions(
        [_with(verdicts.versions[q.key], "quarantined") for q in validated.quarantined]
        + [_with(verdicts.versions[k], held[k].outcome) for k in unchanged], run_id)
    return Intake(validated.good, validated.quarantined, unchanged, stale,
                  {k: verdicts.versions[k] for k in validated.good_keys})


def settle(store: StateStore, intake: Intake, outcomes: dict[str, str], run_id: str) -> None:
    """Record what became of the orders loaded (`outcomes`: order key -> loaded | dead_lettered | skipped)."""
    unknown = {o for o in outcomes.values() if o not in OUTCOMES}
    if unknown:
        raise ValueError(f"unknown outcomes {sorted(unknown)}; use {OUTCOMES}")
    store.record_order_versions([_with(intake.versions[key], outcome) for key, outcome in outcomes.items()], run_id)


def _with(version: OrderVersion, outcome: str) -> OrderVersion:
    return OrderVersion(version.key, version.digest, version.source_updated_at, outcome)
