"""Signing in and out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse, Response

from app.i18n import gettext as _
from app.services.accounts import authenticate
from app.services.audit import record_event
from app.web.csrf import rotate_csrf_token, verify_csrf
from app.web.deps import SESSION_USER_KEY, OptionalUser, SessionDep
from app.web.locale import SESSION_KEY as LANGUAGE_KEY
from app.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host) may be redirected to after sign-in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", name="auth:login")
def login_page(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status.HTTP_303_SEE_OTHER)
    return render(request, "auth/login.html", {"next": safe_next(next), "email": ""})


@router.post("/login", name="auth:login_submit")
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    user = authenticate(session, email=email, password=password)
    if user is None:
        return render(
            request,
            "auth/login.html",
            {"next": safe_next(next), "email": email, "error": _("Wrong e-mail or password.")},
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    record_event(
        session,
        organisation_id=user.organisation_id or 0,
        actor_user_id=user.id,
        action="user.signed_in",
        object_type="user",
        object_id=user.id,
    )
    session.commit()
    request.session.clear()  # a new session on sign-in: nothing carried over from before
    request.session[SESSION_USER_KEY] = user.id
    if user.language:
        request.session[LANGUAGE_KEY] = user.language
    rotate_csrf_token(request)
    return RedirectResponse(safe_next(next), status.HTTP_303_SEE_OTHER)


@router.post("/logout", name="auth:logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse(request.url_for("auth:login").path, status.HTTP_303_SEE_OTHER)
