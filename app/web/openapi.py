"""The OpenAPI document at /api/v1/openapi.json: the JSON API and nothing else.

Pages are signed in by cookie and protected by CSRF; they are no API and are left out of the
document however they were declared, so a page added later cannot slip into it.

Every operation also documents the errors it can answer, with their bodies (`document_errors`):
400 (a body that is not JSON), 401 and 403 (the token; its role), 404 (a path naming nothing
the token may see), 422 (an invalid request: FastAPI's list of errors, or the operation's own
body where it declares one; any string with NUL or an unpaired surrogate is refused so), 429
(the limiter of candidate links, with Retry-After). Schemathesis holds the app to it
(tests/security/test_schemathesis.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import (
    get_openapi,
    validation_error_definition,
    validation_error_response_definition,
)
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
            document_errors(app.openapi_schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


ERROR = {"$ref": "#/components/schemas/ErrorOut"}
VALIDATION = {"$ref": "#/components/schemas/HTTPValidationError"}
ERROR_SCHEMA = {
    "title": "ErrorOut",
    "type": "object",
    "properties": {
        "detail": {
            "title": "Detail",
            "type": "string",
            "description": "What is wrong and how to fix it.",
        },
        "field": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "title": "Field",
            "description": "The field of the request at fault.",
        },
    },
    "required": ["detail"],
}
DESCRIPTIONS = {
    400: "The body could not be read (not JSON, or not UTF-8).",
    401: "No token, or an unknown or revoked one.",
    403: "The token's role may not do this.",
    404: "Nothing with this id or link that the caller may see.",
    422: "The request is invalid: the list of errors (`loc` names the field), or the operation's own error body.",
    429: "Too many links that do not work from this address: try after Retry-After seconds.",
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def document_errors(document: dict[str, Any]) -> None:
    """Add the error answers every operation can give, with their bodies (see above)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorOut", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", validation_error_definition)
    schemas.setdefault("HTTPValidationError", validation_error_response_definition)
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            codes = {422}
            if operation.get("requestBody"):
                codes.add(400)
            if operation.get("security"):
                codes |= {401, 403}
            if "{" in path:
                codes.add(404)
            if "{token}" in path:
                codes.add(429)
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(str(code), {"description": DESCRIPTIONS[code]})
            for code, response in responses.items():
                if not code.startswith("4"):
                    continue
                body = response.setdefault("content", _json(ERROR)).setdefault(
                    "application/json", {"schema": ERROR}
                )
                if code == "422":  # the operation's own refusal, or the list of errors
                    declared = body.get("schema")
                    own = declared if declared not in (None, VALIDATION) else ERROR
                    if "anyOf" not in own:
                        body["schema"] = {"anyOf": [own, VALIDATION]}
            if "429" in responses:
                responses["429"].setdefault(
                    "headers",
                    {
                        "Retry-After": {
                            "description": "Seconds to wait.",
                            "schema": {"type": "integer"},
                        }
                    },
                )
