"""What the proxy in front of a sandbox answers when the fault plan draws an HTTP fault."""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response

PROXY_FAULTS = {"429": "Too Many Requests", "502": "Bad Gateway", "503": "Service Unavailable",
                "504": "Gateway Timeout"}


def proxy_fault(fault: str, retry_after: float) -> Response:
    headers = {"Retry-After": f"{retry_after:g}"} if fault == "429" else {}
    return PlainTextResponse(f"{fault} {PROXY_FAULTS[fault]}", status_code=int(fault), headers=headers)
