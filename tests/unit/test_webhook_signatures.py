"""Webhook signatures: what a platform signs verifies; a changed body, wrong secret or stale
Stripe timestamp does not."""

from __future__ import annotations

import time

import pytest

from retail_sync.channels.webhooks import (
    WebhookSignatureError,
    base64_hmac,
    stripe_signature,
    verify_base64_hmac,
    verify_stripe_signature,
)

BODY = b'{"id": 1, "total": "10.00"}'


def test_shopify_and_woocommerce_style_signatures():
    signature = base64_hmac("secret", BODY)
    verify_base64_hmac("secret", BODY, signature)
    for secret, body, sig in (("other", BODY, signature), ("secret", BODY + b" ", signature), ("secret", BODY, None)):
        with pytest.raises(WebhookSignatureError):
            verify_base64_hmac(secret, body, sig)


def test_stripe_signatures_with_rotation_and_tolerance():
    now = int(time.time())
    header = stripe_signature("whsec_a", BODY, now)
    verify_stripe_signature("whsec_a", BODY, header)
    rotated = f"{header},v1={stripe_signature('whsec_b', BODY, now).split('v1=')[1]}"
    verify_stripe_signature("whsec_b", BODY, rotated)
    with pytest.raises(WebhookSignatureError, match="tolerance"):
        verify_stripe_signature("whsec_a", BODY, stripe_signature("whsec_a", BODY, now - 301))
    with pytest.raises(WebhookSignatureError):
        verify_stripe_signature("whsec_a", BODY + b"x", header)
    with pytest.raises(WebhookSignatureError, match="malformed"):
        verify_stripe_signature("whsec_a", BODY, "v1=abc")
