"""Start a sandbox as its own process (so client and server do not share one interpreter)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SandboxProcess:
    def __init__(self, *args: str, env: dict[str, str] | None = None, startup_s: float = 60):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._cmd = [sys.executable, "-m", "retail_sync_sandbox", *args, "--port", str(self.port)]
        token = secrets.token_urlsafe(18)
        self._env = {**os.environ, **(env or {}), "SANDBOX_CONTROL_TOKEN": token}
        self.control = {"X-Sandbox-Token": token}  # the headers /sandbox/ control routes need
        self.startup_s = startup_s                 # a storefront of a big world builds it before it listens

    def __enter__(self) -> SandboxProcess:
        self.start()
        return self.ready()

    def start(self) -> SandboxProcess:
        """Start the process without waiting for it (several sandboxes may build their worlds at once)."""
        self.process = subprocess.Popen(self._cmd, env=self._env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def ready(self) -> SandboxProcess:
        deadline = time.monotonic() + self.startup_s
        while True:
            try:
                httpx.get(f"{self.url}/sandbox/health").raise_for_status()
                return self
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.process.kill()    # a slow start still running: its stderr ends only when it does
                    self.process.wait()
                    raise RuntimeError(self.process.stderr.read().decode()) from None
                time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a busy machine: do not let a slow shutdown lose the figures
            self.process.kill()
            self.process.wait()
