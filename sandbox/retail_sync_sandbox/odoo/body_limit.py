"""Odoo's cap on request bodies: werkzeug answers 413 beyond `DEFAULT_MAX_CONTENT_LENGTH` (128 MiB).

A declared Content-Length over the cap is refused before the body is read; a chunked body is
counted as it arrives and refused once it passes the cap.
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_CONTENT_LENGTH = 128 * 1024 * 1024
TOO_LARGE = "413 Request Entity Too Large: The data value transmitted exceeds the capacity limit."


class BodySizeLimit:
    def __init__(self, app: ASGIApp, limit: int = MAX_CONTENT_LENGTH):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.limit:  # the HTTP server already refused non-numbers
                await PlainTextResponse(TOO_LARGE, status_code=413)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # No declared length: read the whole body here (up to the cap) and replay it to the app.
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await PlainTextResponse(TOO_LARGE, status_code=413)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
