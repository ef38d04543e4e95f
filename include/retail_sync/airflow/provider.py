"""Registers the "odoo", "shopify", "woocommerce" and "stripe" connection types with Airflow (a connection
type must come from a provider)."""

from __future__ import annotations


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
                "timeout": {"label": "Timeout (s)", "schema": {"type": ["integer", "null"], "default": 60}},
            },
            "ui-field-behaviour": {
                "hidden-fields": ["schema", "port", "extra"],
                "relabeling": {"host": "URL", "login": "Login", "password": "API key"},
                "placeholders": {"host": "https://mycompany.odoo.com", "login": "retail-sync"},
            },
        }] + [{
            "connection-type": platform,
            "hook-class-name": "retail_sync.airflow.hooks.channel.ChannelHook",
            "hook-name": label,
            "conn-fields": {
                "channel": {"label": "Channel name", "schema": {"type": ["string", "null"]},
                            "description": "Prefix of this store's keys and its watermark, e.g. shopify-eu."},
                **({"api_version": {"label": "API version", "schema": {"type": ["string", "null"],
                                                                      "default": "2026-07"}}}
                   if platform == "shopify" else {}),
            },
            "ui-field-behaviour": {"hidden-fields": ["schema", "port", "extra"] + (
                ["login"] if platform != "woocommerce" else []),
                "relabeling": {"host": "URL", "login": "Consumer key", "password": secret}},
        } for platform, label, secret in (("shopify", "Shopify store", "Admin API access token"),
                                          ("woocommerce", "WooCommerce store", "Consumer secret"),
                                          ("stripe", "Stripe account", "Secret key"))],
    }
