"""Signing in and out.

Sign-in is throttled per account and per client address (in-process sliding windows, like
the limiter of candidate links): after ACCOUNT_LIMIT failures for one e-mail, or
ADDRESS_LIMIT from one address, within WINDOW_SECONDS, even the right password is refused
until the window lets it through, and the page says how long to wait. Failures to a known
account are recorded in the audit trail (`user.sign_in_failed`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from babel.dates import format_timedelta
from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse, Response

from app import i18n
from app.i18n import gettext as _
from app.services.accounts import (
    authenticate,
    change_password,
    end_login_session,
    record_sign_in_failure,
    start_login_session,
)
from app.services.audit import record_event
from app.services.errors import Invalid
from app.services.ratelimit import SlidingWindowLimiter
from app.web.csrf import rotate_csrf_token, verify_csrf
from app.web.deps import (
    SESSION_ID_KEY,
    CurrentUser,
    OptionalUser,
    SessionDep,
    app_limiter,
    client_address,
)
from app.web.locale import SESSION_KEY as LANGUAGE_KEY
from app.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

ACCOUNT_LIMIT = 10
"""Failed sign-ins to one e-mail in the window before it is throttled."""
ADDRESS_LIMIT = 30
"""Failed sign-ins from one client address in the window before it is throttled."""
WINDOW_SECONDS = 15 * 60


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host) may be redirected to after sign-in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def wait_in_words(seconds: int) -> str:
    """'in 15 minutes', 'через 15 минут': the wait in the page's language."""
    return format_timedelta(
        timedelta(seconds=max(1, seconds)), add_direction=True, locale=i18n.get_language()
    )


def _limiters(request: Request) -> tuple[SlidingWindowLimiter, SlidingWindowLimiter]:
    return (
        app_limiter(request, "sign_in_account", ACCOUNT_LIMIT, WINDOW_SECONDS),
        app_limiter(request, "sign_in_address", ADDRESS_LIMIT, WINDOW_SECONDS),
    )


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
    accounts, addresses = _limiters(request)
    account, address = email.strip().lower(), client_address(request)
    wait = max(accounts.retry_after(account), addresses.retry_after(address))
    if wait:
        response = render(
            request,
            "auth/login.html",
            {
                "next": safe_next(next),
                "email": email,
                "error": _("Too many failed sign-ins. Try again %(wait)s.")
                % {"wait": wait_in_words(wait)},
            },
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = authenticate(session, email=email, password=password)
    if user is None:
        accounts.hit(account)
        addresses.hit(address)
        record_sign_in_failure(session, email=email, address=address)
        session.commit()
        return render(
            request,
            "auth/login.html",
            {"next": safe_next(next), "email": email, "error": _("Wrong e-mail or password.")},
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    accounts.clear(account)
    record_event(
        session,
        organisation_id=user.organisation_id or 0,
        actor_user_id=user.id,
        action="user.signed_in",
        object_type="user",
        object_id=user.id,
    )
    session_id = start_login_session(session, user)
    session.commit()
    _begin(request, session_id, user.language)
    return RedirectResponse(safe_next(next), status.HTTP_303_SEE_OTHER)


def _begin(request: Request, session_id: str, language: str | None) -> None:
    """A new cookie session: nothing carried over from before, a new CSRF token."""
    request.session.clear()
    request.session[SESSION_ID_KEY] = session_id
    if language:
        request.session[LANGUAGE_KEY] = language
    rotate_csrf_token(request)


@router.post("/logout", name="auth:logout")
def logout(request: Request, session: SessionDep) -> Response:
    """End the login session on the server too: a copy of the cookie stops working."""
    end_login_session(session, request.session.get(SESSION_ID_KEY), reason="sign_out")
    session.commit()
    request.session.clear()
    return RedirectResponse(request.url_for("auth:login").path, status.HTTP_303_SEE_OTHER)


@router.post("/account/password", name="auth:password")
def password(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    new_password_again: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Change one's password: every session of the user ends, this browser gets a new one."""
    try:
        change_password(
            session,
            user=user,
            current=current_password,
            new=new_password,
            again=new_password_again,
        )
    except Invalid as exc:
        session.rollback()
        return render(
            request,
            "account/index.html",
            {"password_errors": {exc.field or "form": exc.message}},
            status_code=exc.status,
        )
    session_id = start_login_session(session, user)
    session.commit()
    _begin(request, session_id, request.session.get(LANGUAGE_KEY))
    return RedirectResponse(
        request.url_for("pages:account").path + "?saved=password", status.HTTP_303_SEE_OTHER
    )
