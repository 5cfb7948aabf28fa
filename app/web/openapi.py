"""The OpenAPI document at /api/v1/openapi.json: the JSON API and nothing else.

Pages are signed in by cookie and protected by CSRF; they are no API and are left out of the
document however they were declared, so a page added later cannot slip into it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import RouteContext, iter_route_contexts

API_PREFIX = "/api/"


def api_routes(app: FastAPI) -> list[RouteContext]:
    """The routes under /api/ (the only ones the document describes)."""
    return [
        context
        for context in iter_route_contexts(app.routes)
        if (context.path or "").startswith(API_PREFIX)
    ]


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` describe the API routes only (built once, then kept)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=api_routes(app),
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
