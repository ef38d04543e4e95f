"""One HTTP session to a channel: status codes to typed errors, retries with backoff for what is
retryable only, counters for benchmarks. Credentials live in the session's auth/headers and never
appear in messages or logs."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from retail_sync.channels.errors import ChannelAuthError, ChannelRequestError, ChannelRetryableError
from retail_sync.retry import RetryCounters, RetryPolicy, retry_after_seconds, with_retries

log = logging.getLogger(__name__)
RETRYABLE_STATUSES = {408, 409, 425, 429, 500, 502, 503, 504}
DEFAULT_TIMEOUT = 30.0               # seconds per request, unless the connection says otherwise


@dataclass(frozen=True)
class ChannelConfig:
    """One configured store or account: its channel name, where it lives, and which connection holds its secrets."""

    channel: str                 # e.g. shopify-eu: the prefix of every key, and the watermark's name
    platform: str                # shopify | woocommerce | stripe
    base_url: str
    conn_id: str                 # the Airflow connection to fix when the credentials are refused
    api_version: str | None = None
    timeout: float = DEFAULT_TIMEOUT


class ChannelHttp:
    def __init__(self, config: ChannelConfig, client: httpx.Client, policy: RetryPolicy | None = None):
        self.config = config
        self.client = client
        self.policy = policy or RetryPolicy()
        self.counters = RetryCounters()

    def request(self, method: str, path: str, *, retry_statuses: set[int] = RETRYABLE_STATUSES,
                **kwargs) -> httpx.Response:
        what = f"{self.config.channel} {method} {path}"

        def once() -> httpx.Response:
            self.counters.calls += 1
            return self.check(self.send(method, path, **kwargs), retry_statuses)

        return with_retries(once, self.policy, self.counters, what)

    def request_once(self, method: str, path: str, **kwargs) -> httpx.Response:
        """One attempt, for a write that must not be sent twice blindly (a lost answer may hide a success):
        the caller reads the state again and decides. Errors are typed as `request`'s are."""
        self.counters.calls += 1
        return self.check(self.send(method, path, **kwargs))

    def send(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            return self.client.request(method, path, **kwargs)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            raise ChannelRetryableError(f"{self.config.channel}: connection failed ({type(exc).__name__})") from None

    def check(self, response: httpx.Response, retry_statuses: set[int] = RETRYABLE_STATUSES) -> httpx.Response:
        status = response.status_code
        if status < 400:
            return response
        cfg = self.config
        if status in (401, 403):
            raise ChannelAuthError(
                f"{cfg.platform} refused the credentials of '{cfg.channel}' (HTTP {status}): fix the Airflow "
                f"connection '{cfg.conn_id}'", status=status)
        if status in retry_statuses and not self.should_not_retry(response):
            raise ChannelRetryableError(f"{cfg.channel} answered HTTP {status}", status=status,
                                        retry_after=retry_after_seconds(response.headers.get("Retry-After")))
        raise ChannelRequestError(f"{cfg.channel} answered HTTP {status}: {response.text[:500]}", status=status)

    @staticmethod
    def should_not_retry(response: httpx.Response) -> bool:
        # Stripe says explicitly whether a retry can succeed; other platforms never send the header.
        return response.headers.get("Stripe-Should-Retry", "").lower() == "false"


class HttpConnector:
    """Base of the connectors: one `ChannelHttp` session, closed when done (usable with `with`)."""

    http: ChannelHttp

    def close(self) -> None:
        self.http.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
