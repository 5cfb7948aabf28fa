"""Admission control and the answer when the service cannot serve: 503 with Retry-After.

One app process handles at most CONCURRENCY requests at once (`app.config.Capacity`). The
worker threads and the connection pool are sized from the same number, so an admitted request
never waits for a thread while it holds a database connection, nor for a connection: the
circular wait that froze the server at 64 connections (issue 9) cannot form. More requests wait
in line, first come first served, for at most WAIT_SECONDS; a request that would wait longer,
or finds the line full, gets 503 with Retry-After at once — JSON under /api/, a short page in
the person's language elsewhere. The probes /healthz and /readyz skip the line: they answer on
the event loop (the readiness probe's one query runs on its own threads).

A database that cannot be reached, or that stays locked past WAIT_SECONDS, is answered the same
way (503, a clear message, Retry-After) instead of a 500 or a hang.
"""

from __future__ import annotations

import html
import logging

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from fastapi import FastAPI, Request
from sqlalchemy import exc as sa_exc
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app import i18n
from app.config import RETRY_AFTER_SECONDS, WAIT_SECONDS, Capacity
from app.i18n import gettext as _
from app.web.locale import COOKIE as LANGUAGE_COOKIE

log = logging.getLogger(__name__)

PROBES = frozenset({"/healthz", "/readyz"})


def busy_message() -> str:
    return _("The service is busy right now. Please try again in a few seconds.")


def database_message() -> str:
    return _("The database is not available right now. Please try again in a few seconds.")


def unavailable(path: str, message: str) -> Response:
    """503 with Retry-After: `{"detail": message}` under /api/, a short page elsewhere."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if path.startswith("/api/"):
        return JSONResponse({"detail": message}, 503, headers=headers)
    title = html.escape(_("Please try again in a moment"))
    page = (
        f'<!doctype html><html lang="{i18n.get_language()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{title} · SalesFit</title><link rel="stylesheet" href="/static/css/app.css">'
        f'</head><body><main id="main"><section class="card narrow"><h1>{title}</h1>'
        f"<p>{html.escape(message)}</p></section></main></body></html>"
    )
    return HTMLResponse(page, 503, headers=headers)


class AdmissionMiddleware:
    """Pure ASGI middleware, outermost: at most `capacity.requests` requests at once."""

    def __init__(self, app: ASGIApp, capacity: Capacity, default_language: str = "en") -> None:
        self.app = app
        self.capacity = capacity
        self.default_language = default_language
        self.waiting = 0
        # per event loop (a test client may run several in turn)
        self._slots: RunVar[anyio.Semaphore] = RunVar(f"salesfit_admission_{id(self)}")

    def _semaphore(self) -> anyio.Semaphore:
        try:
            return self._slots.get()
        except LookupError:
            anyio.to_thread.current_default_thread_limiter().total_tokens = self.capacity.threads
            semaphore = anyio.Semaphore(self.capacity.requests)
            self._slots.set(semaphore)
            return semaphore

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PROBES:
            await self.app(scope, receive, send)
            return
        slots = self._semaphore()
        admitted = False
        if slots.value > 0 and not self.waiting:
            await slots.acquire()  # free: no wait
            admitted = True
        elif self.waiting < self.capacity.waiting:
            self.waiting += 1
            try:
                with anyio.move_on_after(WAIT_SECONDS):
                    await slots.acquire()
                    admitted = True
            finally:
                self.waiting -= 1
        if not admitted:
            await self._refuse(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = HTTPConnection(scope)
        language = (
            i18n.pick_language(connection.query_params.get("lang"))
            or i18n.pick_language(connection.cookies.get(LANGUAGE_COOKIE))
            or i18n.negotiate(connection.headers.get("accept-language"))
            or self.default_language
        )
        with i18n.language(language):
            response = unavailable(scope["path"], busy_message())
        await response(scope, receive, send)


def _database_unavailable(request: Request, exc: Exception) -> Response:
    if isinstance(exc, sa_exc.DBAPIError) and not (
        isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)
        or exc.connection_invalidated
    ):
        raise exc  # a mistake in a statement, not an outage: a 500 with its traceback
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return unavailable(request.url.path, database_message())


def install(app: FastAPI, capacity: Capacity, default_language: str) -> None:
    """Admission control (outermost middleware: add it last) and 503 for database outages."""
    for error in (sa_exc.DBAPIError, sa_exc.TimeoutError):
        app.add_exception_handler(error, _database_unavailable)
    app.add_middleware(AdmissionMiddleware, capacity=capacity, default_language=default_language)
