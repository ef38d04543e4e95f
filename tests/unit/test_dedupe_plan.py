"""The merge plan from scored pairs: sure links form groups, Odoo's rules split them, the destination is the
partner with most history then the oldest, steps hold at most 3 contacts, and what is kept apart is queued."""

from __future__ import annotations

from collections import Counter

import pytest

from retail_sync.flows.dedupe.extract import PartnerFacts
from retail_sync.flows.dedupe.plan import (
    MEDIUM,
    NOT_LINKED,
    OTHER_EMAIL,
    OTHER_FIRST_NAME,
    OTHER_VAT,
    UNKNOWN,
    Pair,
    plan_merges,
)


def facts(*rows: tuple) -> dict[int, PartnerFacts]:
    """(id, email, vat, created) persons without parents."""
    return {i: PartnerFacts(i, f"P{i}", email, False, None, vat, created) for i, email, vat, created in rows}


def plan(pairs, known, history=None, allow=False):
    return plan_merges([Pair(*p) for p in pairs], known, Counter(history or {}), 0.99, 0.8, allow)


def test_destination_is_most_history_then_oldest_and_steps_hold_three():
    known = facts(*[(i, "a@x", None, f"2026-01-{10 - i:02d}") for i in range(1, 7)])
    result = plan([(1, 2, 0.995), (2, 3, 0.999), (3, 4, 0.999), (4, 5, 0.999), (5, 6, 0.999)], known, {3: 2, 5: 2})
    # 3 and 5 have the most history; 5 is older (created on the 5th, 3 on the 7th).
    assert [s.destination for s in result.steps] == [5, 5, 5]
    assert [len(s.sources) for s in result.steps] == [2, 2, 1]
    assert sorted(x for s in result.steps for x in s.sources) == [1, 2, 3, 4, 6]
    assert {s.probability for s in result.steps} == {0.995}
    assert result.partners_merged_away == 5 and result.held == []


def test_rules_split_a_group_and_queue_the_pairs_kept_apart():
    known = facts((1, "a@x", "BE1", "1"), (2, "a@x", "BE2", "2"), (3, "A@x", None, "3"), (4, "a@x", None, "4"))
    result = plan([(1, 2, 0.999), (1, 3, 0.999), (1, 4, 0.999), (2, 9, 0.999), (4, 5, 0.85), (5, 6, 0.5)], known)
    assert [(s.destination, s.sources) for s in result.steps] == [(1, (4,))]
    reasons = {(h.pair.id_l, h.pair.id_r): h.reason for h in result.held}
    assert reasons == {(1, 2): OTHER_VAT, (1, 3): OTHER_EMAIL, (2, 9): UNKNOWN, (4, 5): MEDIUM}


def test_a_partner_joins_only_a_group_it_has_a_sure_link_to():
    # 1–2 and 2–3 are sure, but 2 has another email: 1 and 3 are not linked to each other directly.
    known = facts((1, "a@x", None, "1"), (2, "b@x", None, "2"), (3, "a@x", None, "3"))
    result = plan([(1, 2, 0.999), (2, 3, 0.999)], known)
    assert result.steps == []
    assert {h.reason for h in result.held} == {OTHER_EMAIL}
    allowed = plan([(1, 2, 0.999), (2, 3, 0.999)], known, allow=True)
    assert [(s.destination, s.sources) for s in allowed.steps] == [(1, (2, 3))]
    assert NOT_LINKED not in {h.reason for h in allowed.held}


def test_a_conflict_with_the_group_keeps_a_linked_partner_apart():
    known = facts((1, "a@x", "BE1", "1"), (2, "a@x", None, "2"), (3, "a@x", "BE3", "3"))
    result = plan([(1, 2, 0.999), (2, 3, 0.999)], known)
    assert [(s.destination, s.sources) for s in result.steps] == [(1, (2,))]
    assert [(h.pair.id_l, h.pair.id_r, h.reason) for h in result.held] == [(2, 3, NOT_LINKED)]


@pytest.mark.parametrize(("left", "right", "apart"), [
    ("Bob Stone", "Robert Stone", False),          # a nickname
    ("Jon Peeters", "John Peeters", False),        # a typo
    ("Margot Peeters", "Margto Peeters", False),   # two letters swapped
    ("Daniel Peeters", "Daniela Peeters", True),   # another ending: another name
    ("Julia Peeters", "Julie Peeters", True),
    ("Victoris Kellez", "Kellez Victoris", False),  # given and family name swapped
    ("Kochberg Margan", "Margo Kochberg", True),   # swapped, and then another first name
    ("Ann Lee", "Ann Smith", False),               # a married name: the first name agrees
    ("Matt Browek", "Victora Browek", True),       # a household sharing email, phone and address
    ("Acme", "Ann Acme", False),                   # one word: nothing to compare
])
def test_persons_with_clearly_different_first_names_are_never_merged(left, right, apart):
    known = {1: PartnerFacts(1, left, "a@x", False, None, None, "1"),
             2: PartnerFacts(2, right, "a@x", False, None, None, "2")}
    result = plan([(1, 2, 0.9999)], known)
    assert (result.steps == []) is apart
    assert [h.reason for h in result.held] == ([OTHER_FIRST_NAME] if apart else [])
