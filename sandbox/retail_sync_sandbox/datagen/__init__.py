"""Deterministic generators of the demo retail world (the catalog feed first)."""
