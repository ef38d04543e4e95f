"""The WooCommerce and Stripe sandboxes keep their platforms' envelopes, bounds, auth failures,
validation errors, idempotency and webhook signatures."""

from __future__ import annotations

import json

import httpx

from retail_sync.channels.webhooks import verify_base64_hmac, verify_stripe_signature
from tests.storefront_fixtures import STRIPE_KEY, WOO_KEY, WOO_SECRET

API = "/wp-json/wc/v3"


def woo_get(server, path: str, auth=(WOO_KEY, WOO_SECRET), **params):
    return httpx.get(f"{server.url}{API}{path}", params=params, auth=auth)


def test_woo_lists_are_bare_arrays_with_totals_and_links(woo, small_world):
    server, _ = woo
    response = woo_get(server, "/orders", per_page=7, page=2, orderby="id", order="asc")
    total = len(small_world.orders_of("woo-uk"))
    assert isinstance(response.json(), list) and len(response.json()) == 7
    assert response.headers["X-WP-Total"] == str(total)
    assert response.headers["X-WP-TotalPages"] == str(-(-total // 7))
    assert 'rel="next"' in response.headers["Link"] and 'rel="prev"' in response.headers["Link"]
    assert "consumer" not in response.headers["Link"]
    past = woo_get(server, "/orders", per_page=100, page=99)
    assert past.status_code == 200 and past.json() == []


def test_woo_rejects_out_of_bounds_paging_as_wordpress_does(woo):
    server, _ = woo
    for params in ({"per_page": 101}, {"per_page": 0}, {"page": 0}, {"per_page": "ten"}, {"orderby": "modified"}):
        response = woo_get(server, "/orders", **params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "rest_invalid_param"


def test_woo_auth_failures(woo):
    server, _ = woo
    assert woo_get(server, "/orders", auth=None).json()["code"] == "woocommerce_rest_cannot_view"
    wrong = woo_get(server, "/orders", auth=(WOO_KEY, "cs_wrong"))
    assert wrong.status_code == 401 and wrong.json()["code"] == "woocommerce_rest_authentication_error"
    by_query = httpx.get(f"{server.url}{API}/orders", params={"consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET})
    assert by_query.status_code == 200


def test_woo_modified_after_honours_dates_are_gmt(woo, small_world):
    server, _ = woo
    stamp = "2026-10-20T10:00:00"
    gmt = int(woo_get(server, "/orders", modified_after=stamp, dates_are_gmt="true").headers["X-WP-Total"])
    local = int(woo_get(server, "/orders", modified_after=stamp).headers["X-WP-Total"])
    expected_gmt = sum(o["updated_at"] > "2026-10-20T10:00:00Z" for o in small_world.orders_of("woo-uk"))
    expected_local = sum(o["updated_at"] > "2026-10-20T09:00:00Z" for o in small_world.orders_of("woo-uk"))
    assert (gmt, local) == (expected_gmt, expected_local)


def test_woo_batch_is_capped_at_100_and_unknown_routes_are_rest_no_route(woo):
    server, _ = woo
    too_many = httpx.post(f"{server.url}{API}/products/batch", auth=(WOO_KEY, WOO_SECRET),
                          json={"update": [{"id": i, "stock_quantity": 1} for i in range(101)]})
    assert too_many.status_code == 413
    assert woo_get(server, "/nothing-here").json()["code"] == "rest_no_route"


def stripe_get(server, path: str, key: str = STRIPE_KEY, **params):
    return httpx.get(f"{server.url}/v1{path}", params=params, headers={"Authorization": f"Bearer {key}"})


def test_stripe_lists_are_list_objects_newest_first_walked_by_starting_after(stripe_sandbox, small_world):
    server, _ = stripe_sandbox
    seen, after = [], None
    while True:
        page = stripe_get(server, "/payouts", limit=25, **({"starting_after": after} if after else {})).json()
        assert page["object"] == "list" and page["url"] == "/v1/payouts"
        seen.extend(page["data"])
        if not page["has_more"]:
            break
        after = page["data"][-1]["id"]
    assert len(seen) == len({p["id"] for p in seen}) == len(small_world.stripe["payouts"])
    created = [p["created"] for p in seen]
    assert created == sorted(created, reverse=True)


def test_stripe_limit_bounds_and_unknown_parameters(stripe_sandbox):
    server, _ = stripe_sandbox
    for limit in ("0", "101", "ten"):
        error = stripe_get(server, "/payouts", limit=limit).json()["error"]
        assert error["code"] == "parameter_invalid_integer" and error["param"] == "limit"
    assert stripe_get(server, "/payouts", colour="red").json()["error"]["code"] == "parameter_unknown"
    assert stripe_get(server, "/payouts/po_missing").status_code == 404


def test_stripe_auth_failure_masks_the_key(stripe_sandbox):
    server, _ = stripe_sandbox
    response = stripe_get(server, "/payouts", key="sk_test_wrongwrongwrong1234")
    assert response.status_code == 401
    assert "wrongwrongwrong" not in response.json()["error"]["message"]


def test_stripe_balance_transactions_by_payout_expand_their_sources(stripe_sandbox, small_world):
    server, _ = stripe_sandbox
    payout = next(p for p in small_world.stripe["payouts"] if p["id"] not in small_world.truth["bad_payouts"])
    page = stripe_get(server, "/balance_transactions", payout=payout["id"], limit=100,
                      **{"expand[]": "data.source"}).json()
    rows = page["data"]
    assert sum(r["net"] for r in rows if r["type"] != "payout") == payout["amount"]
    charges = [r for r in rows if r["type"] == "charge"]
    assert charges and all(isinstance(r["source"], dict) and r["source"]["object"] == "charge" for r in charges)


def test_stripe_idempotency_keys_replay_and_refuse_other_parameters(stripe_sandbox, small_world):
    server, sandbox = stripe_sandbox
    charge = next(c for c in small_world.stripe["charges"] if not c["refunded"])
    headers = {"Authorization": f"Bearer {STRIPE_KEY}", "Idempotency-Key": "refund-1"}
    first = httpx.post(f"{server.url}/v1/refunds", data={"charge": charge["id"], "amount": "100"}, headers=headers)
    again = httpx.post(f"{server.url}/v1/refunds", data={"charge": charge["id"], "amount": "100"}, headers=headers)
    other = httpx.post(f"{server.url}/v1/refunds", data={"charge": charge["id"], "amount": "200"}, headers=headers)
    assert first.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 400 and other.json()["error"]["type"] == "idempotency_error"
    assert len(sandbox.store.by_ref("refund", charge["id"])) == 1 + sum(
        1 for r in small_world.stripe["refunds"] if r["charge"] == charge["id"])
    too_much = httpx.post(f"{server.url}/v1/refunds", data={"charge": charge["id"], "amount": "99999999"},
                          headers={"Authorization": f"Bearer {STRIPE_KEY}"})
    assert too_much.json()["error"]["code"] == "amount_too_large"


def test_stripe_rate_limits_say_whether_to_retry(stripe_sandbox):
    server, sandbox = stripe_sandbox
    sandbox.faults.configure(type(sandbox.faults.plan)(fail_calls={1: "429"}))
    response = stripe_get(server, "/payouts")
    assert response.status_code == 429 and response.headers["Stripe-Should-Retry"] == "true"
    assert response.json()["error"]["code"] == "rate_limit"


def test_stripe_and_woo_webhooks_are_signed_as_each_platform_signs(stripe_sandbox, woo, small_world):
    from .webhook_receiver import WebhookReceiver

    stripe_server, stripe = stripe_sandbox
    woo_server, woo_box = woo
    charge = next(c for c in small_world.stripe["charges"] if not c["refunded"])
    with WebhookReceiver() as receiver:
        httpx.post(f"{stripe_server.url}/sandbox/webhooks", json={"url": receiver.url, "secret": "whsec_test"},
                   headers={"X-Sandbox-Token": stripe.control_token})
        httpx.post(f"{woo_server.url}/sandbox/webhooks", json={"url": receiver.url, "secret": "woo-secret"},
                   headers={"X-Sandbox-Token": woo_box.control_token})
        httpx.post(f"{stripe_server.url}/v1/refunds", data={"charge": charge["id"], "amount": "50"},
                   headers={"Authorization": f"Bearer {STRIPE_KEY}"})
        woo_box.upsert_order(small_world.orders_of("woo-uk")[0], "orders/updated")
        deliveries = receiver.wait_for(2)
    stripe_delivery = next(d for d in deliveries if "stripe-signature" in d["headers"])
    verify_stripe_signature("whsec_test", stripe_delivery["body"], stripe_delivery["headers"]["stripe-signature"])
    assert json.loads(stripe_delivery["body"])["type"] == "charge.refunded"
    woo_delivery = next(d for d in deliveries if "x-wc-webhook-signature" in d["headers"])
    verify_base64_hmac("woo-secret", woo_delivery["body"], woo_delivery["headers"]["x-wc-webhook-signature"])
    assert woo_delivery["headers"]["x-wc-webhook-topic"] == "order.updated"
