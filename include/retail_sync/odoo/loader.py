"""Batched, error-isolating writes: `load()` upserts by external id, a chunk at a time.

Odoo's `load` rolls a whole call back when one row is wrong and names that row in `messages`; the
loader takes the named rows out (they become dead letters with their error) and loads the rest again.
A `load` that fails without naming a row failed for the call itself (an unknown column raises KeyError
before any row is read): every smaller call would fail the same way, so the chunk fails once, each of
its rows carrying that error, instead of being split into ~2n calls. `create` names no rows when it
fails, so a failed create batch is split in halves until the bad rows are alone. Retryable failures are
not handled here: the client retries them, and past its budget the task fails and is re-run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.errors import OdooError, OdooMissingError

DEFAULT_CHUNK = 500
# load() reads datetime cells in the context's time zone, else the integration user's: canonical
# datetimes are UTC, so every load says so rather than depend on how the user is set up.
LOAD_CONTEXT = {"tz": "UTC"}
# load() checks each database id it is given (`.id`, `rel/.id`) with a search, which skips archived records unless
# active_test is off. A load whose ids may name archived records on purpose (an inactive SKU's variant, the template
# of a parent whose SKUs are all inactive) says so; the whole call then runs with active_test off, so the others
# (orders: their computations search warehouses, taxes, pricelists) keep Odoo's default.
ARCHIVED_OK_CONTEXT = {**LOAD_CONTEXT, "active_test": False}


@dataclass
class LoadOutcome:
    ids: dict[str, int] = field(default_factory=dict)       # key -> Odoo id
    failed: dict[str, str] = field(default_factory=dict)    # key -> error text

    def merge(self, other: LoadOutcome) -> None:
        self.ids.update(other.ids)
        self.failed.update(other.failed)


def load_rows(client: OdooClient, model: str, columns: list[str], rows: Sequence[tuple[str, list]],
              chunk: int = DEFAULT_CHUNK, archived_ok: bool = False) -> LoadOutcome:
    """Upsert `rows` ((key, values) in `columns` order) through `model.load`, chunk by chunk. `archived_ok`: the
    records the rows name by database id may be archived (ARCHIVED_OK_CONTEXT)."""
    outcome = LoadOutcome()
    context = ARCHIVED_OK_CONTEXT if archived_ok else LOAD_CONTEXT
    for start in range(0, len(rows), chunk):
        outcome.merge(_load_chunk(client, model, columns, list(rows[start:start + chunk]), context))
    return outcome


def _load_chunk(client: OdooClient, model: str, columns: list[str], rows: list[tuple[str, list]],
                context: dict) -> LoadOutcome:
    outcome = LoadOutcome()
    while rows:
        try:
            result = client.call(model, "load", columns, [values for _key, values in rows], context=context)
        except OdooError as exc:
            if exc.retryable:
                raise
            return _fail_all(rows, f"{model}.load refused the whole call: {exc.message}")
        if result.get("ids"):
            outcome.ids.update((key, odoo_id) for (key, _), odoo_id in zip(rows, result["ids"]))
            return outcome
        errors = [m for m in result.get("messages", []) if m.get("type") == "error"]
        named = _named_errors(errors)
        if not named:
            text = "; ".join(m.get("message", "") for m in errors) or "load() failed without naming a row"
            return _fail_all(rows, f"{model}.load failed the whole call: {text}")
        outcome.failed.update((rows[i][0], text) for i, text in named.items() if i < len(rows))
        rows = [row for i, row in enumerate(rows) if i not in named]
    return outcome


def _named_errors(errors: list[dict]) -> dict[int, str]:
    """Row index -> its error. When Odoo's first, batched write fails it retries row by row and puts the
    batch's error first, naming row 0 whatever row caused it: a row-0 message whose text another row
    also has is that summary, not row 0's own error. (Were it row 0's own, row 0 fails again, alone,
    in the next call.)"""
    texts: dict[int, list[str]] = {}
    for message in errors:
        if isinstance(message.get("record"), int):
            texts.setdefault(message["record"], []).append(message.get("message", ""))
    elsewhere = {text for record, own in texts.items() if record != 0 for text in own}
    own_zero = [text for text in texts.get(0, []) if text not in elsewhere]
    named = {record: own[0] for record, own in texts.items() if record != 0}
    if own_zero or (texts.get(0) and not named):
        named[0] = (own_zero or texts[0])[0]
    return named


def _fail_all(rows: list[tuple[str, list]], error: str) -> LoadOutcome:
    return LoadOutcome(failed={key: error for key, _values in rows})


def _bisect(rows: list, retry: Callable[[list], LoadOutcome], error: str) -> LoadOutcome:
    if len(rows) == 1:
        return LoadOutcome(failed={rows[0][0]: error})
    middle = len(rows) // 2
    outcome = retry(rows[:middle])
    outcome.merge(retry(rows[middle:]))
    return outcome


def load_records(client: OdooClient, model: str, records: Sequence[tuple[str, dict[str, str]]],
                 chunk: int = DEFAULT_CHUNK) -> LoadOutcome:
    """`load_rows` for mapped records ((key, {column: text})): the columns are the records' own."""
    if not records:
        return LoadOutcome()
    columns = list(records[0][1])
    if any(list(values) != columns for _key, values in records):
        raise ValueError(f"{model}: mapped records must share one set of columns in one order")
    return load_rows(client, model, columns, [(key, list(values.values())) for key, values in records], chunk)


def unlink_records(client: OdooClient, model: str, ids: Sequence[int], chunk: int = DEFAULT_CHUNK) -> None:
    """Delete records by id, safe to repeat: ids already gone (a retried call whose first answer was lost, or
    another run that deleted them) are not an error; the ones still there are deleted."""
    for start in range(0, len(ids), chunk):
        part = list(ids[start:start + chunk])
        try:
            client.call(model, "unlink", part)
        except OdooMissingError:
            left = client.call(model, "search", [["id", "in", part]], context={"active_test": False})
            if left:
                client.call(model, "unlink", left)
