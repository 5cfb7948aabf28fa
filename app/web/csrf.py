"""CSRF protection for every form post: a per-session token, sent back in each form.

Pages put `{{ csrf_input(request) }}` in every form; routers of HTML pages carry the
`verify_csrf` dependency, which rejects any unsafe request whose token is missing or wrong.
JavaScript may send the same token in an `X-CSRF-Token` header. The Bearer-token API needs
none: it does not use cookies.
"""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request, status
from markupsafe import Markup, escape

from app.i18n import gettext as _
from app.security import tokens_equal

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BYTES = 2 * 1024 * 1024
"""Forms larger than this are refused before their body is read (uploads are at most 1 MB)."""


def csrf_token(request: Request) -> str:
    """This session's token, created on first use."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def rotate_csrf_token(request: Request) -> None:
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)


def csrf_input(request: Request) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FIELD, escape(csrf_token(request))
    )


async def verify_csrf(request: Request) -> None:
    """Dependency: reject an unsafe request without this session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(SESSION_KEY)
    sent = request.headers.get(HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > MAX_FORM_BYTES:
                raise HTTPException(
                    status.HTTP_413_CONTENT_TOO_LARGE,
                    _(
                        "The file is larger than %(size)s MB. Split it into smaller files and upload them one by one."
                    )
                    % {"size": 1},
                )
            value = (await request.form()).get(FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not tokens_equal(str(expected), sent):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            _("The form expired or came from another site. Reload the page and try again."),
        )
