"""External keys ↔ Odoo ids through `ir.model.data` (module `retail_sync`), in batches.

A key such as `pim:product:TEE-S` becomes the external id `retail_sync.pim_product_TEE_S_1a2b3c4d`:
readable, free of characters Odoo refuses, and unique because the key's digest is part of it.

Binding is safe to repeat: a create whose answer was lost, or one that races another publisher into
"External ID must be unique", is followed by a look-up, and only keys still unbound are sent again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.errors import OdooOutcomeUnknown, OdooValidationError

MODULE = "retail_sync"
CHUNK = 500
UNSAFE = re.compile(r"[^A-Za-z0-9_]+")   # compiled once: every key of a first load passes here
BIND_ATTEMPTS = 3


@lru_cache(maxsize=200_000)
def xmlid_name(key: str) -> str:
    safe = UNSAFE.sub("_", key).strip("_")[:80]
    return f"{safe}_{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def xmlid(key: str) -> str:
    return f"{MODULE}.{xmlid_name(key)}"


class Binder:
    def __init__(self, client: OdooClient, chunk: int = CHUNK):
        self.client = client
        self.chunk = chunk

    def resolve(self, model: str, keys: Iterable[str]) -> dict[str, int]:
        """Odoo ids of the keys already bound for `model` (unbound keys are absent)."""
        by_name = {xmlid_name(k): k for k in keys}
        names = list(by_name)
        found: dict[str, int] = {}
        for start in range(0, len(names), self.chunk):
            rows = self.client.call("ir.model.data", "search_read",
                                    [["module", "=", MODULE], ["model", "=", model],
                                     ["name", "in", names[start:start + self.chunk]]], ["name", "res_id"])
            found.update((by_name[r["name"]], r["res_id"]) for r in rows)
        return found

    def bind(self, model: str, ids_by_key: dict[str, int]) -> int:
        """Register external ids for records created without one; idempotent (bound keys are skipped)."""
        bound = self.resolve(model, ids_by_key)
        missing = {k: v for k, v in ids_by_key.items() if k not in bound}
        keys = list(missing)
        for start in range(0, len(keys), self.chunk):
            self._create_xmlids(model, {k: missing[k] for k in keys[start:start + self.chunk]})
        return len(missing)

    def _create_xmlids(self, model: str, todo: dict[str, int]) -> None:
        for attempt in range(1, BIND_ATTEMPTS + 1):
            rows = [{"module": MODULE, "name": xmlid_name(k), "model": model, "res_id": v} for k, v in todo.items()]
            try:
                self.client.call("ir.model.data", "create", rows)
                return
            except (OdooOutcomeUnknown, OdooValidationError) as exc:
                # Lost answer (Odoo may have committed) or another publisher bound some keys meanwhile: look again.
                left = {k: v for k, v in todo.items() if k not in self.resolve(model, todo)}
                if not left:
                    return
                refused = isinstance(exc, OdooValidationError) and left == todo  # nobody else bound them: real
                if refused or attempt == BIND_ATTEMPTS:
                    raise
                todo = left
