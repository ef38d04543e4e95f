"""The Airflow side: the "odoo" connection type and hook, alert delivery, settings from the environment."""
