"""Odoo's login cooldown (`res.users._assert_can_auth`): after `base.login_cooldown_after` (5)
failed logins from one IP, every login from it is refused for `base.login_cooldown_duration`
(60 s) after the last failure, even with the right password. A success clears the IP's count.
Only logins count (common.login/authenticate, /web/session/authenticate), not per-call checks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .exceptions import AccessDenied

TOO_MANY_FAILURES = "Too many login failures, please wait a bit before trying again."


class LoginCooldown:
    def __init__(self, after: int = 5, duration: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.after = after
        self.duration = duration
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}

    def check(self, source: str) -> None:
        """Raise AccessDenied while `source` is on cooldown."""
        with self._lock:
            failures, previous = self._failures.get(source, (0, 0.0))
        if self.after and failures >= self.after and self.clock() - previous < self.duration:
            raise AccessDenied(TOO_MANY_FAILURES)

    def failed(self, source: str) -> None:
        with self._lock:
            failures, _ = self._failures.get(source, (0, 0.0))
            self._failures[source] = (failures + 1, self.clock())

    def succeeded(self, source: str) -> None:
        with self._lock:
            self._failures.pop(source, None)

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()
