"""Odoo failures as typed exceptions, named after Odoo's own, so callers can tell what to retry.

Only `OdooRetryableError` is worth trying again: throttling (429), gateways (502/503/504), dropped
connections, serialization and lock failures. Validation, access and missing-record errors are final.
"""

from __future__ import annotations

from retail_sync.retry import RetryableError


class OdooError(Exception):
    retryable = False

    def __init__(self, message: str, *, odoo_name: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.odoo_name = odoo_name
        self.status = status


class OdooUserError(OdooError):
    """odoo.exceptions.UserError: a business rule refused the call."""


class OdooValidationError(OdooUserError):
    """odoo.exceptions.ValidationError, including missing required fields and unique constraints."""


class OdooMissingError(OdooUserError):
    """odoo.exceptions.MissingError: the record does not exist (any more)."""


class OdooAccessError(OdooError):
    """odoo.exceptions.AccessError: the integration user lacks a right; fix its groups, not the data."""


class OdooAuthError(OdooError):
    """Bad credentials (AccessDenied, HTTP 401): fix the Airflow connection."""


class OdooProgrammingError(OdooError):
    """builtins.ValueError/TypeError/AttributeError: the call itself is wrong (unknown field, bad domain)."""


class OdooServerError(OdooError):
    """Anything else the server reported."""


class OdooRetryableError(OdooError, RetryableError):
    retryable = True

    def __init__(self, message: str, *, odoo_name: str | None = None, status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message, odoo_name=odoo_name, status=status)
        self.retry_after = retry_after


BY_NAME: dict[str, type[OdooError]] = {
    "odoo.exceptions.ValidationError": OdooValidationError,
    "odoo.exceptions.MissingError": OdooMissingError,
    "odoo.exceptions.UserError": OdooUserError,
    "odoo.exceptions.RedirectWarning": OdooUserError,
    "odoo.exceptions.AccessError": OdooAccessError,
    "odoo.exceptions.AccessDenied": OdooAuthError,
    "werkzeug.exceptions.Unauthorized": OdooAuthError,
    "odoo.exceptions.LockError": OdooRetryableError,
    "odoo.exceptions.ConcurrencyError": OdooRetryableError,
    "psycopg2.errors.SerializationFailure": OdooRetryableError,
    "psycopg2.errors.LockNotAvailable": OdooRetryableError,
    "psycopg2.errors.DeadlockDetected": OdooRetryableError,
    "builtins.ValueError": OdooProgrammingError,
    "builtins.TypeError": OdooProgrammingError,
    "builtins.AttributeError": OdooProgrammingError,
    "builtins.KeyError": OdooProgrammingError,
}
RETRYABLE_STATUSES = {429, 502, 503, 504}


def from_odoo(name: str | None, message: str, status: int | None = None) -> OdooError:
    cls = BY_NAME.get(name or "", OdooServerError)
    return cls(message, odoo_name=name, status=status)
