"""External-id names made for a batch of keys (column-wise) are the names made one key at a time, for any
key: they name records in Odoo for good, so a first load and a later one-key look-up must agree."""

from __future__ import annotations

import hashlib
import random
import re

import pytest

from retail_sync.odoo import binder

KEYS = ["pim:product:TEE-S", "pim:product:TEE-S", "pim:attribute_value:Size:XL", "__a__", "", "_", "::",
        "pim:product:" + "x" * 200, "pim:product:a\u200bb", "pim:product:日本語-キー", "pim:product:ＴＥＥ",
        "pim:product:a/b c\td\x00e", "pim:product:émoji-🙂", "pim:template:P000001"]


def by_definition(key: str) -> str:
    """The module's documented rule, written out: unsafe runs to '_', trimmed, cut at 80, then 8 hex of sha1."""
    safe = re.sub(r"[^A-Za-z0-9_]+", "_", key).strip("_")[:80]
    return f"{safe}_{hashlib.sha1(key.encode()).hexdigest()[:8]}"


@pytest.fixture(autouse=True)
def fresh_names():
    binder._names.clear()
    yield
    binder._names.clear()


def test_a_batch_names_every_key_as_one_by_one_does():
    expected = [by_definition(key) for key in KEYS]
    assert binder.xmlid_names(KEYS) == expected
    assert binder.xmlid_names(KEYS) == expected                  # remembered
    binder._names.clear()
    assert [binder.xmlid_name(key) for key in KEYS] == expected
    assert binder.xmlid_names(list(reversed(KEYS))) == list(reversed(expected))
    assert binder.xmlids(KEYS[:1]) == [f"retail_sync.{expected[0]}"] == [binder.xmlid(KEYS[0])]
    assert binder.xmlid_names([]) == []


def test_the_remembered_names_stay_bounded(monkeypatch):
    monkeypatch.setattr(binder, "NAME_CACHE_SIZE", 10)
    keys = [f"pim:product:{i}" for i in range(25)]
    assert binder.xmlid_names(keys[:8]) == [by_definition(k) for k in keys[:8]]
    assert binder.xmlid_names(keys[8:]) == [by_definition(k) for k in keys[8:]]   # 17 more: the cache starts over
    assert [binder.xmlid_name(k) for k in keys] == [by_definition(k) for k in keys]
    assert len(binder._names) <= 10


ASCII_KEYS = ["pim:product:P000001-S-SAN", "pim:product:a--b", "pim:product:a-_-b", "-lead", "trail-", "_under_",
              "pim:product:" + "y" * 100, "", "a", "a\x01b", "pim:price:TEE/S 1", "x:" * 50 + "end", "::a::", "a__b"]


@pytest.mark.parametrize("keys", [ASCII_KEYS, ASCII_KEYS[:1], ["plain", "keys"], ["pim:product:a\x00b", "c"],
                                  ["", ""], ["-", "_"], ["ok", "é"]])
def test_a_batch_of_ascii_keys_is_named_by_definition(keys):
    """ASCII batches are made safe over one joined text: runs, ends, long keys, and the separator and marker
    characters inside a key (which send the batch one key at a time) all name as the definition does."""
    assert binder.xmlid_names(keys) == [by_definition(key) for key in keys]


def test_random_ascii_batches_are_named_by_definition():
    rng = random.Random(7)
    alphabet = "ab_Z09:-/ .#\t"
    for _ in range(200):
        keys = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 90))) for _ in range(rng.randrange(1, 6))]
        binder._names.clear()
        assert binder.xmlid_names(keys) == [by_definition(key) for key in keys], keys
