"""Database constraint violations turned into the ValidationError text Odoo shows for them."""

from __future__ import annotations

import sqlalchemy as sa

GENERIC = (
    "The operation cannot be completed: {detail}"
)


def integrity_message(registry, exc: sa.exc.IntegrityError) -> str:
    detail = str(exc.orig)
    declared = registry.unique_message(detail)
    if declared is None:
        # SQLite names the columns, PostgreSQL the constraint: look for either.
        for spec in registry.specs.values():
            for cols, message in spec.cls._unique:
                table = spec.name.replace(".", "_")
                if all(f"{table}.{c}" in detail for c in cols):
                    declared = message
    return declared or GENERIC.format(detail=detail.splitlines()[0])
