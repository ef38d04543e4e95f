"""`ChannelHook`: one configured store or payment account, from its own Airflow connection, turned
into its connector. Several stores of one platform are several connections (`shopify_eu`,
`shopify_us`): each is its own channel, with its own keys and watermark.

Connection fields per platform (secrets always in the password, so Airflow masks them):
- shopify: host = shop URL, password = Admin API access token, extra `api_version`, `channel`;
- woocommerce: host = site URL, login = consumer key, password = consumer secret, extra `channel`;
- stripe: host = API base (default https://api.stripe.com), password = secret key, extra `channel`.
"""

from __future__ import annotations

from airflow.sdk import BaseHook

from retail_sync.channels.http import ChannelConfig

PLATFORMS = ("shopify", "woocommerce", "stripe")


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
        url = conn.host or ("https://api.stripe.com" if platform == "stripe" else "")
        if "://" not in url:
            url = f"https://{url}" + (f":{conn.port}" if conn.port else "")
        channel = extra.get("channel") or self.channel_conn_id.replace("_", "-")
        return ChannelConfig(channel=channel, platform=platform, base_url=url, conn_id=self.channel_conn_id,
                             api_version=extra.get("api_version")), conn

    def get_conn(self):
        config, conn = self.channel_config()
        if not conn.password:
            raise ValueError(f"Airflow connection {self.channel_conn_id!r} has no password (the API secret)")
        if config.platform == "shopify":
            from retail_sync.channels.shopify.connector import ShopifyConnector

            return ShopifyConnector(config, conn.password)
        if config.platform == "woocommerce":
            from retail_sync.channels.woocommerce.connector import WooCommerceConnector

            return WooCommerceConnector(config, conn.login or "", conn.password)
        from retail_sync.channels.stripe.connector import StripeConnector

        return StripeConnector(config, conn.password)
