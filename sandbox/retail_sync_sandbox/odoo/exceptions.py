"""Odoo's exception classes, as the wire sees them.

Clients tell errors apart by `data.name` (JSON-RPC), the fault code (XML-RPC) or the HTTP status
(JSON-2), so each class carries the dotted name real Odoo reports and the JSON-2 status it maps to.
Python built-ins raised by the ORM (ValueError, TypeError, AttributeError) keep their `builtins.*` name.
"""

from __future__ import annotations


class OdooException(Exception):
    odoo_name = "odoo.exceptions.UserError"
    http_status = 422

    def __init__(self, message: str, *args):
        super().__init__(message, *args)

    def __str__(self) -> str:
        return str(self.args[0])


class UserError(OdooException):
    odoo_name = "odoo.exceptions.UserError"


class ValidationError(UserError):
    odoo_name = "odoo.exceptions.ValidationError"


class AccessError(UserError):
    odoo_name = "odoo.exceptions.AccessError"
    http_status = 403


class AccessDenied(UserError):
    odoo_name = "odoo.exceptions.AccessDenied"
    http_status = 403

    def __init__(self, message: str = "Access Denied"):
        super().__init__(message)


class MissingError(UserError):
    odoo_name = "odoo.exceptions.MissingError"
    http_status = 404


class LockError(UserError):
    """Odoo 18+: a row lock could not be taken (JSON-2 answers 409)."""

    odoo_name = "odoo.exceptions.LockError"
    http_status = 409


class SerializationFailure(Exception):
    """What psycopg2 raises when REPEATABLE READ sees a concurrent update; Odoo lets it reach the
    client after its own retries are spent."""

    odoo_name = "psycopg2.errors.SerializationFailure"
    http_status = 500

    def __init__(self, message: str = "could not serialize access due to concurrent update"):
        super().__init__(message)


class HttpException(Exception):
    """werkzeug's HTTP exceptions, as JSON-2 reports them."""

    odoo_name = "werkzeug.exceptions.HTTPException"
    http_status = 500


class BadRequest(HttpException):
    odoo_name, http_status = "werkzeug.exceptions.BadRequest", 400


class Unauthorized(HttpException):
    odoo_name, http_status = "werkzeug.exceptions.Unauthorized", 401


class NotFound(HttpException):
    odoo_name, http_status = "werkzeug.exceptions.NotFound", 404


class UnprocessableEntity(HttpException):
    odoo_name, http_status = "werkzeug.exceptions.UnprocessableEntity", 422


def odoo_name_of(exc: BaseException) -> str:
    name = getattr(type(exc), "odoo_name", None)
    if name:
        return name
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"
