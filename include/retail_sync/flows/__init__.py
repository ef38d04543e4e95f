"""One module per job; plain functions composing channels, quality, odoo and state."""
