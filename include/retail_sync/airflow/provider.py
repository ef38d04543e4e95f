"""Registers the "odoo", "shopify", "woocommerce" and "stripe" connection types with Airflow (a connection
type must come from a provider). The fields each type shows are declared here, once; the hooks read
them through `retail_sync.airflow.hooks.connection_fields`, with the defaults named here."""

from __future__ import annotations

from retail_sync.channels.http import DEFAULT_TIMEOUT as CHANNEL_TIMEOUT
from retail_sync.channels.shopify.graphql_client import DEFAULT_API_VERSION
from retail_sync.odoo.client import DEFAULT_TIMEOUT as ODOO_TIMEOUT

# Host carries the URL; the port field is read when the URL has no port (a bare host name, or a
# connection URI such as odoo://user:key@erp.internal:8069).
PORT = {"port": "Port (if not in the URL)"}


def timeout_field(default: float) -> dict:
    return {"timeout": {"label": "Timeout (s)", "schema": {"type": ["number", "null"], "default": default},
                        "description": "Seconds to wait for each answer."}}


def get_provider_info() -> dict:
    return {
        "package-name": "retail-sync",
        "name": "Retail Sync",
        "description": "Odoo connections for retail-sync's storefront, payment and ERP flows.",
        "versions": ["0.1.0"],
        "connection-types": [{
            "connection-type": "odoo",
            "hook-class-name": "retail_sync.airflow.hooks.odoo.OdooHook",
            "hook-name": "Odoo",
            "conn-fields": {
                "database": {"label": "Database", "schema": {"type": ["string", "null"]},
                             "description": "The Odoo database name (X-Odoo-Database)."},
                "version": {"label": "Odoo version", "schema": {"type": ["string", "null"], "default": "auto",
                                                                "enum": ["auto", "17", "18", "19"]}},
                "protocol": {"label": "Protocol", "schema": {"type": ["string", "null"], "default": "auto",
                                                            "enum": ["auto", "jsonrpc", "json2"]},
                             "description": "auto: JSON-2 on Odoo 19+, JSON-RPC before."},
                **timeout_field(ODOO_TIMEOUT),
            },
            "ui-field-behaviour": {
                "hidden-fields": ["schema", "extra"],
                "relabeling": {"host": "URL", "login": "Login", "password": "API key", **PORT},
                "placeholders": {"host": "https://mycompany.odoo.com", "login": "retail-sync"},
            },
        }] + [{
            "connection-type": platform,
            "hook-class-name": f"retail_sync.airflow.hooks.channel.{hook}",
            "hook-name": label,
            "conn-fields": {
                "channel": {"label": "Channel name", "schema": {"type": ["string", "null"]},
                            "description": "Prefix of this store's keys and its watermark, e.g. shopify-eu."},
                **({"api_version": {"label": "API version", "schema": {"type": ["string", "null"],
                                                                      "default": DEFAULT_API_VERSION}}}
                   if platform == "shopify" else {}),
                **timeout_field(CHANNEL_TIMEOUT),
            },
            "ui-field-behaviour": {"hidden-fields": ["schema", "extra"] + (
                ["login"] if platform != "woocommerce" else []),
                "relabeling": {"host": "URL", "login": "Consumer key", "password": secret, **PORT}},
        } for platform, hook, label, secret in (
            ("shopify", "ShopifyHook", "Shopify store", "Admin API access token"),
            ("woocommerce", "WooCommerceHook", "WooCommerce store", "Consumer secret"),
            ("stripe", "StripeHook", "Stripe account", "Secret key"))],
    }
