"""A webhook endpoint on loopback that records what it receives (headers and raw body)."""

from __future__ import annotations

import time

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from retail_sync_sandbox.serving import RunningServer


class WebhookReceiver:
    def __init__(self):
        self.received: list[dict] = []

        async def hook(request):
            self.received.append({"headers": dict(request.headers), "body": await request.body()})
            return PlainTextResponse("ok")

        self._server = RunningServer(Starlette(routes=[Route("/hook", hook, methods=["POST"])]))

    @property
    def url(self) -> str:
        return f"{self._server.url}/hook"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.received) >= count, f"expected {count} deliveries, got {len(self.received)}"
        return self.received

    def __enter__(self) -> WebhookReceiver:
        self._server.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.stop()
