"""Business methods and wizards over RPC, safe to repeat after a lost answer.

A business method (`action_confirm`, `action_post`, a wizard's `create_invoices`) is not re-sent blindly by
the client: when its answer is lost (`OdooOutcomeUnknown`) the caller says how to see whether it ran —
the state it produces — and it is sent again only if that state is not there. A wizard record itself
(`sale.advance.payment.inv`, `account.payment.register`, `account.move.reversal`) is transient and does
nothing until its action runs, so a second copy of one whose create answer was lost is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.errors import OdooOutcomeUnknown, OdooUserError

T = TypeVar("T")
ATTEMPTS = 3


def create_wizard(client: OdooClient, model: str, values: dict, context: dict | None = None) -> int:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return client.call(model, "create", [values], context=context or {})[0]
        except OdooOutcomeUnknown:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def run_once(act: Callable[[], T], reached: Callable[[], bool]) -> T | None:
    """`act()`; if its answer is lost, `reached()` says whether it ran: if so None is returned, else it is
    sent again (at most ATTEMPTS times in all)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return act()
        except OdooOutcomeUnknown:
            if reached():
                return None
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def act_on(ids: dict[str, list[int]], act: Callable[[list[int]], object], reached: Callable[[list[int]], bool]
           ) -> dict[str, str]:
    """`act` on the records of every key at once (through `run_once`); if Odoo refuses the batch, on each key's
    records alone, so one refused key is named and the others go through. A refusal whose state is reached
    anyway (another run did it meanwhile: "not in a state requiring confirmation") is no refusal. Returns
    key -> Odoo's message for the keys refused."""
    def once(group: list[int]) -> None:
        run_once(lambda: act(group), lambda: reached(group))

    if not ids:
        return {}
    try:
        once([i for group in ids.values() for i in group])
        return {}
    except OdooUserError as exc:
        if len(ids) == 1:
            key, group = next(iter(ids.items()))
            return {} if reached(group) else {key: exc.message}
    refused = {}
    for key, group in ids.items():
        try:
            once(group)
        except OdooUserError as exc:
            if not reached(group):
                refused[key] = exc.message
    return refused
