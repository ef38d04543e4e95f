"""The customer dedupe flow's alerts: a run stopped by its merge cap, and merges Odoo's wizard refused."""

from __future__ import annotations

from retail_sync.alerts.masking import mask_text
from retail_sync.alerts.messages import Alert, Block, compose, listed


def merge_cap_alert(flow: str, run_id: str, planned: int, cap: int, steps: int, review_path: str | None) -> Alert:
    subject = (f"[retail-sync] {flow}: {planned} partners to merge exceed the cap of {cap} — nothing merged")
    blocks: list[Block] = [
        f"Flow: {flow}", f"Run: {run_id}",
        f"The model asks to merge {planned} partners away ({steps} merge steps); this run may merge at most {cap}.",
        "Nothing was merged: an Odoo merge cannot be undone, so a plan this large is stopped whole rather than "
        "merged in part."]
    if review_path:
        blocks.append(f"Review queue of this run: {mask_text(review_path)}")
    blocks.append("What happens next: look at the plan (a dry run lists it) and the model's settings. If the "
                  "merges are right, trigger the DAG with a higher max_merges; otherwise fix the model first.")
    return compose(subject, blocks)


def merges_refused_alert(flow: str, run_id: str, refused: dict[str, str], merged: int) -> Alert:
    subject = f"[retail-sync] {flow}: Odoo refused {len(refused)} partner merge(s); {merged} merged"
    blocks: list[Block] = [f"Flow: {flow}", f"Run: {run_id}",
                           "Merges refused by Odoo's merge wizard (destination <- sources, by partner id):",
                           *listed(list(refused.items()), lambda item: f"{item[0]}: {mask_text(item[1])}",
                                   "the dead-letter queue")]
    blocks.append("What happens next: the other merges went on. Each refusal is in the dead-letter queue "
                  "(stage 'merge'); merge those partners by hand in Odoo, or fix what Odoo objects to, and the next "
                  "run tries again.")
    return compose(subject, blocks)
