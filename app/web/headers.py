"""Security headers on every response (a pure ASGI middleware: no cost per request beyond
adding them).

- Content-Security-Policy: scripts, styles, images and connections only from this site, no
  plugins, no framing (`frame-ancestors 'none'`). Pages have no inline script or style (a test
  reads every template); the API docs page gets its own policy, since Swagger UI sets styles
  inline (its script is a static file all the same).
- X-Content-Type-Options: nosniff; Referrer-Policy: same-origin (candidate pages send none).
- Strict-Transport-Security when BASE_URL is https.
- Cache-Control: no-store on everything but static files: pages, JSON and exports carry
  personal data or live links (reports, results, the campaign page, the questionnaire), and
  no browser or proxy should keep a copy.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATH = "/docs"
CACHEABLE_PREFIXES = ("/static/", "/docs-assets/")
HSTS = "max-age=31536000"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        policy = DOCS_POLICY if path == DOCS_PATH else POLICY
        cacheable = path.startswith(CACHEABLE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                if self.https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
