"""The dedupe flow's merges against the Odoo sandbox over HTTP, from scored pairs: a cluster of 7 merged in
steps of 3 into the partner with the most history, Odoo's rules applied before Odoo is asked (a company and
its contact person, a company and a person, different VAT numbers, different emails), every merge journaled
with a snapshot, and the review queue."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from retail_sync.flows.dedupe.flow import DedupeStatus
from retail_sync.flows.dedupe.plan import COMPANY_PERSON, MEDIUM, OTHER_EMAIL, OTHER_VAT, PARENT_CHILD
from retail_sync.state.merge_journal import MERGED

from .dedupe_fixtures import scored, start_dedupe_world


@pytest.fixture
def world(tmp_path):
    created = start_dedupe_world(tmp_path)
    yield created
    created.stop()


def test_a_cluster_of_seven_is_merged_in_steps_into_the_partner_with_most_history(world):
    email = "ann.peeters@example.com"
    seven = [world.partner("Ann Peeters", email=email, city="Ghent" if i == 3 else False) for i in range(7)]
    world.history(seven[4], orders=2, invoices=1)
    world.history(seven[1], orders=1)
    world.history(seven[6], invoices=1)
    orders_before = world.client.call("sale.order", "search", [["partner_id", "in", seven]])
    invoices_before = world.client.call("account.move", "search", [["partner_id", "in", seven]])
    # A chain of sure links (not every pair scored): the cluster is what links it.
    link = scored([(a, b, 0.995) for a, b in zip(seven, seven[1:])])

    outcome = world.flow(link).run()

    assert outcome.status is DedupeStatus.DONE
    assert (outcome.planned_steps, outcome.merge_steps, outcome.merged) == (3, 3, 6)
    assert world.existing(seven) == [seven[4]]
    assert sorted(world.client.call("sale.order", "search", [["partner_id", "=", seven[4]]])) == sorted(orders_before)
    assert sorted(world.client.call("account.move", "search", [["partner_id", "=", seven[4]]])) == sorted(
        invoices_before)
    [kept] = world.client.call("res.partner", "read", [seven[4]], ["city", "email"])
    assert kept == {"id": seven[4], "city": "Ghent", "email": email}
    entries = world.journal.entries()
    assert [e.status for e in entries] == [MERGED] * 3
    assert {e.destination_id for e in entries} == {seven[4]}
    assert sorted(s for e in entries for s in e.source_ids) == sorted(set(seven) - {seven[4]})
    # Every merged partner's fields were kept before it went: the source with the city among them.
    snapshots = {int(k): v for e in entries for k, v in e.snapshot.items()}
    assert snapshots[seven[3]]["city"] == "Ghent" and snapshots[seven[3]]["name"] == "Ann Peeters"
    assert world.store.metrics("dedupe", "run-1")["partners_merged"] == 6


def test_odoo_rules_keep_partners_apart_before_odoo_is_asked(world):
    company = world.partner("Acme", is_company=True, email="info@acme.example", vat="BE0123456789")
    contact = world.partner("Acme", parent_id=company, email="info@acme.example")
    other_company = world.partner("Acme", is_company=True, email="info@acme.example", vat="BE0999999999")
    person = world.partner("Acme", email="info@acme.example")
    bob, robert = world.partner("Bob Stone", email="bob@example.com"), world.partner("Bob Stone",
                                                                                     email="BOB@example.com")
    link = scored([(company, contact, 0.999), (company, other_company, 0.999), (company, person, 0.998),
                   (bob, robert, 0.999)])

    outcome = world.flow(link).run()

    assert outcome.planned_steps == 0 and outcome.merged == 0
    everyone = [company, contact, other_company, person, bob, robert]
    assert world.existing(everyone) == sorted(everyone)
    queue = pq.read_table(outcome.review_path).to_pylist()
    reasons = {(row["id_l"], row["id_r"]): row["reason"] for row in queue}
    assert reasons == {(company, contact): PARENT_CHILD, (company, other_company): OTHER_VAT,
                       (company, person): COMPANY_PERSON, (bob, robert): OTHER_EMAIL}
    assert world.sandbox.stats.snapshot()["by_call"].get("base.partner.merge.automatic.wizard.create") is None


def test_different_emails_merge_when_the_integration_user_may(world):
    bob, robert = world.partner("Bob Stone", email="bob@example.com"), world.partner("Bob Stone",
                                                                                     email="BOB@example.com")
    admin_groups = world.admin.call("ir.model.data", "search_read", [["module", "=", "base"],
                                                                      ["name", "=", "group_erp_manager"]], ["res_id"])
    world.admin.call("res.users", "write", [world.client.uid], {"groups_id": [(4, admin_groups[0]["res_id"])]})

    outcome = world.flow(scored([(bob, robert, 0.999)]), allow_different_emails=True).run()

    assert outcome.merged == 1 and len(world.existing([bob, robert])) == 1


def test_medium_pairs_go_to_the_review_queue_and_low_ones_nowhere(world):
    a, b, c = (world.partner(name, email=f"{i}@example.com") for i, name in enumerate(["Jo Lee", "Jo Lee", "Jo Li"]))
    outcome = world.flow(scored([(a, b, 0.9), (b, c, 0.3)])).run()

    assert outcome.merged == 0 and world.existing([a, b, c]) == sorted([a, b, c])
    [row] = pq.read_table(outcome.review_path).to_pylist()
    assert (row["id_l"], row["id_r"], row["match_probability"], row["reason"]) == (a, b, 0.9, MEDIUM)
    assert (row["name_l"], row["agreed"], row["disagreed"]) == ("Jo Lee", ["email"], ["street"])
    csv = pacsv.read_csv(outcome.review_csv).to_pylist()
    assert csv[0]["agreed"] == "email" and csv[0]["id_l"] == a
    assert "example.com" not in Path(outcome.review_csv).read_text()      # no emails in the file


def test_dry_run_merges_nothing_and_writes_the_plan_and_review_queue(world):
    email = "dry@example.com"
    three = [world.partner("Dry Run", email=email) for _ in range(3)]
    outcome = world.flow(scored([(three[0], three[1], 0.999), (three[1], three[2], 0.999),
                                 (three[0], three[2], 0.95)])).run(dry_run=True)

    assert outcome.status is DedupeStatus.DRY_RUN
    assert world.existing(three) == sorted(three)
    assert world.journal.entries() == []
    [step] = pq.read_table(outcome.plan_path).to_pylist()
    assert step["destination_id"] == three[0] and sorted(step["source_ids"]) == sorted(three[1:])
    assert pq.read_table(outcome.review_path).num_rows == 1
    assert "wizard" not in " ".join(world.sandbox.stats.snapshot()["by_call"])


def test_merging_over_json2_on_odoo_19(tmp_path):
    world = start_dedupe_world(tmp_path / "v19", version=19)
    try:
        pair = [world.partner("Lena Wouters", email="lena@example.com") for _ in range(2)]
        world.history(pair[1], orders=1)
        assert world.client.protocol == "json2"
        outcome = world.flow(scored([(pair[0], pair[1], 0.999)])).run()
        assert outcome.merged == 1 and world.existing(pair) == [pair[1]]
    finally:
        world.stop()
