"""An Odoo 17/18/19-compatible external-API server on a real SQL database."""
