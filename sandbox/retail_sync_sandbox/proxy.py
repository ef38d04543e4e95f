"""What the proxy in front of a sandbox answers when the fault plan draws an HTTP fault, and the wrapper
every REST sandbox endpoint runs in: fault plan, authentication, the platform's error bodies, latency,
call statistics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from .faults import CallStats, FaultInjector

PROXY_FAULTS = {"429": "Too Many Requests", "500": "Internal Server Error", "502": "Bad Gateway",
                "503": "Service Unavailable", "504": "Gateway Timeout"}


def proxy_fault(fault: str, retry_after: float) -> Response:
    headers = {"Retry-After": f"{retry_after:g}"} if fault == "429" else {}
    return PlainTextResponse(f"{fault} {PROXY_FAULTS[fault]}", status_code=int(fault), headers=headers)


def rest_endpoint(handler: Callable[[Request], Awaitable[Response]], name: str, *, faults: FaultInjector,
                  stats: CallStats, authenticate: Callable[[Request], None], error: type[Exception],
                  fault_response: Callable[[str], Response]) -> Callable[[Request], Awaitable[Response]]:
    """`handler` behind the fault plan and the platform's authentication; `error` exceptions carry the
    platform's error body (`.response()`)."""
    async def run(request: Request) -> Response:
        started = time.perf_counter()
        fault = faults.draw()
        # after_commit: the gateway loses the answer of a call the store did run (a 5xx the client must not
        # take as "not applied").
        lost = faults.plan.after_commit and fault in ("502", "503", "504")
        try:
            if fault in PROXY_FAULTS and not lost:
                response = fault_response(fault)
            else:
                authenticate(request)
                response = await handler(request)
        except error as exc:
            response = exc.response()
        if lost:
            response = fault_response(fault)
        delay = faults.delay_seconds(0)
        if delay:
            await asyncio.sleep(delay)
        stats.record(name, time.perf_counter() - started, error=response.status_code >= 400)
        return response
    return run
