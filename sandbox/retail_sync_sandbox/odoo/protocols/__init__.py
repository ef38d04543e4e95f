"""The wire protocols of Odoo's external API, each a thin layer over `OdooService`."""
