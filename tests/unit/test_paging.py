"""The one paginator: walks batch to batch from any start, and refuses a resume position it cannot use."""

from __future__ import annotations

import pytest

from retail_sync.channels.paging import Batch, next_cursor, next_page_number, page_number, paginate

ITEMS = [{"id": n} for n in range(1, 8)]


def by_page_number(size: int):
    total = -(-len(ITEMS) // size)
    asked = []

    def fetch(position):
        page = page_number(position)
        asked.append(page)
        return Batch(ITEMS[(page - 1) * size:page * size], next_page_number(page, total))
    return fetch, asked


def test_a_walk_ends_after_the_batch_without_a_next_position():
    fetch, asked = by_page_number(3)
    batches = list(paginate(fetch))
    assert [b.next for b in batches] == ["2", "3", None]
    assert [i for b in batches for i in b.items] == ITEMS and asked == [1, 2, 3]


def test_a_walk_resumes_at_the_position_a_batch_gave():
    fetch, asked = by_page_number(3)
    assert [i["id"] for b in paginate(fetch, "2") for i in b.items] == [4, 5, 6, 7]
    assert asked == [2, 3]


def test_cursor_paging_stops_when_the_api_says_no_more_or_gives_no_cursor():
    assert next_cursor(True, "po_9") == "po_9"
    assert next_cursor(False, "po_9") is None
    assert next_cursor(True, None) is None          # has_more on an empty page: nothing to continue from


@pytest.mark.parametrize("position", ["abc", "0", "-1", "2.5", ""])
def test_a_page_number_position_that_is_not_a_page_is_refused(position):
    with pytest.raises(ValueError, match="resume position"):
        page_number(position)
