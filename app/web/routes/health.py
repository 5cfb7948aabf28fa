"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

router = APIRouter(include_in_schema=False)


@router.get("/healthz", name="health:alive")
def healthz() -> dict[str, str]:
    """The process is alive (no dependency checked)."""
    return {"status": "ok"}


@router.get("/readyz", name="health:ready")
def readyz(request: Request) -> JSONResponse:
    """The database answers; 503 otherwise."""
    try:
        engine = request.app.state.engine
        # outside a transaction: the probe must not wait for, or take, a write lock
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    return JSONResponse({"status": "ok", "database": "ok"})
