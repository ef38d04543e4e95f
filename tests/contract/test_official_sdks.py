"""The platforms' official Python SDKs work against the sandboxes: stripe-python lists payouts,
ShopifyAPI's GraphQL client lists orders."""

from __future__ import annotations

import json

import shopify as shopify_api
import stripe

from tests.storefront_fixtures import SHOPIFY_TOKEN, STRIPE_KEY


def test_stripe_python_lists_payouts_from_the_sandbox(stripe_sandbox, small_world):
    server, _ = stripe_sandbox
    client = stripe.StripeClient(STRIPE_KEY, base_addresses={"api": server.url})
    payouts = client.v1.payouts.list(params={"limit": 5})
    # newest first; payouts made the same second come in reverse creation order, as on Stripe
    ordered = sorted(enumerate(small_world.stripe["payouts"]), key=lambda ip: (ip[1]["created"], ip[0]), reverse=True)
    assert [p.id for p in payouts.data] == [p["id"] for _, p in ordered[:5]]
    assert all(isinstance(p.amount, int) for p in payouts.data)
    walked = sum(1 for _ in payouts.auto_paging_iter())
    assert walked == len(small_world.stripe["payouts"])


def test_shopify_api_graphql_client_lists_orders_from_the_sandbox(shopify):
    server, _ = shopify
    host, port = server.host, server.port
    # ShopifyAPI builds https://<shop>.myshopify.com[:port]; pointing it at loopback means setting its
    # domain so "<first label of 127.0.0.1>.<domain>" is 127.0.0.1 again, over plain HTTP.
    saved = shopify_api.Session.myshopify_domain, shopify_api.Session.port, shopify_api.Session.protocol
    shopify_api.Session.myshopify_domain, shopify_api.Session.port, shopify_api.Session.protocol = \
        host.split(".", 1)[1], port, "http"
    try:
        session = shopify_api.Session(host, "2026-07", SHOPIFY_TOKEN)
        shopify_api.ShopifyResource.activate_session(session)
        result = json.loads(shopify_api.GraphQL().execute("{ orders(first: 3) { nodes { id name } } }"))
    finally:
        shopify_api.ShopifyResource.clear_session()
        shopify_api.Session.myshopify_domain, shopify_api.Session.port, shopify_api.Session.protocol = saved
    names = [n["name"] for n in result["data"]["orders"]["nodes"]]
    assert len(names) == 3 and all(n.startswith("#") for n in names)
    assert result["extensions"]["cost"]["requestedQueryCost"] == 5
