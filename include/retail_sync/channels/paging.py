"""The one paginator of the channels: a stream is walked batch by batch, each batch saying where the
next one starts, and a walk can start at any such position (that is how a failed pull resumes).

Positions are text on every platform: an opaque cursor (Shopify's `endCursor`, Stripe's last object
id for `starting_after`) or a page number (WooCommerce's `page`, bounded by `X-WP-TotalPages`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Batch:
    items: list[dict]
    next: str | None                 # the position of the following batch; None after the last


def paginate(fetch: Callable[[str | None], Batch], start: str | None = None) -> Iterator[Batch]:
    """Batches from `start` (None: the beginning) to the last; `fetch(position)` reads one."""
    position = start
    while True:
        batch = fetch(position)
        yield batch
        if batch.next is None:
            return
        position = batch.next


def page_number(position: str | None) -> int:
    """The 1-based page a page-number position names (None: the first)."""
    if position is None:
        return 1
    if not position.isdigit() or int(position) < 1:
        raise ValueError(f"not a page-number resume position: {position!r}")
    return int(position)


def next_page_number(page: int, total_pages: int) -> str | None:
    return str(page + 1) if page < total_pages else None


def next_cursor(has_more: bool, cursor: str | None) -> str | None:
    """A cursor-paged API's next position: its cursor while it says there is more."""
    return cursor if has_more and cursor else None
