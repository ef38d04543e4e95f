"""Scored pairs → what to do: merge steps for the sure duplicates, the review queue for the likely ones.

- A pair at or above `merge_threshold` links its partners; linked partners form a candidate group. Within
  it, Odoo's rules are applied before Odoo is asked: never a company with a person, a parent with its child,
  partners with different VAT numbers, or (unless the integration user may) different emails — Odoo's
  wizard compares the email text as stored. A partner joins a group only if it agrees with every member
  and has a sure link to one of them; the pairs that were kept apart go to the review queue with the reason.
- One rule of our own on top of Odoo's, because a merge cannot be undone: two persons whose first names
  clearly differ (not a nickname — Bob/Robert —, not a typo, not given and family name swapped) are never
  merged, however sure the model is. Household members and colleagues share an email, a phone and an address
  at once; the model weighs those as one agreement, but a person decides such pairs, not a night run.
- The destination is the partner with the most history (sale orders and invoices), then the oldest, then
  the lowest id. Odoo merges at most 3 contacts at once, so a larger group is merged in steps of the
  destination plus two sources.
- A pair from `review_threshold` up to the merge threshold goes to the review queue; below, nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

import pyarrow as pa

from retail_sync.canonical.contacts import given_name_key, name_key
from retail_sync.flows.dedupe.extract import PartnerFacts

MAX_CONTACTS = 3          # Odoo's wizard: "you cannot merge more than 3 contacts together"
MEDIUM = "medium confidence: for a person to decide"
COMPANY_PERSON = "a company with a person"
PARENT_CHILD = "a parent with its own contact"
OTHER_VAT = "different VAT numbers"
OTHER_EMAIL = "different emails (Odoo lets only an administrator merge them)"
NOT_LINKED = "kept apart: another partner of the group it would join conflicts with it, or is not surely linked"
OTHER_FIRST_NAME = "different first names (a household or colleagues sharing contact details?)"
TYPO_SIMILARITY = 0.8     # first names at least this alike (difflib ratio) are read as one name mistyped
UNKNOWN = "partner not among Odoo's customer partners (a user's, a company's, an address, or gone)"


@dataclass(frozen=True)
class Pair:
    id_l: int
    id_r: int
    probability: float


@dataclass(frozen=True)
class MergeStep:
    destination: int
    sources: tuple[int, ...]
    probability: float            # the weakest sure link inside the step's group

    @property
    def key(self) -> str:
        return f"{self.destination} <- {','.join(map(str, sorted(self.sources)))}"


@dataclass(frozen=True)
class Held:
    pair: Pair
    reason: str


@dataclass
class MergePlan:
    steps: list[MergeStep]
    held: list[Held]              # the review queue: medium pairs and sure pairs kept apart by a rule

    @property
    def partners_merged_away(self) -> int:
        return sum(len(step.sources) for step in self.steps)


def read_pairs(pairs: pa.Table) -> list[Pair]:
    columns = pairs.select(["id_l", "id_r", "match_probability"]).to_pydict()
    return [Pair(int(a), int(b), float(p)) for a, b, p in
            zip(columns["id_l"], columns["id_r"], columns["match_probability"])]


def sure_groups(pairs: list[Pair], merge_threshold: float) -> list[set[int]]:
    """Partners joined by sure links (connected components), before any rule is applied."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        if pair.probability >= merge_threshold:
            parent[root(pair.id_l)] = root(pair.id_r)
    groups: dict[int, set[int]] = defaultdict(set)
    for member in parent:
        groups[root(member)].add(member)
    return [group for group in groups.values() if len(group) > 1]


