"""Words shown for stored codes (roles, statuses, units, recommendations, flags), in the
current language. One place for every page, report and export; templates get them all as
globals (app/web/templating.py)."""

from __future__ import annotations

from app.i18n import gettext as _
from app.scoring.validity import FLAGS


def _pick(value: object, labels: dict[str, str], default: str | None = None) -> str:
    return labels.get(str(value), str(value) if default is None else default)


def role_label(role: str) -> str:
    labels = {
        "admin": _("Administrator"),
        "hr": _("HR"),
        "head_of_sales": _("Head of sales"),
        "manager": _("Manager"),
    }
    return _pick(role, labels)


def status_label(status: str) -> str:
    labels = {"draft": _("Draft"), "open": _("Open"), "closed": _("Closed")}
    return _pick(status, labels)


def unit_label(unit: str) -> str:
    labels = {
        "count": _("count"),
        "percent": _("percent"),
        "days": _("days"),
        "hours": _("hours"),
        "money": _("money"),
        "score": _("score"),
    }
    return _pick(unit, labels)


def instrument_type_label(kind: str) -> str:
    labels = {
        "self_report": _("self-report questionnaire"),
        "forced_choice": _("forced-choice questionnaire"),
        "sjt": _("situational judgement test"),
        "knowledge": _("knowledge test"),
        "manager_rating": _("manager rating"),
        "work_sample": _("work sample"),
        "interview": _("structured interview"),
    }
    return _pick(kind, labels)


def instrument_type_short(kind: str) -> str:
    """A method's name short enough for a table cell."""
    labels = {
        "self_report": _("self-report"),
        "forced_choice": _("forced choice"),
        "sjt": _("situations"),
        "knowledge": _("knowledge"),
        "manager_rating": _("manager"),
        "work_sample": _("work sample"),
        "interview": _("interview"),
    }
    return _pick(kind, labels)


def invitation_status_label(value: str) -> str:
    labels = {
        "invited": _("Invited"),
        "opened": _("Opened"),
        "in_progress": _("In progress"),
        "completed": _("Completed"),
        "expired": _("Expired"),
        "revoked": _("Revoked"),
        "declined": _("Declined"),
    }
    return _pick(value, labels)


def status_group_label(group: str) -> str:
    """A group of invitation statuses (app.services.campaigns.STATUS_GROUPS), for a column."""
    labels = {
        "waiting": _("Not started"),
        "in_progress": _("In progress"),
        "completed": _("Completed"),
        "dropped": _("Dropped out"),
    }
    return _pick(group, labels)


def status_group_help(group: str) -> str:
    labels = {
        "waiting": _("Invited or opened the link, no answer yet"),
        "in_progress": _("Has answered some questions"),
        "completed": _("Finished; the result is stored"),
        "dropped": _("The link expired or was revoked, or the person declined consent"),
    }
    return _pick(group, labels)


def target_role_label(value: str) -> str:
    labels = {
        "active": _("Active sales"),
        "passive": _("Passive sales"),
        "either": _("Either (not decided yet)"),
    }
    return _pick(value, labels)


def person_kind_label(value: str) -> str:
    return _pick(value, {"candidate": _("Candidate"), "employee": _("Employee")})


def mail_status_label(value: str) -> str:
    labels = {
        "pending": _("Waiting"),
        "sending": _("Sending"),
        "sent": _("Sent"),
        "failed": _("Failed"),
    }
    return _pick(value, labels)


def recommendation_label(code: str | None) -> str:
    labels = {
        "active": _("Active sales"),
        "passive": _("Passive sales"),
        "both": _("Both active and passive sales"),
        "neither": _("Neither active nor passive sales"),
        "uncertain": _("Undecided: the evidence does not decide"),
        "insufficient_data": _("Not enough data to decide"),
        "invalid": _("Invalid: the answers cannot be relied on"),
    }
    return _pick(code, labels, _("No recommendation"))


def outcome_short(code: str | None) -> str:
    """An outcome in one or two words, for a narrow table cell (the full label is its title)."""
    labels = {
        "active": _("Active"),
        "passive": _("Passive"),
        "both": _("Both"),
        "neither": _("Neither"),
        "uncertain": _("Undecided"),
        "insufficient_data": _("Too little data"),
        "invalid": _("Invalid"),
    }
    return _pick(code, labels, "—")


def next_step_label(code: str) -> str:
    """What would decide an `uncertain` outcome."""
    labels = {
        "interview": _("a structured interview on the competencies named"),
        "manager_rating": _("the manager's rating"),
        "retest": _("a retest"),
    }
    return _pick(code, labels)


def engine_label(version: str | None) -> str:
    """The note on a result stored by the engine before intervals and outcomes (engine 1)."""
    return _("Scored by the earlier engine (model version %(version)s).") % {
        "version": version or "—"
    }


def confidence_label(code: str | None) -> str:
    return _pick(code, {"high": _("high"), "medium": _("medium"), "low": _("low")}, "—")


def severity_label(severity: str) -> str:
    return _pick(severity, {"serious": _("serious"), "caution": _("caution")})


def flag_text(code: str, language: str) -> str:
    """A flag's full sentence."""
    flag = FLAGS.get(code)
    return flag.text(language) if flag else code


def flag_title(code: str) -> str:
    """A flag in two or three words, for a table cell (the full sentence is its title)."""
    titles = {
        "too_fast": _("Too fast"),
        "straight_lining": _("Same answer in a row"),
        "failed_attention": _("Attention check failed"),
        "inconsistent": _("Inconsistent answers"),
        "impression_management": _("Too favourable self-report"),
        "method_discrepancy": _("Methods disagree"),
    }
    return _pick(code, titles)


def is_serious(code: str) -> bool:
    return code in FLAGS and FLAGS[code].severity == "serious"
