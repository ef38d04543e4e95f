"""Fault injection and call statistics, shared by every sandbox server.

A `FaultPlan` says how often calls fail and how (429 with Retry-After, 502/503/504, an in-band
serialization failure), how slow they are, and which call numbers fail for certain. It can be set
at start (`--faults '{"rate_503": 0.1}'`) and changed at run time over `/sandbox/faults`.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections import defaultdict

HTTP_FAULTS = ("429", "500", "502", "503", "504")
IN_BAND_FAULTS = ("serialization",)


@dataclasses.dataclass
class FaultPlan:
    rate_429: float = 0.0
    retry_after: float = 1.0
    rate_502: float = 0.0
    rate_503: float = 0.0
    rate_504: float = 0.0
    rate_serialization: float = 0.0
    latency_ms: float = 0.0
    latency_per_record_ms: float = 0.0
    # {call number (1-based, counted since the last reset): fault kind}
    fail_calls: dict[int, str] = dataclasses.field(default_factory=dict)
    # 5xx answers sent after the call committed: the client loses the response, not the write.
    after_commit: bool = False
    seed: int = 0

    @classmethod
    def from_dict(cls, data: dict) -> FaultPlan:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        data = dict(data)
        if "fail_calls" in data:
            data["fail_calls"] = {int(k): str(v) for k, v in data["fail_calls"].items()}
            bad = {v for v in data["fail_calls"].values() if v not in HTTP_FAULTS + IN_BAND_FAULTS}
            if bad:
                raise ValueError(f"unknown fault kinds: {sorted(bad)}")
        for name, value in data.items():
            if name.startswith("rate_") and not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        return cls(**data)


class FaultInjector:
    def __init__(self, plan: FaultPlan | None = None):
        self._lock = threading.Lock()
        self.configure(plan or FaultPlan())

    def configure(self, plan: FaultPlan) -> None:
        with self._lock:
            self.plan = plan
            self.calls = 0
            self._random = random.Random(plan.seed)

    def draw(self) -> str | None:
        """Count one call and decide whether, and how, it fails."""
        with self._lock:
            self.calls += 1
            plan = self.plan
            if self.calls in plan.fail_calls:
                return plan.fail_calls[self.calls]
            roll = self._random.random()
            for kind, rate in (("429", plan.rate_429), ("502", plan.rate_502), ("503", plan.rate_503),
                               ("504", plan.rate_504), ("serialization", plan.rate_serialization)):
                if roll < rate:
                    return kind
                roll -= rate
            return None

    def delay_seconds(self, records: int) -> float:
        plan = self.plan
        return (plan.latency_ms + plan.latency_per_record_ms * records) / 1000.0

    def snapshot(self) -> dict:
        with self._lock:
            return {"plan": dataclasses.asdict(self.plan), "calls": self.calls}


class CallStats:
    """Calls, errors, time and records per (model, method): how benchmarks count RPC calls."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._rows = defaultdict(lambda: {"calls": 0, "errors": 0, "seconds": 0.0, "records": 0})
            self.started = time.time()

    def record(self, key: str, seconds: float, records: int = 0, error: bool = False) -> None:
        with self._lock:
            row = self._rows[key]
            row["calls"] += 1
            row["errors"] += int(error)
            row["seconds"] += seconds
            row["records"] += records

    def snapshot(self) -> dict:
        with self._lock:
            rows = {k: dict(v) for k, v in sorted(self._rows.items())}
        return {
            "calls": sum(r["calls"] for r in rows.values()),
            "errors": sum(r["errors"] for r in rows.values()),
            "records": sum(r["records"] for r in rows.values()),
            "by_call": rows,
        }
