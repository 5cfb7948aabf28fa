"""HR pages: campaigns, people, invitations and the outbox."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.web.csrf import verify_csrf

router = APIRouter(prefix="/hr", dependencies=[Depends(verify_csrf)])
