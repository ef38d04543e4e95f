"""The WooCommerce sandbox's order notes and order updates, as wc/v3 answers them: notes newest first and
unpaged, `type` filtering, a missing note or an unknown status refused with WordPress's error bodies, an
unknown order 404, and a status change noted by the system with `date_completed` set on completion."""

from __future__ import annotations

import httpx

from tests.storefront_fixtures import WOO_KEY, WOO_SECRET

API = "/wp-json/wc/v3"
AUTH = (WOO_KEY, WOO_SECRET)


def processing(small_world) -> dict:
    return next(o for o in small_world.orders_of("woo-uk") if o["story"] == "paid" and not o["fulfillments"])


def test_notes_are_created_listed_newest_first_and_filtered_by_type(woo, small_world):
    server, _ = woo
    order = processing(small_world)
    url = f"{server.url}{API}/orders/{order['id']}/notes"
    first = httpx.post(url, json={"note": "Packed."}, auth=AUTH)
    second = httpx.post(url, json={"note": "On its way.", "customer_note": True}, auth=AUTH)
    assert first.status_code == second.status_code == 201
    assert set(first.json()) == {"id", "author", "date_created", "date_created_gmt", "note", "customer_note"}
    assert (first.json()["author"], first.json()["customer_note"]) == ("system", False)
    listed = httpx.get(url, auth=AUTH).json()
    assert [n["note"] for n in listed] == ["On its way.", "Packed."]
    assert [n["note"] for n in httpx.get(url, params={"type": "customer"}, auth=AUTH).json()] == ["On its way."]
    assert [n["note"] for n in httpx.get(url, params={"type": "internal"}, auth=AUTH).json()] == ["Packed."]


def test_bad_notes_are_refused_as_woocommerce_refuses_them(woo, small_world):
    server, _ = woo
    order = processing(small_world)
    url = f"{server.url}{API}/orders/{order['id']}/notes"
    missing = httpx.post(url, json={"customer_note": False}, auth=AUTH)
    assert missing.status_code == 400 and missing.json()["code"] == "rest_missing_callback_param"
    bad_type = httpx.get(url, params={"type": "private"}, auth=AUTH)
    assert bad_type.status_code == 400 and bad_type.json()["code"] == "rest_invalid_param"
    unknown = httpx.post(f"{server.url}{API}/orders/99999999/notes", json={"note": "x"}, auth=AUTH)
    assert unknown.status_code == 404 and unknown.json()["code"] == "woocommerce_rest_order_invalid_id"
    assert httpx.get(url, auth=AUTH).json() == []                         # nothing was written


def test_a_status_update_completes_the_order_and_notes_the_change(woo, small_world):
    server, _ = woo
    order = processing(small_world)
    url = f"{server.url}{API}/orders/{order['id']}"
    before = httpx.get(url, auth=AUTH).json()
    assert (before["status"], before["date_completed_gmt"]) == ("processing", None)
    done = httpx.put(url, json={"status": "completed"}, auth=AUTH)
    assert done.status_code == 200 and done.json()["status"] == "completed" and done.json()["date_completed_gmt"]
    again = httpx.put(url, json={"status": "completed"}, auth=AUTH)       # the same status: no second note
    assert again.json()["date_completed_gmt"] == done.json()["date_completed_gmt"]
    notes = httpx.get(f"{url}/notes", auth=AUTH).json()
    assert [n["note"] for n in notes] == ["Order status changed from Processing to Completed."]
    assert notes[0]["author"] == "system"


def test_bad_status_updates_are_refused(woo, small_world):
    server, _ = woo
    order = processing(small_world)
    url = f"{server.url}{API}/orders/{order['id']}"
    for status in ("shipped", "any"):
        refused = httpx.put(url, json={"status": status}, auth=AUTH)
        assert refused.status_code == 400 and refused.json()["code"] == "rest_invalid_param", status
    assert httpx.put(url, content=b"{not json", auth=AUTH).json()["code"] == "rest_invalid_json"
    unknown = httpx.put(f"{server.url}{API}/orders/99999999", json={"status": "completed"}, auth=AUTH)
    assert unknown.status_code == 404 and unknown.json()["code"] == "woocommerce_rest_shop_order_invalid_id"
    assert httpx.get(url, auth=AUTH).json()["status"] == "processing"
