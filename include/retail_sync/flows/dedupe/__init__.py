"""The customer dedupe flow: Odoo's customer partners linked by the splink model, the sure duplicates merged
through Odoo's merge wizard under Odoo's own rules, the likely ones queued for review."""
