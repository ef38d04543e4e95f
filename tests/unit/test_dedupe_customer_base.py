"""The generated customer base (the dedupe model's test bed) keeps the proportions of real customer data that
decide the model's precision at a million records: a mailbox has one holder, names are not concentrated beyond
what real populations show, and the planted 7-record cluster is exactly 7 records by the truth."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from retail_sync_sandbox.datagen.customer_base import BIG_CLUSTER, customer_base


@pytest.fixture(scope="module")
def base():
    return customer_base(10_000, seed=3)


def test_an_email_is_shared_only_by_one_person_or_one_household(base):
    household = {record: index for index, members in enumerate(base.households) for record in members}
    entity_household = {base.truth[r]: index for r, index in household.items()}
    people: dict[str, set[int]] = defaultdict(set)
    for record, email in zip(base.table["id"].to_pylist(), base.table["email"].to_pylist(), strict=True):
        if email:
            people[email.strip().lower()].add(base.truth[record])
    shared = [entities for entities in people.values() if len(entities) > 1]
    assert shared, "households sharing an email are planted"
    assert all(len({entity_household.get(e) for e in entities}) == 1 and None not in
               {entity_household.get(e) for e in entities} for entities in shared)


def test_names_are_no_more_concentrated_than_real_ones(base):
    # real: the commonest family name ~0.3-0.8 % of people, the commonest given name 1-3 %
    for column, ceiling in (("family_name", 0.015), ("given_name", 0.05)):
        names = [n for n in base.table[column].to_pylist() if n]
        assert Counter(names).most_common(1)[0][1] / len(names) < ceiling
    full = Counter(zip(base.table["given_name"].to_pylist(), base.table["family_name"].to_pylist(), strict=True))
    assert full.most_common(1)[0][1] / base.table.num_rows < 0.002


def test_the_big_cluster_is_exactly_seven_records_of_one_person(base):
    [person] = {base.truth[record] for record in base.big_cluster}
    assert sorted(r for r, p in base.truth.items() if p == person) == sorted(base.big_cluster)
    assert len(base.big_cluster) == BIG_CLUSTER
