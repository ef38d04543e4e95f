"""Webhook signatures as each platform computes them: one implementation, used by the receivers to
verify and by the sandboxes to sign.

- Shopify: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(app client secret, raw body)).
- WooCommerce: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(webhook secret, raw body)).
- Stripe: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(endpoint secret, "<t>.<raw body>")>`,
  rejected when `t` is further than the tolerance from now.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

STRIPE_TOLERANCE_SECONDS = 300


class WebhookSignatureError(ValueError):
    """The delivery is not from who it says (bad or missing signature, or a stale Stripe timestamp)."""


def base64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_base64_hmac(secret: str, body: bytes, signature: str | None) -> None:
    if not signature or not hmac.compare_digest(base64_hmac(secret, body), signature):
        raise WebhookSignatureError("webhook signature does not match the body")


def stripe_signature(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify_stripe_signature(secret: str, body: bytes, header: str | None,
                            tolerance: int = STRIPE_TOLERANCE_SECONDS, now: float | None = None) -> None:
    if not header:
        raise WebhookSignatureError("Stripe-Signature header missing")
    pairs = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [v for k, v in pairs if k == "t"]
    signatures = [v for k, v in pairs if k == "v1"]
    if not stamps or not signatures or not stamps[0].isdigit():
        raise WebhookSignatureError("Stripe-Signature header is malformed")
    t = int(stamps[0])
    if abs((time.time() if now is None else now) - t) > tolerance:
        raise WebhookSignatureError("Stripe-Signature timestamp is outside the tolerance")
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise WebhookSignatureError("no Stripe-Signature v1 matches the body")
