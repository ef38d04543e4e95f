"""The order pull's alert: orders of a page that did not reach Odoo as sale orders — quarantined by
validation, or dead-lettered at a load step (customer, sale order, amounts, payment, cancellation,
refund) — each with its reason. The rest of the page loaded."""

from __future__ import annotations

from retail_sync.alerts.masking import mask_text
from retail_sync.alerts.messages import MAX_LISTED, Alert, Block, compose


def order_alert(flow: str, run_id: str, channel: str, quarantined: dict[str, str],
                dead_lettered: dict[str, tuple[str, str]]) -> Alert:
    """`quarantined`: order key -> failed rules; `dead_lettered`: order key -> (stage, reason)."""
    total = len(quarantined) + len(dead_lettered)
    subject = (f"[retail-sync] {flow}: {total} {channel} order(s) not loaded — {len(quarantined)} quarantined, "
               f"{len(dead_lettered)} dead-lettered")
    blocks: list[Block] = [f"Flow: {flow}", f"Run: {run_id}", f"Channel: {channel}"]
    if quarantined:
        blocks += ["Quarantined (failed validation; nothing of them was written to Odoo):",
                   [f"{mask_text(key)}: {mask_text(why)}" for key, why in list(quarantined.items())[:MAX_LISTED]]]
        if len(quarantined) > MAX_LISTED:
            blocks.append(f"… and {len(quarantined) - MAX_LISTED} more in the dead-letter queue.")
    if dead_lettered:
        blocks += ["Dead-lettered (a load step could not be done; the step is named):",
                   [f"{mask_text(key)} [{stage}]: {mask_text(why)}"
                    for key, (stage, why) in list(dead_lettered.items())[:MAX_LISTED]]]
        if len(dead_lettered) > MAX_LISTED:
            blocks.append(f"… and {len(dead_lettered) - MAX_LISTED} more in the dead-letter queue.")
    blocks.append("What happens next: the other orders of the page loaded. These wait in the dead-letter queue "
                  "with their raw payload; a corrected order (edited on the storefront) is loaded by the next pull, "
                  "or fix the cause in Odoo (a missing product, tax or pricelist) and replay them.")
    return compose(subject, blocks)
