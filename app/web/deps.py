"""Dependencies shared by routes: the database session, the signed-in user, roles.

Signing in scopes the request's database session to the user's organisation (see
app/db.py), so every query a route makes afterwards sees only that organisation's rows.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.config import Settings
from app.db import reading, scope_to_organisation
from app.i18n import gettext as _
from app.models import Organisation, Role, User
from app.scoring.loader import Catalog
from app.services.accounts import user_for_api_token, user_for_login_session
from app.services.ratelimit import SlidingWindowLimiter

SESSION_ID_KEY = "sid"
"""The key in the cookie of the login session's random id (see app/models/login.py)."""


class LoginRequired(Exception):
    """Raised for a page that needs a signed-in user; handled by redirecting to /login."""


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


READING_METHODS = frozenset({"GET", "HEAD"})


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A database session per request, committed by the route that changes something.

    Made on the event loop (a session does no I/O until its first query) and closed in a worker
    thread only when it still holds a connection, so no thread is waited for to open or close
    it. A GET or HEAD begins its transactions as a reader (SQLite: no write lock until its
    first write; see app/db.py)."""
    engine = request.app.state.engine
    if request.method in READING_METHODS:
        engine = reading(engine)
    session = Session(engine)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
SessionDep = Annotated[Session, Depends(get_db)]


def _sign_in_request(request: Request, session: Session, user: User) -> User:
    scope_to_organisation(session, user.organisation_id or 0)
    request.state.user = user
    request.state.organisation = session.get(Organisation, user.organisation_id)
    return user


def get_optional_user(request: Request, session: SessionDep) -> User | None:
    """The user of the login session the cookie names, or None (ended, expired, unknown)."""
    session_id = request.session.get(SESSION_ID_KEY)
    if session_id is None:
        return None
    user = user_for_login_session(session, session_id)
    if user is None:
        request.session.pop(SESSION_ID_KEY, None)
        return None
    return _sign_in_request(request, session, user)


def get_current_user(user: Annotated[User | None, Depends(get_optional_user)]) -> User:
    if user is None:
        raise LoginRequired
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def require_roles(*roles: Role) -> Callable[[User], User]:
    """A dependency admitting only users with one of `roles`."""

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, _("Your role does not give access to this page.")
            )
        return user

    return check


AdminUser = Annotated[User, Depends(require_roles(Role.admin))]


def manager_scope(user: User) -> int | None:
    """The manager id to limit a user's lists by: a manager sees their own people only;
    None for roles that see the whole organisation."""
    return user.id if user.role == Role.manager else None


StaffUser = CurrentUser

_bearer = HTTPBearer(auto_error=False, description="An API token from `salesfit create-api-token`")


def get_api_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user owning the Bearer token; 401 when it is missing, unknown or revoked."""
    user = user_for_api_token(session, credentials.credentials) if credentials else None
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing, unknown or revoked API token; send 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    session.commit()  # records last_used_at
    return _sign_in_request(request, session, user)


ApiUser = Annotated[User, Depends(get_api_user)]

INVALID_LINK_MIN_SECONDS = 0.25
"""Every answer to a link that does not work takes at least this long (no timing oracle)."""
INVALID_LINK_LIMIT = 20
INVALID_LINK_WINDOW_SECONDS = 600.0
"""At most this many links that do not work per client address in the window (per process)."""
_limiter_lock = threading.Lock()


def app_limiter(
    request: Request, name: str, limit: int, window_seconds: float
) -> SlidingWindowLimiter:
    """The app's limiter called `name`, made on first use (one per app, in its process)."""
    state = request.app.state
    with _limiter_lock:
        limiters: dict[str, SlidingWindowLimiter] | None = getattr(state, "limiters", None)
        if limiters is None:
            limiters = state.limiters = {}
        limiter = limiters.get(name)
        if limiter is None:
            limiter = limiters[name] = SlidingWindowLimiter(limit, window_seconds)
    return limiter


def link_limiter(request: Request) -> SlidingWindowLimiter:
    """The app's limiter of failed candidate links, shared by the pages and the API."""
    return app_limiter(request, "candidate_link", INVALID_LINK_LIMIT, INVALID_LINK_WINDOW_SECONDS)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
