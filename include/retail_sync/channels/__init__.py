"""Storefront and payment sources: one protocol (`source`), one paginator (`paging`), and per platform
an adapter (`connector`, talking to the API) and a mapper (`mapping`, payload → canonical rows)."""
