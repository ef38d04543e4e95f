"""Every record key the project builds: `<channel>:<entity>:<source id>`.

A key names one record of one source for good: the sync ledger, the dead-letter queue and Odoo's
external ids (through the binder) are all keyed by it. Keys are built here and nowhere else.
"""

from __future__ import annotations

import hashlib

PIM = "pim"  # the merchandising feed is the catalog's one source


def entity_key(channel: str, entity: str, source_id: object) -> str:
    return f"{channel}:{entity}:{source_id}"


def product_key(sku: str) -> str:
    """One sellable SKU of the catalog (an Odoo product.product)."""
    return entity_key(PIM, "product", sku)


def template_key(parent_key: str) -> str:
    """The parent product the SKUs of one `parent_key` share (an Odoo product.template)."""
    return entity_key(PIM, "template", parent_key)


def category_keys(path: str) -> list[str]:
    """One key per level of a '/'-separated category path, root first."""
    levels = path.split("/")
    return [entity_key(PIM, "category", "/".join(levels[:i + 1])) for i in range(len(levels))]


def attribute_key(name: str) -> str:
    return entity_key(PIM, "attribute", name)


def attribute_value_key(name: str, value: str) -> str:
    return entity_key(PIM, "attribute_value", f"{name}:{value}")


def attribute_line_key(parent_key: str, name: str) -> str:
    """The line of one attribute on one parent product (an Odoo product.template.attribute.line)."""
    return entity_key(PIM, "attribute_line", f"{parent_key}:{name}")


def price_key(sku: str) -> str:
    """The SKU's own list price, when it differs from its parent's (a pricelist rule)."""
    return entity_key(PIM, "price", sku)


def promo_key(sku: str) -> str:
    """The SKU's dated promotional price (a pricelist rule)."""
    return entity_key(PIM, "promo", sku)


def feed_row_key(fingerprint: str, row: int) -> str:
    """A feed row that has no usable SKU: named by its file and row number."""
    return entity_key(PIM, "row", f"{fingerprint[:12]}:{row}")


def guest_key(channel: str, normalized_email: str) -> str:
    """A customer without an account: the same (normalised) email is the same guest of a store."""
    return entity_key(channel, "guest", hashlib.sha256(normalized_email.encode()).hexdigest()[:16])


def address_key(customer_key: str, kind: str, address_text: str) -> str:
    """One address (canonical JSON) of one customer used as `kind` (invoice | delivery): the same address
    again is the same record."""
    return f"{customer_key}:{kind}:{hashlib.sha256(address_text.encode()).hexdigest()[:16]}"


def shipping_line_key(order_key: str) -> str:
    """The shipping line of a channel order (an Odoo sale.order.line with the shipping product)."""
    channel, _entity, source_id = order_key.split(":", 2)
    return entity_key(channel, "shipping_line", source_id)
