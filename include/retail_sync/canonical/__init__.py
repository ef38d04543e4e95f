"""Canonical entities shared by every flow, as pyarrow schemas; money is decimal plus currency."""
