"""Inbound feeds that are not channels: the merchandising (PIM) catalog feed."""
