"""Liveness and readiness probes for load balancers and orchestrators.

Both skip the admission line (app/web/admission.py) and answer on the event loop, so they
stay responsive however busy the requests are; the readiness probe's one query runs on a
thread of its own, bounded by the pool's and the database's timeouts.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

router = APIRouter(include_in_schema=False)

_probe_threads: RunVar[anyio.CapacityLimiter] = RunVar("salesfit_probe_threads")


@router.get("/healthz", name="health:alive")
async def healthz() -> dict[str, str]:
    """The process is alive (no dependency checked)."""
    return {"status": "ok"}


def _select_one(engine: Engine) -> None:
    # outside a transaction: the probe must not wait for, or take, a write lock
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SELECT 1"))


@router.get("/readyz", name="health:ready")
async def readyz(request: Request) -> JSONResponse:
    """The database answers; 503 otherwise."""
    try:
        limiter = _probe_threads.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(2)
        _probe_threads.set(limiter)
    try:
        await anyio.to_thread.run_sync(_select_one, request.app.state.engine, limiter=limiter)
    except SQLAlchemyError as exc:
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    return JSONResponse({"status": "ok", "database": "ok"})
