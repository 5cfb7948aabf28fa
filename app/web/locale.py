"""Choose each request's language: a `?lang=` link parameter, the signed-in user's setting,
the `lang` cookie, then Accept-Language, then the configured default."""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n

COOKIE = "lang"
SESSION_KEY = "lang"


class LocaleMiddleware:
    """Pure ASGI middleware (sets a context variable seen by the whole request)."""

    def __init__(self, app: ASGIApp, default_language: str) -> None:
        self.app = app
        self.default_language = default_language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        from_link = i18n.pick_language(connection.query_params.get("lang"))
        session = scope.get("session") or {}
        language = (
            from_link
            or i18n.pick_language(session.get(SESSION_KEY))
            or i18n.pick_language(connection.cookies.get(COOKIE))
            or i18n.negotiate(connection.headers.get("accept-language"))
            or self.default_language
        )
        scope.setdefault("state", {})["language"] = language
        i18n.set_language(language)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if from_link and from_link != connection.cookies.get(COOKIE):
                    cookie: SimpleCookie = SimpleCookie()
                    cookie[COOKIE] = from_link
                    cookie[COOKIE]["path"] = "/"
                    cookie[COOKIE]["max-age"] = 365 * 24 * 3600
                    cookie[COOKIE]["samesite"] = "lax"
                    headers.append("set-cookie", cookie.output(header="").strip())
                headers.setdefault("content-language", language)
                vary = headers.get("vary")
                if not vary or "accept-language" not in vary.lower():
                    headers["vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
            await send(message)

        await self.app(scope, receive, send_with_cookie)
