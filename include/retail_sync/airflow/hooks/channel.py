"""`ChannelHook`: one configured store or payment account, from its own Airflow connection, turned
into its connector. Several stores of one platform are several connections (`shopify_eu`,
`shopify_us`): each is its own channel, with its own keys and watermark.

Connection fields per platform (declared in `retail_sync.airflow.provider`; secrets always in the
password, so Airflow masks them):
- shopify: host = shop URL, password = Admin API access token, extras `api_version`, `channel`, `timeout`;
- woocommerce: host = site URL, login = consumer key, password = consumer secret, extras `channel`, `timeout`;
- stripe: host = API base (default https://api.stripe.com), password = secret key, extras `channel`, `timeout`.
The port field applies when the URL carries none.
"""

from __future__ import annotations

from airflow.sdk import BaseHook

from retail_sync.airflow.hooks.connection_fields import service_url, timeout_seconds
from retail_sync.channels.errors import ChannelError
from retail_sync.channels.http import DEFAULT_TIMEOUT, ChannelConfig
from retail_sync.retry import RetryPolicy

PLATFORMS = ("shopify", "woocommerce", "stripe")
STRIPE_API = "https://api.stripe.com"
# The Test button answers for now: one attempt, no backoff (a pipeline run retries, a person re-clicks).
TEST_POLICY = RetryPolicy(max_attempts=1)


class ChannelHook(BaseHook):
    conn_name_attr = "channel_conn_id"
    hook_name = "Retail channel"

    def __init__(self, channel_conn_id: str):
        super().__init__()
        self.channel_conn_id = channel_conn_id

    def channel_config(self) -> tuple[ChannelConfig, object]:
        conn = self.get_connection(self.channel_conn_id)
        platform = conn.conn_type
        if platform not in PLATFORMS:
            raise ValueError(f"Airflow connection {self.channel_conn_id!r} has type {platform!r}; "
                             f"expected one of {PLATFORMS}")
        extra = conn.extra_dejson
        url = service_url(conn, STRIPE_API if platform == "stripe" else "")
        channel = extra.get("channel") or self.channel_conn_id.replace("_", "-")
        return ChannelConfig(channel=channel, platform=platform, base_url=url, conn_id=self.channel_conn_id,
                             api_version=extra.get("api_version"),
                             timeout=timeout_seconds(conn, DEFAULT_TIMEOUT)), conn

    def get_conn(self, policy: RetryPolicy | None = None):
        config, conn = self.channel_config()
        if not conn.password:
            raise ValueError(f"Airflow connection {self.channel_conn_id!r} has no password (the API secret)")
        if config.platform == "shopify":
            from retail_sync.channels.shopify.connector import ShopifyConnector

            return ShopifyConnector(config, conn.password, policy=policy)
        if config.platform == "woocommerce":
            from retail_sync.channels.woocommerce.connector import WooCommerceConnector

            return WooCommerceConnector(config, conn.login or "", conn.password, policy=policy)
        from retail_sync.channels.stripe.connector import StripeConnector

        return StripeConnector(config, conn.password, policy=policy)

    def test_connection(self) -> tuple[bool, str]:
        """One cheap authenticated call to the store or account (the Airflow UI's Test button)."""
        try:
            with self.get_conn(TEST_POLICY) as connector:
                return True, connector.describe()
        except (ChannelError, ValueError) as exc:
            # Messages name the connection and the status, never the secret (see channels.http).
            return False, str(exc)


# Airflow registers a hook for a connection type only if the class declares that very type: one class
# per platform, so each type's form and Test button find their hook.
class ShopifyHook(ChannelHook):
    conn_type = "shopify"
    hook_name = "Shopify store"


class WooCommerceHook(ChannelHook):
    conn_type = "woocommerce"
    hook_name = "WooCommerce store"


class StripeHook(ChannelHook):
    conn_type = "stripe"
    hook_name = "Stripe account"
