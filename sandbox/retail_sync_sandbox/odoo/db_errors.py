"""Database errors as a real Odoo reports them: PostgreSQL's (psycopg2) names and messages.

The sandbox runs on SQLAlchemy; its exception names and SQL must never reach a client, who would
see `psycopg2.*` from a real server.
"""

from __future__ import annotations

import sqlalchemy as sa


class PsycopgError(Exception):
    odoo_name = "psycopg2.DatabaseError"
    http_status = 500


class ProgrammingError(PsycopgError):
    odoo_name = "psycopg2.ProgrammingError"


class DataError(PsycopgError):
    odoo_name = "psycopg2.DataError"


class InvalidRowCountInLimitClause(DataError):
    odoo_name = "psycopg2.errors.InvalidRowCountInLimitClause"


class InvalidRowCountInResultOffsetClause(DataError):
    odoo_name = "psycopg2.errors.InvalidRowCountInResultOffsetClause"


def as_psycopg_error(exc: sa.exc.SQLAlchemyError) -> PsycopgError:
    """The client-facing error for a failure inside SQLAlchemy: the driver's message, no SQL."""
    orig = getattr(exc, "orig", None)
    message = str(orig).splitlines()[0] if orig is not None else "invalid query argument"
    if "binding parameter" in message or "not supported" in message:
        return ProgrammingError("can't adapt the value given to a query parameter")
    if isinstance(exc, sa.exc.DataError):
        return DataError(message)
    if isinstance(exc, (sa.exc.ProgrammingError, sa.exc.InterfaceError, sa.exc.ArgumentError)):
        return ProgrammingError(message)
    return PsycopgError(message)
