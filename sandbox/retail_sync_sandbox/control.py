"""The control token that guards a sandbox's `/sandbox/...` routes (reset, faults, stats, webhooks).

Anyone who can reach a sandbox could otherwise wipe it, slow it down or read its call log, so the
operating routes need `X-Sandbox-Token`. `/sandbox/health` stays open for liveness probes, and
`/sandbox/files/` too: those are the download URLs a storefront hands its API clients.
"""

from __future__ import annotations

import hmac
import os
import secrets
import sys

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

CONTROL_HEADER = "x-sandbox-token"
CONTROL_ENV = "SANDBOX_CONTROL_TOKEN"
OPEN_PATHS = ("/sandbox/health",)
OPEN_PREFIXES = ("/sandbox/files/",)


def new_control_token(given: str | None = None) -> str:
    """The token passed in, else $SANDBOX_CONTROL_TOKEN, else a fresh one (printed once on stderr)."""
    token = given or os.environ.get(CONTROL_ENV)
    if not token:
        token = secrets.token_urlsafe(24)
        print(f"generated {CONTROL_ENV} (send it as X-Sandbox-Token to /sandbox/*): {token}", file=sys.stderr)
    return token


def is_control_path(path: str) -> bool:
    return path.startswith("/sandbox/") and path not in OPEN_PATHS and not path.startswith(OPEN_PREFIXES)


class ControlTokenMiddleware:
    def __init__(self, app: ASGIApp, token: str):
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_control_path(scope["path"]):
            sent = dict(scope["headers"]).get(CONTROL_HEADER.encode(), b"")
            if not hmac.compare_digest(sent, self.token):
                response = JSONResponse({"error": "the /sandbox/ control routes need the X-Sandbox-Token header"},
                                        status_code=401)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
