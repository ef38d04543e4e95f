"""A GraphQL Admin API client that paces itself by Shopify's cost-based throttle.

Every response reports `extensions.cost.throttleStatus` (bucket size, points available, restore
rate). Before each request the client projects the bucket forward to now and, if the query's last
known requested cost would not fit, sleeps just long enough for it to refill. So in steady state
Shopify never has to answer THROTTLED; when it does anyway (another app on the same store, a
restart), the client waits for the refill and tries again, and a 429 is retried like any other
throttle. Nothing about the plan's limits is hard-coded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from retail_sync.channels.errors import ChannelRequestError, ChannelRetryableError
from retail_sync.channels.http import ChannelHttp

# The Admin API version asked for unless the connection names another (quarterly, each supported for
# at least a year; an unsupported one is silently served by the oldest supported version).
DEFAULT_API_VERSION = "2026-07"


@dataclass
class ThrottleCounters:
    requests: int = 0
    points_spent: int = 0          # actual cost, as Shopify reports it
    points_requested: int = 0
    throttled: int = 0             # THROTTLED answers received
    paced_seconds: float = 0.0     # slept before sending, to stay under the limit


class CostTooHigh(ChannelRequestError):
    def __init__(self, message: str, cost: int, max_cost: int):
        super().__init__(message)
        self.cost, self.max_cost = cost, max_cost


class ShopifyGraphQL:
    def __init__(self, http: ChannelHttp, api_version: str, pace: bool = True,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 max_throttled_retries: int = 20, naive_sleep: float = 1.0):
        self.http = http
        self.path = f"/admin/api/{api_version}/graphql.json"
        self.pace = pace
        self.sleep, self.clock = sleep, clock
        self.max_throttled_retries = max_throttled_retries
        self.naive_sleep = naive_sleep
        self.counters = ThrottleCounters()
        self._status: dict | None = None        # last throttleStatus
        self._status_at = 0.0
        self._costs: dict[str, int] = {}        # query shape -> last requested cost

    def available_now(self) -> float | None:
        if self._status is None:
            return None
        elapsed = self.clock() - self._status_at
        return min(self._status["maximumAvailable"],
                   self._status["currentlyAvailable"] + elapsed * self._status["restoreRate"])

    def _wait_for(self, points: int) -> None:
        available = self.available_now()
        if available is None:
            return
        points = min(points, self._status["maximumAvailable"])
        if points <= available:
            return
        wait = (points - available) / self._status["restoreRate"]
        self.counters.paced_seconds += wait
        self.sleep(wait)

    def execute(self, query: str, variables: dict | None = None, once: bool = False) -> dict:
        """The `data` of a successful query; typed errors otherwise. `once`: a mutation that must not be sent
        again after a lost answer (a 5xx or dropped connection is raised at once, for the caller to re-read)."""
        # A query's cost depends on its page sizes, so the remembered cost is per query text and `first`.
        shape = f"{query}\x00{(variables or {}).get('first')}"
        for _ in range(self.max_throttled_retries + 1):
            if self.pace and shape in self._costs:
                self._wait_for(self._costs[shape])
            send = self.http.request_once if once else self.http.request
            payload = send("POST", self.path, json={"query": query, "variables": variables or {}}).json()
            self.counters.requests += 1
            cost = (payload.get("extensions") or {}).get("cost")
            if cost:
                self._status, self._status_at = cost["throttleStatus"], self.clock()
                self._costs[shape] = cost["requestedQueryCost"]
                self.counters.points_requested += cost["requestedQueryCost"]
                self.counters.points_spent += cost.get("actualQueryCost") or 0
            errors = payload.get("errors")
            if not errors:
                return payload["data"]
            codes = {(e.get("extensions") or {}).get("code") for e in errors}
            if "THROTTLED" in codes:
                self.counters.throttled += 1
                if self.pace:
                    self._wait_for(cost["requestedQueryCost"] if cost else 1)
                else:
                    self.sleep(self.naive_sleep)     # the baseline: no cost tracking, a fixed nap
                continue
            if "MAX_COST_EXCEEDED" in codes:
                extensions = errors[0]["extensions"]
                raise CostTooHigh(errors[0]["message"], extensions["cost"], extensions["maxCost"])
            if "INTERNAL_SERVER_ERROR" in codes:
                raise ChannelRetryableError(f"{self.http.config.channel}: {errors[0]['message']}")
            raise ChannelRequestError(f"{self.http.config.channel}: GraphQL error: "
                                      f"{'; '.join(e.get('message', '?') for e in errors)}")
        raise ChannelRetryableError(f"{self.http.config.channel}: still THROTTLED after "
                                    f"{self.max_throttled_retries} waits")