def plan_merges(pairs: list[Pair], facts: dict[int, PartnerFacts], history: Counter, merge_threshold: float,
                review_threshold: float, allow_different_emails: bool) -> MergePlan:
    sure = [p for p in pairs if p.probability >= merge_threshold]
    held = [Held(p, MEDIUM) for p in pairs if review_threshold <= p.probability < merge_threshold]
    links: dict[int, dict[int, float]] = defaultdict(dict)
    for pair in sure:
        links[pair.id_l][pair.id_r] = links[pair.id_r][pair.id_l] = pair.probability
    steps: list[MergeStep] = []
    placed: dict[int, int] = {}                # partner -> index of its group among `kept`
    kept: list[list[int]] = []
    for group in sure_groups(pairs, merge_threshold):
        members = sorted((m for m in group if m in facts), key=lambda m: (-history[m], facts[m].create_date, m))
        left = members
        while left:
            # The best partner left seeds a group; it grows along sure links, keeping the preference order.
            candidate, left = [left[0]], left[1:]
            grown = True
            while grown:
                grown = False
                for member in left:
                    if any(other in links[member] for other in candidate) and not any(
                            _conflict(facts[member], facts[other], facts, allow_different_emails)
                            for other in candidate):
                        candidate.append(member)
                        left = [m for m in left if m != member]
                        grown = True
                        break
            placed.update((member, len(kept)) for member in candidate)
            kept.append(candidate)
    for members in kept:
        if len(members) < 2:
            continue
        weakest = min(links[a][b] for a in members for b in members if b in links[a])
        destination, sources = members[0], members[1:]
        for start in range(0, len(sources), MAX_CONTACTS - 1):
            steps.append(MergeStep(destination, tuple(sources[start:start + MAX_CONTACTS - 1]), weakest))
    for pair in sure:
        if pair.id_l not in facts or pair.id_r not in facts:
            held.append(Held(pair, UNKNOWN))
        elif placed[pair.id_l] != placed[pair.id_r]:
            reason = _conflict(facts[pair.id_l], facts[pair.id_r], facts, allow_different_emails) or NOT_LINKED
            held.append(Held(pair, reason))
    return MergePlan(steps, held)


def _conflict(a: PartnerFacts, b: PartnerFacts, facts: dict[int, PartnerFacts], allow_different_emails: bool
              ) -> str | None:
    if a.id in _ancestors(b, facts) or b.id in _ancestors(a, facts):
        return PARENT_CHILD
    if a.is_company != b.is_company:
        return COMPANY_PERSON
    if a.vat and b.vat and a.vat != b.vat:
        return OTHER_VAT
    if a.email != b.email and not allow_different_emails:
        return OTHER_EMAIL
    if not a.is_company and not b.is_company and _first_names_differ(a.name, b.name):
        return OTHER_FIRST_NAME
    return None


def _first_names_differ(a: str, b: str) -> bool:
    words_a, words_b = (name_key(a) or "").split(), (name_key(b) or "").split()
    if len(words_a) < 2 or len(words_b) < 2:
        return False                        # a single word may be either name: nothing to compare
    if _alike(words_a[0], words_b[0]):
        return False
    # Given and family name swapped on one side: then its last word is the given name.
    return not ((words_a[0] == words_b[-1] and _alike(words_a[-1], words_b[0]))
                or (words_b[0] == words_a[-1] and _alike(words_b[-1], words_a[0])))


def _alike(first_a: str, first_b: str) -> bool:
    """One first name: the same, nicknames of one name (Bob, Robert), or one mistyped (Jon, John) — but not
    two names that differ only in their ending (Daniel/Daniela, Paul/Paula, Julia/Julie: siblings' names)."""
    if first_a == first_b or given_name_key(first_a) == given_name_key(first_b):
        return True
    return SequenceMatcher(None, first_a, first_b).ratio() >= TYPO_SIMILARITY and not _other_ending(first_a,
                                                                                                    first_b)


def _other_ending(a: str, b: str) -> bool:
    """One name extends the other, or they differ only within their last two letters, other than by two
    letters swapped (Margot/Margto is a slip of the fingers)."""
    if a.startswith(b) or b.startswith(a):
        return True
    if len(a) != len(b):
        return False
    differing = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    swapped = len(differing) == 2 and differing[1] == differing[0] + 1 and a[differing[0]] == b[differing[1]] \
        and a[differing[1]] == b[differing[0]]
    return min(differing) >= len(a) - 2 and not swapped


def _ancestors(partner: PartnerFacts, facts: dict[int, PartnerFacts]) -> set[int]:
    found: set[int] = set()
    parent = partner.parent_id
    while parent and parent not in found:
        found.add(parent)
        parent = facts[parent].parent_id if parent in facts else None
    return found
