"""Odoo failures as typed exceptions, named after Odoo's own, so callers can tell what to retry.

Only `OdooRetryableError` is worth trying again: throttling (429), gateways (502/503/504), dropped
connections, serialization and lock failures. Validation, access and missing-record errors are final.
A gateway error or a connection lost after the request was sent may hide a committed write
(`may_have_committed`): the client re-sends only calls that are safe to repeat, and turns the others
into `OdooOutcomeUnknown` so the caller looks up what exists before writing again.
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
                 retry_after: float | None = None, may_have_committed: bool = False):
        super().__init__(message, odoo_name=odoo_name, status=status)
        self.retry_after = retry_after
        # True when Odoo may have run the call and only its answer was lost (5xx, connection cut mid-call);
        # False when it surely did not (429, refused connection, a rolled-back serialization failure).
        self.may_have_committed = may_have_committed


class OdooOutcomeUnknown(OdooError):
    """A call that is not safe to repeat (a `create`, a business method) may or may not have run: its answer was
    lost. Not retried blindly; the caller looks up by key what exists, then sends only what is missing."""


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
NOT_PROCESSED_STATUSES = {429}   # a throttled request was refused before Odoo ran it


def from_odoo(name: str | None, message: str, status: int | None = None) -> OdooError:
    cls = BY_NAME.get(name or "", OdooServerError)
    return cls(message, odoo_name=name, status=status)
