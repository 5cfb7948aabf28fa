"""The application factory.

`create_app` loads and validates the competency model and the instruments before anything
is served: an invalid model raises `DefinitionError` and the server does not start.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from swagger_ui_bundle import swagger_ui_path

from app.config import Settings, get_settings
from app.db import make_engine
from app.i18n import gettext as _
from app.paths import STATIC_DIR
from app.scoring.loader import Catalog, load_catalog
from app.web import admission
from app.web.deps import LoginRequired
from app.web.locale import LocaleMiddleware
from app.web.routes import (
    admin,
    api,
    api_staff_work,
    auth,
    candidate,
    health,
    hr,
    pages,
    ranking,
    report,
    reviews,
    teams,
)
from app.web.templating import render

SESSION_COOKIE = "salesfit_session"
SESSION_MAX_AGE = 12 * 3600


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
    )
    app.state.settings = settings
    app.state.catalog = catalog
    app.state.engine = engine

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
    admission.install(app, settings.capacity, settings.default_language)  # outermost: add last

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (health, auth, pages, admin, hr, reviews, ranking, report, teams, candidate, api):
        app.include_router(module.router)
    app.include_router(api_staff_work.router)
    _install_docs(app)
    _install_error_handlers(app)
    return app


def _install_docs(app: FastAPI) -> None:
    """The OpenAPI page at /docs, with Swagger UI's files served by the app (no CDN)."""
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/api/v1/openapi.json",
            title="SalesFit API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
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
