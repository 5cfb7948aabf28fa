"""Jinja2 templates with Babel's gettext, the CSRF field and a few helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_skeleton, format_time, get_datetime_format
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.background import BackgroundTask
from starlette.templating import _TemplateResponse

from app import i18n, labels
from app.paths import TEMPLATES_DIR
from app.services.snapshot_view import interval_text, percent, points
from app.web.csrf import csrf_input, csrf_token

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=i18n.gettext, ngettext=i18n.ngettext, pgettext=i18n.pgettext, newstyle=True
)


@pass_context
def url_path(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
    """The path of a named route: links stay on whatever host and scheme served the page."""
    request: Request = context["request"]
    return request.url_for(name, **path_params).path


number = i18n.format_number


def day(value: date | datetime | None) -> str:
    """A date the way the page's language writes it (28 нояб. 2026 г. / Nov 28, 2026)."""
    if value is None:
        return "—"
    return format_skeleton("yMMMd", value, locale=i18n.get_language())


def moment(value: datetime | str | None) -> str:
    """A date and time (UTC, 24-hour clock) the way the page's language writes them; an ISO
    8601 string (as a report model carries it) is read first."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    language = i18n.get_language()
    pattern = str(get_datetime_format("medium", locale=language))
    time_text = format_time(value, "HH:mm", tzinfo=UTC, locale=language)
    return pattern.replace("{0}", time_text).replace("{1}", day(value.astimezone(UTC)))


def version_label(version: str) -> str:
    """A model or instrument version as staff read it: the declared version without the
    file's hash (`2026.1+e2d5d5a76897` → `2026.1`); results keep the whole version."""
    return version.split("+", 1)[0]


templates.env.filters["number"] = number
templates.env.filters["version_label"] = version_label
templates.env.filters["day"] = day
templates.env.filters["moment"] = moment
templates.env.filters["points"] = points
templates.env.filters["percent"] = percent
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
    status_group_label=labels.status_group_label,
    status_group_help=labels.status_group_help,
    person_kind_label=labels.person_kind_label,
    mail_status_label=labels.mail_status_label,
    recommendation_label=labels.recommendation_label,
    confidence_label=labels.confidence_label,
    flag_title=labels.flag_title,
    is_serious=labels.is_serious,
    outcome_short=labels.outcome_short,
    severity_label=labels.severity_label,
    engine_label=labels.engine_label,
    interval_text=interval_text,
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
