"""Talking to Odoo: the RPC client, its typed errors and retry policy (binder, mappers, loader build on it)."""
