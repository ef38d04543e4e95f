"""Merge steps → Odoo's merge wizard, each one journaled before it is sent and closed with what became of it.

Per step: read the step's partners (this is both the check of what Odoo still holds and the snapshot the
journal keeps), write the journal entry, then create `base.partner.merge.automatic.wizard` with the partners
and the destination and call `action_merge` — three calls. A source already gone (merged by an earlier step
or run) is left out; a step with nothing left to merge is skipped.

Outcomes:
- the wizard refuses (a UserError: one of Odoo's rules) → the entry is closed `refused`, a dead letter
  records it, and the run goes on with the next step;
- the answer is lost (`OdooOutcomeUnknown`: Odoo may have merged) → Odoo is read again: sources gone means
  merged, sources still there means not merged; if Odoo cannot even be read, the error ends the run and the
  entry stays `sent` for the next run to settle (`settle_unfinished`) before it plans anything;
- any other failure (Odoo down for longer than the retries, access refused) ends the run the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from retail_sync.alerts.masking import mask_text
from retail_sync.flows.dedupe.plan import MergeStep
from retail_sync.odoo.client import OdooClient
from retail_sync.odoo.errors import OdooOutcomeUnknown, OdooUserError
from retail_sync.state.merge_journal import MERGED, NOT_MERGED, REFUSED, SENT, MergeJournal
from retail_sync.state.store import StateStore

WIZARD = "base.partner.merge.automatic.wizard"
SNAPSHOT_FIELDS = ["name", "email", "phone", "street", "street2", "zip", "city", "state_id", "country_id", "vat",
                   "ref", "is_company", "parent_id", "type", "comment", "website", "lang", "customer_rank",
                   "supplier_rank", "active", "create_date", "company_id"]
log = logging.getLogger("retail_sync.dedupe")


@dataclass
class MergeReport:
    merged: list[str] = field(default_factory=list)              # step keys
    refused: dict[str, str] = field(default_factory=dict)        # step key -> Odoo's message
    skipped: list[str] = field(default_factory=list)             # nothing left to merge in Odoo
    not_merged: list[str] = field(default_factory=list)          # answer lost, and Odoo shows no merge
    partners_merged_away: int = 0


@dataclass
class Settled:
    merged: int = 0
    not_merged: int = 0


def settle_unfinished(client: OdooClient, journal: MergeJournal) -> Settled:
    """Close the entries an earlier run left `sent`, from what Odoo holds now."""
    settled = Settled()
    for entry in journal.entries(status=SENT):
        if _merged(client, entry.destination_id, list(entry.source_ids)):
            journal.close(entry.id, MERGED)
            settled.merged += 1
        else:
            journal.close(entry.id, NOT_MERGED, "the run that sent it ended without an answer; Odoo still holds "
                                                "the sources")
            settled.not_merged += 1
    return settled


def run_steps(client: OdooClient, journal: MergeJournal, store: StateStore, steps: list[MergeStep],
              run_id: str) -> MergeReport:
    report = MergeReport()
    fields = SNAPSHOT_FIELDS + (["mobile"] if client.version < 19 else [])
    for step in steps:
        partners = {row["id"]: row for row in client.call(
            "res.partner", "search_read", [["id", "in", [step.destination, *step.sources]]], fields,
            context={"active_test": False})}
        sources = [source for source in step.sources if source in partners]
        if step.destination not in partners or not sources:
            report.skipped.append(step.key)
            continue
        entry_id = journal.record_sent(step.key, step.destination, sources, partners, step.probability, run_id)
        try:
            created = client.call(WIZARD, "create", {"partner_ids": [(6, 0, [step.destination, *sources])],
                                                     "dst_partner_id": step.destination})
            # JSON-2 answers a create with the list of new ids, JSON-RPC (one record) with the id.
            client.call(WIZARD, "action_merge", created if isinstance(created, list) else [created])
        except OdooUserError as exc:
            _refused(journal, store, entry_id, step, sources, exc.message, run_id, report)
            continue
        except OdooOutcomeUnknown:
            if not _merged(client, step.destination, sources):
                journal.close(entry_id, NOT_MERGED, "the answer was lost and Odoo still holds the sources")
                report.not_merged.append(step.key)
                continue
        journal.close(entry_id, MERGED)
        report.merged.append(step.key)
        report.partners_merged_away += len(sources)
    return report


def _refused(journal: MergeJournal, store: StateStore, entry_id: int, step: MergeStep, sources: list[int],
             message: str, run_id: str, report: MergeReport) -> None:
    journal.close(entry_id, REFUSED, message)
    store.dead_letter(journal.flow, f"merge:{step.key}", {"destination": step.destination, "sources": sources,
                                                          "probability": step.probability},
                      message, "merge", run_id)
    report.refused[step.key] = message
    log.warning("merge %s refused by Odoo: %s", step.key, mask_text(message))


def _merged(client: OdooClient, destination: int, sources: list[int]) -> bool:
    """Odoo holds the destination and none of the sources (the wizard deletes them in the same transaction)."""
    left = set(client.call("res.partner", "search", [["id", "in", [destination, *sources]]],
                           context={"active_test": False}))
    return destination in left and not left.intersection(sources)

