"""Edges of the batch naming of external ids not covered by test_xmlid_names: the 80-character cut against
trimming, the DEL character, batches mixing ASCII and non-ASCII keys, and one large batch (a first load's SKUs)."""

from __future__ import annotations

import hashlib
import random
import re

import pytest

from retail_sync.odoo import binder


def by_definition(key: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_]+", "_", key).strip("_")[:80]
    return f"{safe}_{hashlib.sha1(key.encode()).hexdigest()[:8]}"


@pytest.fixture(autouse=True)
def fresh_names():
    binder._names.clear()
    yield
    binder._names.clear()


EDGES = ["x" * 80, "x" * 81, "x" * 79 + "-y", "-" + "x" * 80, "x" * 80 + "-", "x" * 40 + "-" * 10 + "x" * 40,
         "_" * 81, "-" * 81, "a\x7fb", "\x7f", "a\x00", "\x01", "\x00\x01", "a" + "\x00" * 3 + "b"]


@pytest.mark.parametrize("keys", [EDGES, EDGES[::-1], [*EDGES, "é", "ok"], ["ok", "x" * 79 + "é" + "y"]])
def test_cut_and_trim_edges_are_named_by_definition(keys):
    assert binder.xmlid_names(keys) == [by_definition(key) for key in keys]


def test_a_large_batch_with_duplicates_is_named_by_definition():
    rng = random.Random(3)
    alphabet = "aZ9_-:/ .\x7f"
    keys = ["pim:product:" + "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 100))) for _ in range(5000)]
    keys += keys[:500]
    assert binder.xmlid_names(keys) == [by_definition(key) for key in keys]
