"""A local SMTP server (aiosmtpd) that keeps every message it receives: the demo's and tests' inbox."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller


@dataclass
class MailSink:
    folder: Path | None = None                 # when set, each message is also written there as .eml
    messages: list[email.message.EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{len(self.messages):04d}.eml").write_bytes(envelope.content)
        return "250 Message accepted for delivery"


class RunningMailSink:
    def __init__(self, folder: Path | None = None, host: str = "127.0.0.1", port: int = 0):
        if not port:
            with socket.socket() as sock:
                sock.bind((host, 0))
                port = sock.getsockname()[1]
        self.port = port
        self.host = host
        self.sink = MailSink(folder)
        self._controller = Controller(self.sink, hostname=host, port=self.port)

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return self.sink.messages

    def connection_json(self) -> str:
        """An Airflow `smtp` connection (AIRFLOW_CONN_SMTP_DEFAULT) pointing at this sink."""
        import json

        return json.dumps({"conn_type": "smtp", "host": self.host, "port": self.port, "login": "", "password": "",
                           "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "retail-sync@localhost",
                                     "timeout": 10, "retry_limit": 1}})

    def __enter__(self) -> RunningMailSink:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
