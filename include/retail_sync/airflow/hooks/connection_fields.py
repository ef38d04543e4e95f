"""Reading the connection fields the provider declares (`retail_sync.airflow.provider`), the same way
for every hook: where the service lives (host, and the port when the host does not carry one) and the
request timeout, with the defaults the provider shows in the UI."""

from __future__ import annotations

import httpx


def service_url(conn, default_host: str = "") -> str:
    """The base URL: the host field as a URL (a bare host name means https), with the port field applied.

    A port given both in the URL and in the port field must agree: which one was meant cannot be guessed.
    """
    text = conn.host or default_host
    if not text:
        raise ValueError(f"Airflow connection {conn.conn_id!r} has no host (the service's URL)")
    url = httpx.URL(text if "://" in text else f"https://{text}")
    if conn.port:
        if url.port is not None and url.port != int(conn.port):
            raise ValueError(f"Airflow connection {conn.conn_id!r}: the URL says port {url.port} but the port "
                             f"field says {conn.port}; keep one")
        url = url.copy_with(port=int(conn.port))
    return str(url).rstrip("/")


def timeout_seconds(conn, default: float) -> float:
    value = conn.extra_dejson.get("timeout")
    if value in (None, ""):
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0.0
    if seconds <= 0:
        raise ValueError(f"Airflow connection {conn.conn_id!r}: timeout must be a positive number of seconds, "
                         f"not {value!r}")
    return seconds
