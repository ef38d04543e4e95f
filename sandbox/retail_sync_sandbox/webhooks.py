"""Webhook deliveries from a sandbox: subscriptions registered over `/sandbox/webhooks`, each event
POSTed from a background thread with the platform's headers and signature, retried a few times.

Deliveries are recorded (topic, status, attempts) so tests can see what was sent.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# (secret, body, topic, delivery id) -> headers, per platform
Signer = Callable[[str, bytes, str, str], dict[str, str]]


@dataclass
class Subscription:
    url: str
    secret: str
    topics: set[str] = field(default_factory=set)     # empty: every topic


class WebhookSender:
    def __init__(self, signer: Signer, attempts: int = 3):
        self.signer = signer
        self.attempts = attempts
        self.subscriptions: list[Subscription] = []
        self.log: list[dict] = []
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._deliver_forever, daemon=True, name="webhooks")
        self._thread.start()

    def subscribe(self, url: str, secret: str, topics: list[str] | None = None) -> None:
        self.subscriptions.append(Subscription(url, secret, set(topics or [])))

    def clear(self) -> None:
        self.subscriptions.clear()
        self.log.clear()

    def emit(self, topic: str, body: bytes) -> None:
        for sub in self.subscriptions:
            if not sub.topics or topic in sub.topics:
                self._queue.put((sub, topic, body, str(uuid.uuid4())))

    def wait_idle(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)

    def _deliver_forever(self) -> None:
        with httpx.Client(timeout=5.0) as client:
            while True:
                sub, topic, body, delivery = self._queue.get()
                try:
                    self._deliver(client, sub, topic, body, delivery)
                finally:
                    self._queue.task_done()

    def _deliver(self, client: httpx.Client, sub: Subscription, topic: str, body: bytes, delivery: str) -> None:
        headers = {"Content-Type": "application/json", **self.signer(sub.secret, body, topic, delivery)}
        status = None
        for attempt in range(1, self.attempts + 1):
            try:
                status = client.post(sub.url, content=body, headers=headers).status_code
            except httpx.HTTPError:
                status = None
            if status is not None and 200 <= status < 300:
                break
            time.sleep(0.2 * attempt)
        self.log.append({"topic": topic, "url": sub.url, "status": status, "delivery": delivery,
                         "attempts": attempt})


def webhook_route(sender: WebhookSender) -> Route:
    """`/sandbox/webhooks`: POST {"url", "secret", "topics"} subscribes a receiver; GET lists deliveries."""
    async def webhooks(request: Request) -> Response:
        if request.method == "POST":
            settings = json.loads(await request.body() or b"{}")
            if not settings.get("url") or not settings.get("secret"):
                return JSONResponse({"error": "url and secret are required"}, status_code=400)
            sender.subscribe(settings["url"], settings["secret"], settings.get("topics"))
        return JSONResponse({"subscriptions": len(sender.subscriptions), "deliveries": sender.log})

    return Route("/sandbox/webhooks", webhooks, methods=["GET", "POST"])
