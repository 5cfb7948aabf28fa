"""The application factory.

`create_app` loads and validates the competency model and the instruments before anything
is served: an invalid model raises `DefinitionError` and the server does not start.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from fastapi import Depends, FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from app.config import Settings, get_settings
from app.db import make_engine
from app.i18n import gettext as _
from app.paths import STATIC_DIR
from app.scoring.loader import Catalog, load_catalog
from app.services.accounts import LOGIN_SESSION_LIFETIME
from app.web import admission
from app.web.accesslog import install_access_log_filter
from app.web.deps import LoginRequired
from app.web.headers import SecurityHeadersMiddleware
from app.web.input_guard import BadCharacter, refuse_bad_characters
from app.web.locale import LocaleMiddleware
from app.web.openapi import install_openapi
from app.web.routes import (
    admin,
    api,
    api_interviews,
    api_privacy,
    api_retake,
    api_staff,
    api_staff_work,
    auth,
    candidate,
    fairness,
    health,
    hr,
    pages,
    privacy,
    product_test,
    ranking,
    report,
    reviews,
    staff,
    teams,
    validation,
)
from app.web.templating import render

SWAGGER_UI_DIR = Path(inspect.getfile(FastAPIOffline)).parent / "static"
"""Swagger UI 5 (it reads OpenAPI 3.1), as fastapi-offline ships it."""
SESSION_COOKIE = "salesfit_session"
SESSION_MAX_AGE = int(LOGIN_SESSION_LIFETIME.total_seconds())


def create_app(
    settings: Settings | None = None,
    *,
    catalog: Catalog | None = None,
    engine: Engine | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    catalog = catalog or load_catalog(settings.model_file, settings.assessments_dir)
    engine = engine or make_engine(settings.database_url, capacity=settings.capacity)

    app = FastAPI(
        title="SalesFit",
        version="0.1.0",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by _install_docs with local assets instead of a CDN
        redoc_url=None,
        dependencies=[Depends(refuse_bad_characters)],
    )
    app.state.settings = settings
    app.state.catalog = catalog
    app.state.engine = engine
    install_access_log_filter()

    # Added innermost first: the session cookie is read before the language is chosen.
    app.add_middleware(LocaleMiddleware, default_language=settings.default_language)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.get_secret_key(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeadersMiddleware, https=settings.secure_cookies)
    admission.install(app, settings.capacity, settings.default_language)  # outermost: add last

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        health,
        auth,
        pages,
        admin,
        privacy,
        hr,
        reviews,
        ranking,
        report,
        teams,
        candidate,
        api,
        api_privacy,
        api_retake,
    ):
        app.include_router(module.router)
    app.include_router(api_retake.form_router)
    app.include_router(api_interviews.router)
    app.include_router(api_interviews.page_router)
    app.include_router(api_staff_work.router)
    app.include_router(staff.router)
    app.include_router(api_staff.router)
    app.include_router(validation.router)
    app.include_router(fairness.router)
    app.include_router(product_test.router)
    _install_docs(app)
    _install_error_handlers(app)
    install_openapi(app)
    return app


def _install_docs(app: FastAPI) -> None:
    """The OpenAPI page at /docs, with Swagger UI's files served by the app (no CDN)."""
    app.mount("/docs-assets", StaticFiles(directory=SWAGGER_UI_DIR), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        # FastAPI's get_swagger_ui_html starts Swagger UI with an inline script; this page
        # loads the same start-up from static/js/swagger-init.js (script-src 'self').
        return render(
            request, "docs/swagger.html", {"openapi_url": app.openapi_url or "/api/v1/openapi.json"}
        )


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "not signed in"}, status.HTTP_401_UNAUTHORIZED)
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        login = request.url_for("auth:login").include_query_params(next=target)
        return RedirectResponse(str(login.path) + "?" + login.query, status.HTTP_303_SEE_OTHER)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
        return render(
            request,
            "errors/error.html",
            {"status_code": exc.status_code, "message": _error_message(exc)},
            status_code=exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            # Only JSON-safe parts: a validator's ctx may hold an exception, an input NaN.
            errors = [
                {
                    "type": e["type"],
                    "loc": list(e["loc"]),
                    "msg": e["msg"],
                    **({"ctx": {k: str(v) for k, v in e["ctx"].items()}} if "ctx" in e else {}),
                }
                for e in exc.errors()
            ]
            return JSONResponse({"detail": errors}, status.HTTP_422_UNPROCESSABLE_CONTENT)
        if isinstance(exc, BadCharacter):
            return render(
                request,
                "errors/error.html",
                {
                    "status_code": status.HTTP_422_UNPROCESSABLE_CONTENT,
                    "message": exc.errors()[0]["msg"],
                },
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            )
        return render(
            request,
            "errors/error.html",
            {
                "status_code": status.HTTP_400_BAD_REQUEST,
                "message": _("The form was incomplete or had a value that is not allowed."),
            },
            status_code=status.HTTP_400_BAD_REQUEST,
        )


def _error_message(exc: HTTPException) -> str:
    if exc.status_code == status.HTTP_404_NOT_FOUND:
        return _("There is no such page here.")
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        return _("This address does not accept that kind of request.")
    return str(exc.detail)
