"""Benchmarks: each prints one JSON line of figures and never asserts a time."""
