"""The catalog flow: merchandising feed file → validated → Odoo products, variants and prices."""
