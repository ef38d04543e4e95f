"""Airflow hooks: connections → clients (Odoo, storefront and payment channels)."""
