"""The order pull: storefront orders → validated → customers and sale orders in Odoo."""
