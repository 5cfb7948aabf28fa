"""Results for staff, and the queue of answers a person scores (work samples, manager ratings)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.web.csrf import verify_csrf

router = APIRouter(dependencies=[Depends(verify_csrf)])
