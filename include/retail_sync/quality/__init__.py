"""Validation before load: GX suites per entity, good/quarantined split, batch gates, alert content."""
