"""The order pull's alert: orders of a page that did not reach Odoo as sale orders — quarantined by
validation, or dead-lettered at a load step (customer, sale order, amounts, payment, cancellation,
refund) — each with its reason. The rest of the page loaded."""

from __future__ import annotations

from retail_sync.alerts.masking import mask_text
from retail_sync.alerts.messages import Alert, Block, compose, listed


def order_alert(flow: str, run_id: str, channel: str, quarantined: dict[str, str],
                dead_lettered: dict[str, tuple[str, str]]) -> Alert:
    """`quarantined`: order key -> failed rules; `dead_lettered`: order key -> (stage, reason)."""
    total = len(quarantined) + len(dead_lettered)
    subject = (f"[retail-sync] {flow}: {total} {channel} order(s) not loaded — {len(quarantined)} quarantined, "
               f"{len(dead_lettered)} dead-lettered")
    blocks: list[Block] = [f"Flow: {flow}", f"Run: {run_id}", f"Channel: {channel}"]
    if quarantined:
        blocks += ["Quarantined (failed validation; nothing of them was written to Odoo):",
                   *listed(list(quarantined.items()), lambda item: f"{mask_text(item[0])}: {mask_text(item[1])}",
                           "the dead-letter queue")]
    if dead_lettered:
        blocks += ["Dead-lettered (a load step could not be done; the step is named):",
                   *listed(list(dead_lettered.items()),
                           lambda item: f"{mask_text(item[0])} [{item[1][0]}]: {mask_text(item[1][1])}",
                           "the dead-letter queue")]
    blocks.append("What happens next: the other orders of the page loaded. These wait in the dead-letter queue "
                  "with their raw payload; a corrected order (edited on the storefront) is loaded by the next pull, "
                  "or fix the cause in Odoo (a missing product, tax or pricelist) and replay them.")
    return compose(subject, blocks)
