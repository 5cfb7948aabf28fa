"""Jinja2 templates with Babel's gettext, the CSRF field and a few helpers."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.background import BackgroundTask
from starlette.templating import _TemplateResponse

from app import i18n, labels
from app.paths import TEMPLATES_DIR
from app.web.csrf import csrf_input, csrf_token

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
)


@pass_context
def url_path(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
    """The path of a named route: links stay on whatever host and scheme served the page."""
    request: Request = context["request"]
    return request.url_for(name, **path_params).path


number = i18n.format_number


templates.env.filters["number"] = number
templates.env.globals.update(
    url_for=url_path,
    csrf_input=csrf_input,
    role_label=labels.role_label,
    status_label=labels.status_label,
    unit_label=labels.unit_label,
    instrument_type_label=labels.instrument_type_label,
    instrument_type_short=labels.instrument_type_short,
    invitation_status_label=labels.invitation_status_label,
    target_role_label=labels.target_role_label,
    person_kind_label=labels.person_kind_label,
    mail_status_label=labels.mail_status_label,
    recommendation_label=labels.recommendation_label,
    confidence_label=labels.confidence_label,
    flag_title=labels.flag_title,
    csrf_token=csrf_token,
    languages=i18n.LANGUAGES,
    language_names=i18n.LANGUAGE_NAMES,
    current_language=i18n.get_language,
)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    background: BackgroundTask | None = None,
) -> _TemplateResponse:
    """Render a page with the common context (the signed-in user, the language)."""
    base = {
        "user": getattr(request.state, "user", None),
        "organisation": getattr(request.state, "organisation", None),
        "language": i18n.get_language(),
    }
    base.update(context or {})
    return templates.TemplateResponse(
        request, template, base, status_code=status_code, background=background
    )
