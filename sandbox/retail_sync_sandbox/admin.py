"""`/sandbox/...`: operate any sandbox server (health, fault plan, call statistics, reset to seed).

These routes never mix with the emulated API's own paths.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .faults import CallStats, FaultInjector, FaultPlan


def admin_routes(faults: FaultInjector, stats: CallStats, reset: Callable[[], None],
                 info: Callable[[], dict]) -> list[Route]:
    async def health(request: Request):
        return JSONResponse({"status": "ok", **info()})

    async def get_stats(request: Request):
        return JSONResponse(stats.snapshot())

    async def reset_stats(request: Request):
        stats.reset()
        return JSONResponse({"ok": True})

    async def fault_plan(request: Request):
        if request.method == "GET":
            return JSONResponse(faults.snapshot())
        try:
            plan = FaultPlan.from_dict(json.loads(await request.body() or b"{}"))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        faults.configure(plan)
        return JSONResponse(faults.snapshot())

    async def reset_all(request: Request):
        await run_in_threadpool(reset)
        return JSONResponse({"ok": True})

    return [
        Route("/sandbox/health", health, methods=["GET"]),
        Route("/sandbox/stats", get_stats, methods=["GET"]),
        Route("/sandbox/stats/reset", reset_stats, methods=["POST"]),
        Route("/sandbox/faults", fault_plan, methods=["GET", "PUT", "POST"]),
        Route("/sandbox/reset", reset_all, methods=["POST"]),
    ]
