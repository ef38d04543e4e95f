"""Timestamps from the platforms (ISO 8601 with Z or an offset, WooCommerce's bare GMT text, Stripe's
unix seconds) as aware UTC datetimes, and back to the text each API filters by."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def from_unix(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(int(seconds), tz=UTC)


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
