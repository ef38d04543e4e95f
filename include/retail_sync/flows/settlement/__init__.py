"""The settlement reconciliation flow: provider payouts matched to Odoo, classified, booked and reported."""
