"""What a storefront or payment API can answer, as typed exceptions.

`ChannelAuthError` is final and names the Airflow connection to fix; `ChannelRetryableError`
(throttling, gateways, dropped connections) is retried with backoff; `ChannelRequestError` means the
request itself is wrong and retrying cannot help.
"""

from __future__ import annotations

from retail_sync.retry import RetryableError


class ChannelError(Exception):
    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class ChannelAuthError(ChannelError):
    """401/403: the credentials in the connection are wrong, revoked or lack a scope."""


class ChannelRequestError(ChannelError):
    """Any other 4xx, or a GraphQL error in the query: a bug or bad data, not a passing condition."""


class ChannelRetryableError(ChannelError, RetryableError):
    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message, status=status)
        self.retry_after = retry_after
