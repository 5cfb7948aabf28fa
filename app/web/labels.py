"""Words shown for stored codes (roles, statuses, units), in the request's language."""

from __future__ import annotations

from app.i18n import gettext as _


def role_label(role: str) -> str:
    labels = {
        "admin": _("Administrator"),
        "hr": _("HR"),
        "head_of_sales": _("Head of sales"),
        "manager": _("Manager"),
    }
    return labels.get(str(role), str(role))


def status_label(status: str) -> str:
    labels = {"draft": _("Draft"), "open": _("Open"), "closed": _("Closed")}
    return labels.get(str(status), str(status))


def unit_label(unit: str) -> str:
    labels = {
        "count": _("count"),
        "percent": _("percent"),
        "days": _("days"),
        "hours": _("hours"),
        "money": _("money"),
        "score": _("score"),
    }
    return labels.get(str(unit), str(unit))


def instrument_type_label(kind: str) -> str:
    labels = {
        "self_report": _("self-report questionnaire"),
        "sjt": _("situational judgement test"),
        "knowledge": _("knowledge test"),
        "manager_rating": _("manager rating"),
        "work_sample": _("work sample"),
    }
    return labels.get(str(kind), str(kind))
