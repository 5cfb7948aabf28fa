"""The candidate's pages, reached by a personal link `/a/{token}` without an account."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.web.csrf import verify_csrf

router = APIRouter(prefix="/a", dependencies=[Depends(verify_csrf)])
