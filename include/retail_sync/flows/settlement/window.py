"""The period a settlement run reconciles, and the checks that refuse a bad one before anything runs.

A scheduled or backfill run reconciles its data interval (the previous day); finance may instead name
dates (inclusive) and providers on the trigger form. A period ending before it starts, a date in the
future or a provider nobody configured is refused with one sentence saying what to change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta


class BadSettlementParams(ValueError):
    """The trigger's params cannot describe a settlement run; the message tells finance what to fix."""


@dataclass(frozen=True)
class SettlementWindow:
    start: date                     # first day reconciled
    end: date                       # last day reconciled (inclusive)
    providers: tuple[str, ...]
    dry_run: bool = False

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def end_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    def label(self) -> str:
        return self.start.isoformat() if self.start == self.end else f"{self.start.isoformat()}..{self.end.isoformat()}"

    def to_xcom(self) -> dict:
        return {**asdict(self), "start": self.start.isoformat(), "end": self.end.isoformat(),
                "providers": list(self.providers)}

    @classmethod
    def from_xcom(cls, data: dict) -> SettlementWindow:
        return cls(date.fromisoformat(data["start"]), date.fromisoformat(data["end"]), tuple(data["providers"]),
                   bool(data["dry_run"]))


def window_from_params(params: dict, interval_start: datetime | None, interval_end: datetime | None,
                       configured: tuple[str, ...], today: date | None = None) -> SettlementWindow:
    """The run's window: the dates in `params` when finance gave them, else the run's data interval."""
    today = today or datetime.now(UTC).date()
    start, end = _date(params.get("start_date"), "start_date"), _date(params.get("end_date"), "end_date")
    if start is None and end is None:
        if interval_start is None or interval_end is None:
            raise BadSettlementParams("This run has no data interval: give a start_date and an end_date "
                                      "(YYYY-MM-DD) to say which days to reconcile.")
        start = interval_start.astimezone(UTC).date()
        end = (interval_end.astimezone(UTC) - timedelta(microseconds=1)).date()
    elif start is None or end is None:
        raise BadSettlementParams("Give both start_date and end_date, or neither (the run then reconciles its "
                                  "own day).")
    if end < start:
        raise BadSettlementParams(f"end_date {end} is before start_date {start}: the period must end on or "
                                  f"after the day it starts.")
    if end >= today:
        raise BadSettlementParams(f"end_date {end} is not in the past: only days that are over can be reconciled "
                                  f"(the latest is {today - timedelta(days=1)}).")
    providers = tuple(params.get("providers") or configured)
    unknown = sorted(set(providers) - set(configured))
    if unknown:
        raise BadSettlementParams(f"Unknown provider{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
                                  f"the configured providers are {', '.join(configured) or 'none'}.")
    return SettlementWindow(start, end, tuple(sorted(set(providers))), bool(params.get("dry_run", False)))


def _date(value, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BadSettlementParams(f"{name} {value!r} is not a date: write it as YYYY-MM-DD.") from None
