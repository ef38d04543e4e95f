"""Pickings shipped in Odoo pushed back to the storefronts as fulfilments (the fulfillment_push DAG)."""
