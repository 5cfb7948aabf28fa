"""Administration pages (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import select

from app.models import User
from app.web.csrf import verify_csrf
from app.web.deps import AdminUser, SessionDep
from app.web.templating import render

router = APIRouter(prefix="/admin", dependencies=[Depends(verify_csrf)], include_in_schema=False)


@router.get("/users", name="admin:users")
def users(request: Request, admin: AdminUser, session: SessionDep) -> Response:
    rows = session.exec(select(User).order_by(User.role, User.email)).all()
    return render(request, "admin/users.html", {"users": rows})
