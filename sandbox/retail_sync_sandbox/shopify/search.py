"""Shopify's search syntax, the part the sandbox filters on: `updated_at:>'2026-10-01T00:00:00Z'`,
`sku:ABC-1 OR sku:ABC-2`. Unknown fields are ignored with a warning, as Shopify does
(`extensions.search[].warnings`), rather than failing the query."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime

TERM = re.compile(r"^(?P<field>[a-z_]+):(?P<op>>=|<=|>|<)?(?P<value>.+)$")


@dataclass(frozen=True)
class Term:
    field: str
    op: str          # "=", ">", ">=", "<", "<="
    value: str


def parse_search(text: str | None, supported: set[str]) -> tuple[list[Term], list[dict]]:
    if not text:
        return [], []
    terms, warnings = [], []
    for token in shlex.split(text):
        if token.upper() in ("OR", "AND"):
            continue
        match = TERM.match(token)
        if not match or match["field"] not in supported:
            field = match["field"] if match else token
            warnings.append({"field": field, "message": "Invalid search field for this query."})
            continue
        terms.append(Term(match["field"], match["op"] or "=", match["value"].strip("'\"")))
    return terms, warnings


def as_stamp(value: str) -> str:
    """Any ISO 8601 time (with Z, an offset, or a bare date) as the sandbox's sortable UTC text."""
    text = value.strip().replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
