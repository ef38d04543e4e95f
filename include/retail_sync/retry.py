"""Retry with exponential backoff and full jitter, for retryable failures only, within a budget.

Odoo and every channel connector raise subclasses of `RetryableError` for what is worth another try
(throttling, gateways, dropped connections, serialization failures); everything else propagates at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class RetryableError(Exception):
    """A failure worth trying again; `retry_after` is the server's hint in seconds, if it gave one."""

    retry_after: float | None = None
    message: str = ""


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (None when absent or not a number of seconds)."""
    try:
        return float(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    budget_seconds: float = 120.0   # total time spent waiting between attempts, at most

    def delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))
        return max(backoff, retry_after or 0.0)


@dataclass
class RetryCounters:
    calls: int = 0
    retries: int = 0
    waited_seconds: float = 0.0


def with_retries(func: Callable[[], T], policy: RetryPolicy, counters: RetryCounters, what: str,
                 sleep: Callable[[float], None] = time.sleep) -> T:
    waited = 0.0
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return func()
        except RetryableError as exc:
            delay = policy.delay(attempt, exc.retry_after)
            if attempt == policy.max_attempts or waited + delay > policy.budget_seconds:
                log.warning("%s failed after %d attempts: %s", what, attempt, exc.message)
                raise
            counters.retries += 1
            counters.waited_seconds += delay
            waited += delay
            log.info("%s: retryable failure (%s), attempt %d, retrying in %.2fs", what, exc.message, attempt, delay)
            sleep(delay)
    raise AssertionError("unreachable")
