"""The dedupe flow with the real splink model on a generated customer base loaded into the Odoo sandbox (over
HTTP), then merged for real: the bad inputs that only the model and the rules together keep apart — people
sharing a family email (households), namesakes at other addresses, partners with no email and no phone, a
company and its contact person with the same name — and a cluster of 7 records of one customer, re-registered
with the same email in other spellings, merged in steps into one.

One run serves every test of the module (linking trains the model: tens of seconds)."""

from __future__ import annotations

from collections import Counter

import pytest

from retail_sync.dedupe.link import link
from retail_sync.state.merge_journal import MERGED
from retail_sync_sandbox.datagen.customer_base import customer_base

from .dedupe_fixtures import start_dedupe_world

RECORDS = 1200
# One customer, seven times: name case and spacing, a typo, the phone in national format or left out, the
# street abbreviated — the same email each time (Odoo merges only equal emails for a non-administrator).
SEVEN = [("Margot Verhoeven", "+32470112233", "Kerkstraat 12"), ("MARGOT VERHOEVEN", "+32470112233", "Kerkstraat 12"),
         ("Margot  Verhoeven", "0470 11 22 33", "Kerkstraat 12"), ("Margot Verhoeven", False, "Kerkstraat 12"),
         ("Margto Verhoeven", "+32470112233", "Kerkstr. 12"), ("margot verhoeven", "+32 470 11 22 33", "Kerkstraat 12"),
         ("Margot Verhoeven", "+32470112233", "Kerkstraat  12")]


def load_base(world, base) -> dict[str, int]:
    """The base's records as Odoo partners (name, email, phone, street with number, zip, city, country)."""
    countries = {c["code"]: c["id"] for c in world.client.call("res.country", "search_read", [], ["code"])}
    rows = base.table.to_pylist()
    vals = [{"name": " ".join(p for p in (r["given_name"], r["family_name"]) if p) or "Unknown",
             "email": r["email"] or False, "phone": r["phone"] or False,
             "street": " ".join(p for p in (r["street"], r["house_number"]) if p) or False,
             "zip": r["postcode"] or False, "city": r["city"] or False,
             "country_id": countries.get(r["country"], False)} for r in rows]
    ids: list[int] = []
    for start in range(0, len(vals), 500):
        ids += world.client.call("res.partner", "create", vals[start:start + 500])
    return dict(zip([r["id"] for r in rows], ids))


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    world = start_dedupe_world(tmp_path_factory.mktemp("dedupe-model"))
    base = customer_base(RECORDS, seed=7)
    odoo_id = load_base(world, base)
    countries = {c["code"]: c["id"] for c in world.client.call("res.country", "search_read", [], ["code"])}
    company = world.partner("Brightwater Ltd", is_company=True, email="office@brightwater.example",
                            phone="+3225550101", street="Quai 4", city="Brussels", zip="1000")
    contact = world.partner("Brightwater Ltd", parent_id=company, email="office@brightwater.example",
                            phone="+3225550101", street="Quai 4", city="Brussels", zip="1000")
    big = [world.partner(name, email="margot.verhoeven@example.org", phone=phone, street=street, zip="9000",
                         city="Gent", country_id=countries["BE"])
           for name, phone, street in SEVEN]
    world.history(big[3], orders=2)
    outcome = world.flow(lambda table: link(table), max_merges=RECORDS).run()
    entries = [e for e in world.journal.entries() if e.status == MERGED]
    entity = {odoo_id[c]: person for c, person in base.truth.items()}
    yield world, base, odoo_id, outcome, entries, entity, (company, contact), big
    world.stop()


def merged_together(entries) -> list[set[int]]:
    return [{e.destination_id, *e.source_ids} for e in entries]


def test_every_merge_joins_one_person_only(merged):
    _world, _base, _ids, outcome, entries, entity, _company, _big = merged
    assert outcome.merged > 0 and outcome.refused == 0
    sources = [s for e in entries for s in e.source_ids]
    wrong = [s for e in entries for s in e.source_ids if entity.get(s) != entity.get(e.destination_id)]
    precision = 1 - len(wrong) / len(sources)
    assert precision >= 0.99, f"merge precision {precision:.4f}"


def test_households_sharing_an_email_are_not_merged(merged):
    world, base, ids, _outcome, entries, _entity, _company, _big = merged
    names = {p["id"]: p["name"] for p in world.client.call("res.partner", "search_read", [], ["name"],
                                                           context={"active_test": False})}
    groups = merged_together(entries)
    rows = {r["id"]: r for r in base.table.to_pylist()}
    shared = 0
    for household in base.households:
        members = [ids[c] for c in household]
        shared += len({rows[c]["email"] for c in household}) == 1
        first_names = {ids[c]: rows[c]["given_name"] for c in household}
        for group in groups:
            inside = [m for m in members if m in group]
            # Members of one household merged together would have to share their first name.
            assert len({first_names[m] for m in inside}) <= 1, [names.get(m) for m in inside]
    assert shared > 0          # the base does plant shared family emails


def test_namesakes_at_other_addresses_are_not_merged(merged):
    _world, base, ids, _outcome, entries, _entity, _company, _big = merged
    assert base.namesakes
    for group in merged_together(entries):
        for pair in base.namesakes:
            assert not {ids[c] for c in pair} <= group


def test_partners_without_email_or_phone_are_merged_only_with_themselves(merged):
    _world, base, ids, _outcome, entries, entity, _company, _big = merged
    bare = {ids[r["id"]] for r in base.table.to_pylist() if not r["email"] and not r["phone"]}
    assert bare
    for entry in entries:
        group = {entry.destination_id, *entry.source_ids}
        if group & bare:
            assert len({entity[m] for m in group}) == 1


def test_a_company_and_its_contact_person_with_the_same_name_are_not_merged(merged):
    world, _base, _ids, _outcome, _entries, _entity, (company, contact), _big = merged
    assert world.existing([company, contact]) == sorted([company, contact])


def test_the_cluster_of_seven_is_merged_in_steps_into_one_destination(merged):
    world, _base, _ids, _outcome, entries, _entity, _company, big = merged
    steps = [e for e in entries if e.destination_id in big or set(e.source_ids) & set(big)]
    destinations = Counter(e.destination_id for e in steps)
    assert list(destinations) == [big[3]]              # the one with the order history
    assert len(steps) == 3 and all(len(e.source_ids) <= 2 for e in steps)
    assert world.existing(big) == [big[3]]
    assert world.client.call("sale.order", "search_count", [["partner_id", "=", big[3]]]) == 2
