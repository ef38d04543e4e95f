"""Sandbox servers that speak the wire protocols of the systems retail-sync talks to."""
