"""Every record key the project builds: `<channel>:<entity>:<source id>`.

A key names one record of one source for good: the sync ledger, the dead-letter queue and Odoo's
external ids are all keyed by it. Keys are built here and nowhere else.
"""

from __future__ import annotations


def entity_key(channel: str, entity: str, source_id: object) -> str:
    return f"{channel}:{entity}:{source_id}"


def product_key(sku: str) -> str:
    return entity_key("pim", "product", sku)
