"""The dedupe flow when merging goes wrong, against the Odoo sandbox over HTTP: a merge the wizard refuses
(the run goes on, the refusal is a dead letter and an alert), Odoo failing half-way through the merges (the
re-run merges nothing twice and ends where one clean run ends), and a plan above the per-run cap (nothing
merged, an alert email through a real SMTP server on loopback)."""

from __future__ import annotations

import json

import pytest

from retail_sync.airflow.notifiers import send_alert
from retail_sync.flows.dedupe.flow import DedupeStatus
from retail_sync.odoo.errors import OdooRetryableError
from retail_sync.state.merge_journal import MERGED, SENT
from retail_sync_sandbox.faults import FaultPlan
from retail_sync_sandbox.mail_sink import RunningMailSink

from .dedupe_fixtures import scored, start_dedupe_world


@pytest.fixture
def world(tmp_path):
    created = start_dedupe_world(tmp_path / "world")
    yield created
    created.stop()


def test_a_refused_merge_is_reported_and_the_run_goes_on(world):
    # Configured to merge different emails, but the integration user is no administrator: Odoo refuses.
    bob, robert = world.partner("Bob Stone", email="bob@example.com"), world.partner("Bob Stone",
                                                                                     email="BOB@example.com")
    ann = [world.partner("Ann Lee", email="ann@example.com") for _ in range(2)]
    link = scored([(bob, robert, 0.999), (ann[0], ann[1], 0.999)])

    outcome = world.flow(link, allow_different_emails=True).run()

    assert outcome.status is DedupeStatus.DONE
    assert (outcome.merged, outcome.refused) == (1, 1)
    assert world.existing([bob, robert]) == sorted([bob, robert])
    assert len(world.existing(ann)) == 1
    [letter] = world.store.dead_letters("dedupe")
    assert letter.stage == "merge" and letter.payload["destination"] in (bob, robert)
    assert letter.error.startswith("All contacts must have the same email.")
    [alert] = world.alerts
    assert "refused 1 partner merge" in alert.subject and "All contacts must have the same email" in alert.text


def people(world) -> tuple[list[int], list]:
    """Two clusters: 5 duplicates of one person (two steps of two sources) and a pair (one step)."""
    ids = [world.partner("Eva Smit", email="eva@example.com") for _ in range(5)]
    world.history(ids[2], orders=1)
    pair = [world.partner("Tom Kok", email="tom@example.com") for _ in range(2)]
    world.history(pair[1], invoices=1)
    links = [(a, b, 0.997) for a, b in zip(ids, ids[1:])] + [(pair[0], pair[1], 0.999)]
    return ids + pair, links


def end_state(world) -> list:
    """What Odoo holds after the merges, without database ids: partners with their orders and invoices."""
    partners = world.client.call("res.partner", "search_read", [["email", "in", ["eva@example.com",
                                                                                  "tom@example.com"]]], ["name"])
    return sorted((p["name"], world.client.call("sale.order", "search_count", [["partner_id", "=", p["id"]]]),
                   world.client.call("account.move", "search_count", [["partner_id", "=", p["id"]]]))
                  for p in partners)


def test_odoo_failing_half_way_then_a_rerun_merges_nothing_twice(world, tmp_path):
    ids, links = people(world)
    link = scored(links)
    reads = world.flow(link, run_id="look").run(dry_run=True).odoo_calls
    # Real run: the reads, then three calls per step (read, wizard, merge). The second step's merge commits but
    # its answer is lost (502 after commit), and Odoo stays down for every call after it.
    second_merge = reads + 6
    world.sandbox.faults.configure(FaultPlan(after_commit=True, fail_calls={
        n: "502" if n == second_merge else "503" for n in range(second_merge, second_merge + 40)}))
    with pytest.raises(OdooRetryableError):
        world.flow(link, run_id="crashed").run()
    assert [e.status for e in world.journal.entries()] == [MERGED, SENT]

    world.sandbox.faults.configure(FaultPlan())
    rerun = world.flow(link, run_id="rerun").run()

    assert rerun.settled == 1                         # the lost answer: Odoo shows it merged
    entries = world.journal.entries()
    assert [e.status for e in entries] == [MERGED] * 3
    sources = [s for e in entries for s in e.source_ids]
    assert len(sources) == len(set(sources)) == 5      # no partner merged twice
    assert len(world.existing(ids)) == 2
    clean = start_dedupe_world(tmp_path / "clean")
    try:
        _, clean_links = people(clean)
        clean.flow(scored(clean_links)).run()
        assert end_state(world) == end_state(clean)
    finally:
        clean.stop()


def test_a_plan_above_the_cap_merges_nothing_and_alerts_by_email(world, monkeypatch):
    ids, links = people(world)
    with RunningMailSink() as mail:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", mail.connection_json())
        monkeypatch.setenv("RETAIL_SYNC_ALERT_EMAILS", "ops@example.com")
        outcome = world.flow(scored(links), notify=send_alert, max_merges=4).run()
        messages = mail.messages

    assert outcome.status is DedupeStatus.CAPPED
    assert (outcome.planned_merges, outcome.merged) == (5, 0)
    assert world.existing(ids) == sorted(ids)
    assert world.journal.entries() == []
    [message] = messages
    assert "5 partners to merge exceed the cap of 4" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "Nothing was merged" in text and "eva@example.com" not in text
    assert world.store.metrics("dedupe", "run-1")["merge_cap_exceeded"] == 1
    # The same plan within a raised cap (the DAG's max_merges parameter) goes through.
    assert world.flow(scored(links), run_id="run-2").run(max_merges=5).merged == 5
    assert json.loads(json.dumps(outcome.to_xcom()))["status"] == "capped"
