"""Mappers: canonical records → Odoo field values, for the Odoo version at hand (the binder keys them,
the loader writes them). Every field difference between 17, 18 and 19 that a flow meets is decided here."""
