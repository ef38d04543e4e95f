"""The precision of the merges the customer_dedupe flow would make (issue 14: ≥ 0.999 wanted), scored against
the truth of a generated customer base.

The base is linked as the flow links Odoo's partners — without dates of birth, which Odoo does not hold — and
planned by the flow's own `plan_merges` (Odoo's rules and ours; every partner a person, no history). A source
merged into a destination of another person is a wrong merge. Run as `python -m bench.dedupe_merges`
(BENCH_DEDUPE_MERGE_RECORDS, default 20,000); prints one JSON line.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter

import pyarrow as pa

from retail_sync.dedupe.link import link
from retail_sync.flows.dedupe.extract import PartnerFacts
from retail_sync.flows.dedupe.plan import MEDIUM, plan_merges, read_pairs
from retail_sync.flows.dedupe.settings import DedupeFlowSettings
from retail_sync_sandbox.datagen.customer_base import customer_base

RECORDS = int(os.environ.get("BENCH_DEDUPE_MERGE_RECORDS", "20000"))


def as_odoo_holds_it(table: pa.Table) -> tuple[pa.Table, dict[int, PartnerFacts]]:
    ids = [int(text[1:]) for text in table["id"].to_pylist()]          # "C00000042" -> 42
    rows = table.to_pylist()
    facts = {i: PartnerFacts(i, " ".join(p for p in (r["given_name"], r["family_name"]) if p), r["email"], False,
                             None, None, f"{i:09d}") for i, r in zip(ids, rows)}
    linked = table.set_column(0, "id", pa.array(ids, pa.int64()))
    linked = linked.set_column(linked.schema.get_field_index("date_of_birth"), "date_of_birth",
                               pa.nulls(len(ids), pa.string()))
    return linked, facts


def main() -> dict:
    base = customer_base(RECORDS)
    table, facts = as_odoo_holds_it(base.table)
    entity = {int(text[1:]): person for text, person in base.truth.items()}
    settings = DedupeFlowSettings(staging_root=".")
    started = time.perf_counter()
    pairs = read_pairs(link(table).pairs)
    linked = time.perf_counter()
    figures = {"bench": "dedupe_merges", "records": RECORDS, "duplicates": len(entity) - len(set(entity.values())),
               "link_seconds": round(linked - started, 1)}
    # As configured by default (same email only, as Odoo requires of a non-administrator), and with an
    # integration user that may merge different emails (ALLOW_DIFFERENT_EMAILS, an Odoo administrator).
    for label, allow in (("same_email", False), ("admin_any_email", True)):
        plan = plan_merges(pairs, facts, Counter(), settings.merge_threshold, settings.review_threshold, allow)
        figures[label] = score(plan, entity, figures["duplicates"])
    figures["plan_seconds"] = round(time.perf_counter() - linked, 2)
    print(json.dumps(figures))
    return figures


def score(plan, entity: dict[int, int], duplicates: int) -> dict:
    sources = [(step.destination, source) for step in plan.steps for source in step.sources]
    wrong = sum(entity[d] != entity[s] for d, s in sources)
    return {"partners_merged_away": len(sources), "wrong_merges": wrong,
            "merge_precision": round(1 - wrong / len(sources), 5) if sources else None,
            "merge_recall": round((len(sources) - wrong) / duplicates, 4) if duplicates else None,
            "review_rows": len(plan.held), "review_medium": sum(h.reason == MEDIUM for h in plan.held),
            "held_by_rules": dict(Counter(h.reason for h in plan.held if h.reason != MEDIUM))}

if __name__ == "__main__":
    main()
