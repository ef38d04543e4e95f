"""External keys ↔ Odoo ids through `ir.model.data` (module `retail_sync`), in batches.

A key such as `pim:product:TEE-S` becomes the external id `retail_sync.pim_product_TEE_S_1a2b3c4d`:
readable, free of characters Odoo refuses, and unique because the key's digest is part of it.

Binding is safe to repeat: a create whose answer was lost, or one that races another publisher into
"External ID must be unique", is followed by a look-up, and only keys still unbound are sent again.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence

from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.errors import OdooAccessError, OdooOutcomeUnknown, OdooValidationError

MODULE = "retail_sync"
CHUNK = 500
UNSAFE = re.compile(r"[^A-Za-z0-9_]+")   # compiled once: every key of a first load passes here
BIND_ATTEMPTS = 3
NAME_CACHE_SIZE = 200_000               # names remembered (a key is named in several stages of a publish)
# From this many keys on, a look-up first asks whether any external id of ours for the model starts as all the
# keys' names do (one small call): on a first load none does, and sending every name to learn that costs more.
PROBE_MIN_KEYS = 1000
_names: dict[str, str] = {}


def _named(key: str, safe: str) -> str:
    return f"{safe}_{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def _remember(names: dict[str, str]) -> None:
    if len(_names) + len(names) > NAME_CACHE_SIZE:   # bounded: a long-lived worker names keys of many runs
        _names.clear()
    _names.update(names)


def xmlid_name(key: str) -> str:
    name = _names.get(key)
    if name is None:
        name = _named(key, UNSAFE.sub("_", key).strip("_")[:80])
        _remember({key: name})
    return name


def xmlid_names(keys: Sequence[str]) -> list[str]:
    """`xmlid_name` of each key. The keys not named yet are named together (a first load names every SKU)."""
    names = _names
    new = [key for key in dict.fromkeys(keys) if key not in names]
    if new:
        sha1 = hashlib.sha1
        # `_named` of each, written out: one comprehension instead of a call per key.
        named = {key: f"{text}_{sha1(key.encode()).hexdigest()[:8]}" for key, text in zip(new, _safe_texts(new))}
        _remember(named)
        return [named[key] if key in named else xmlid_name(key) for key in keys]
    get = names.get
    return [get(key) or xmlid_name(key) for key in keys]


# For a batch of ASCII keys: each character UNSAFE matches becomes MARK, so the whole batch is made safe by a few
# passes over one joined text (str.translate, replace, split) instead of a regex substitution per key.
SEPARATOR, MARK = "\x00", "\x01"
_MARK_UNSAFE = str.maketrans({chr(c): MARK for c in range(128) if UNSAFE.fullmatch(chr(c)) and chr(c) != SEPARATOR})
_MARK_RUN = re.compile(MARK + "+")


def _safe_texts(keys: list[str]) -> list[str]:
    """`UNSAFE.sub("_", key).strip("_")[:80]` of each key."""
    text = SEPARATOR.join(keys)
    if not text.isascii() or MARK in text or text.count(SEPARATOR) != len(keys) - 1:
        return [UNSAFE.sub("_", key).strip("_")[:80] for key in keys]   # rare keys: one by one
    marked = text.translate(_MARK_UNSAFE)
    # A run of unsafe characters becomes one `_`; most keys have none.
    text = _MARK_RUN.sub("_", marked) if MARK + MARK in marked else marked.replace(MARK, "_")
    safe = text.split(SEPARATOR)
    trimmed = not (text.startswith("_") or text.endswith("_") or "_" + SEPARATOR in text or SEPARATOR + "_" in text)
    if trimmed and max(map(len, safe)) <= 80:
        return safe
    return [piece.strip("_")[:80] for piece in safe]


def xmlid(key: str) -> str:
    return f"{MODULE}.{_names.get(key) or xmlid_name(key)}"


def xmlids(keys: Sequence[str]) -> list[str]:
    return [f"{MODULE}.{name}" for name in xmlid_names(keys)]


class Binder:
    def __init__(self, client: OdooClient, chunk: int = CHUNK):
        self.client = client
        self.chunk = chunk

    def resolve(self, model: str, keys: Iterable[str]) -> dict[str, int]:
        """Odoo ids of the keys already bound for `model` (unbound keys are absent)."""
        return {key: res_id for key, (_xmlid_id, res_id) in self._bindings(model, keys).items()}

    def _bindings(self, model: str, keys: Iterable[str]) -> dict[str, tuple[int, int]]:
        """key -> (its ir.model.data id, the Odoo id it names), for the keys bound for `model`."""
        keys = list(keys)
        by_name = dict(zip(xmlid_names(keys), keys))
        names = list(by_name)
        ours = [["module", "=", MODULE], ["model", "=", model]]
        # Names hold only [A-Za-z0-9_]; in the pattern `_` matches any character, so it finds a superset: a
        # probe can send the look-up on for nothing, never skip a bound key.
        if len(names) >= PROBE_MIN_KEYS and not self.client.call(
                "ir.model.data", "search", [*ours, ["name", "=like", f"{os.path.commonprefix(names)}%"]], limit=1):
            return {}
        found: dict[str, tuple[int, int]] = {}
        for start in range(0, len(names), self.chunk):
            rows = self.client.call("ir.model.data", "search_read", [*ours, ["name", "in", names[start:start + self.chunk]]],
                                    ["name", "res_id"])
            found.update((by_name[r["name"]], (r["id"], r["res_id"])) for r in rows)
        return found

    def bind(self, model: str, ids_by_key: dict[str, int], bound: dict[str, int] | None = None) -> dict[str, str]:
        """Make each key name its record: create the external ids of records created without one, and move
        those that name another record (Odoo replaced a variant: a template that gained an attribute archives
        or deletes its old variants and makes new ones). Idempotent. Returns the keys that could not be moved,
        with the reason: moving an external id is a write on ir.model.data, which Odoo grants only to
        Administration / Access Rights, so a least-privilege integration user is refused (the caller
        dead-letters those keys rather than write the archived record their external id still names).

        `bound`: what the caller's own `resolve` of these keys found before its writes, when it has one (a
        first load knows that none is bound), to save a look-up of every key: only the keys it shows naming
        another record are looked up again (their external id may have gone with a deleted variant). A key
        bound meanwhile by another publisher is caught by the create's "External ID must be unique"."""
        if bound is None:
            bound = self.resolve(model, ids_by_key)
        moved = {k: v for k, v in ids_by_key.items() if k in bound and bound[k] != v}
        missing = {k: v for k, v in ids_by_key.items() if k not in bound}
        refused: dict[str, str] = {}
        if moved:
            current = self._bindings(model, moved)
            for key, odoo_id in moved.items():
                if key not in current:
                    missing[key] = odoo_id            # its record was deleted, and its external id with it
                elif current[key][1] != odoo_id:      # one write per key: each names a different record
                    try:
                        self.client.call("ir.model.data", "write", [current[key][0]], {"res_id": odoo_id})
                    except OdooAccessError as exc:
                        refused[key] = (f"Odoo replaced record {current[key][1]} of {model} by {odoo_id}, and its "
                                        f"external id could not be moved to it: {exc.message.splitlines()[0]}")
        keys = list(missing)
        for start in range(0, len(keys), self.chunk):
            self._create_xmlids(model, {k: missing[k] for k in keys[start:start + self.chunk]})
        return refused

    def _create_xmlids(self, model: str, todo: dict[str, int]) -> None:
        for attempt in range(1, BIND_ATTEMPTS + 1):
            rows = [{"module": MODULE, "name": name, "model": model, "res_id": v}
                    for name, v in zip(xmlid_names(list(todo)), todo.values())]
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
