"""retail-sync: storefronts, payment providers and Odoo kept in step by Airflow."""
