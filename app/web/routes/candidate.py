"""The candidate's pages, reached by a personal link `/a/{token}` without an account.

consent → instructions → each section in pages of a few questions → finish → thank-you.
Every page works without JavaScript (each page's form post saves its answers, keeping every
valid one); with JavaScript (static/js/questionnaire.js) each answer is saved at once through
the JSON API.

A link that has been used to finish gets a "you have already finished, thank you" page (only
the holder of a working link sees it). A link that does not work (unknown, expired, revoked,
declined) always gets the same page, status and minimum response time, so the answer reveals
nothing about anyone;
repeated failures from one address are rate-limited (see app/services/ratelimit.py: the
count is per process). The limiter keys on the client address the server sees, so behind a
reverse proxy run uvicorn with `--proxy-headers --forwarded-allow-ips=<the proxy>`.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app import i18n
from app.db import utcnow
from app.i18n import gettext as _
from app.i18n import ngettext
from app.models import Campaign, Invitation, InvitationStatus, Organisation
from app.scoring.loader import Catalog
from app.services import results
from app.services import sessions as answering
from app.services.campaigns import find_invitation
from app.services.catalogs import organisation_catalog
from app.services.errors import Conflict, Invalid
from app.services.report import candidate_feedback
from app.web.csrf import verify_csrf
from app.web.deps import CatalogDep, SessionDep, client_address, get_catalog, link_limiter
from app.web.templating import render

router = APIRouter(prefix="/a", dependencies=[Depends(verify_csrf)], include_in_schema=False)

INVALID_LINK_MIN_SECONDS = 0.25
"""Every response for a link that does not work takes at least this long (no timing oracle)."""

LANGUAGE_KEY = "candidate_language"  # the language the person chose with ?lang=
ENDED_KEY = "candidate_ended"  # the invitation this browser just completed or declined

CLOSED = frozenset(
    {
        InvitationStatus.revoked,
        InvitationStatus.expired,
        InvitationStatus.completed,
        InvitationStatus.declined,
    }
)
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the address
    "X-Robots-Tag": "noindex, nofollow",
}
_INTEGER = re.compile(r"-?\d{1,9}")


# ----------------------------------------------------------------------------- links


@dataclass(frozen=True)
class Visit:
    """A working link: the invitation, its campaign and organisation, the page language."""

    token: str
    invitation: Invitation
    campaign: Campaign
    organisation: Organisation | None
    language: str
    catalog: Catalog
    """The organisation's catalog (its product test, calibrated versions; catalogs.py)."""


def _private(response: Response) -> Response:
    response.headers.update(PRIVATE_HEADERS)
    return response


def _page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    return _private(render(request, template, context, status_code=status_code))


def _redirect(request: Request, name: str, **params: Any) -> Response:
    query = params.pop("_query", "")
    target = request.url_for(name, **params).path + (f"?{query}" if query else "")
    return _private(RedirectResponse(target, status.HTTP_303_SEE_OTHER))


def _invalid_link(request: Request, started: float) -> Response:
    """The one page for every link that does not work, padded to a fixed minimum time."""
    response = _page(request, "candidate/invalid_link.html", {}, status_code=404)
    remaining = INVALID_LINK_MIN_SECONDS - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
    return response


def _finished(request: Request, session: Session, invitation: Invitation) -> Response:
    """A finished person opening their link again: thanks, not "this link does not work"."""
    _choose_language(request, invitation)
    organisation = session.get(Organisation, invitation.organisation_id)
    request.state.organisation = organisation
    return _page(
        request,
        "candidate/finished.html",
        {
            "organisation_name": organisation.name if organisation else "",
            "completed_at": invitation.completed_at,
        },
    )


def _choose_language(request: Request, invitation: Invitation) -> str:
    """?lang= (remembered in this browser), else the invitation's language."""
    chosen = i18n.pick_language(request.query_params.get("lang"))
    if chosen:
        request.session[LANGUAGE_KEY] = chosen
    else:
        chosen = i18n.pick_language(request.session.get(LANGUAGE_KEY))
    language = chosen or i18n.pick_language(invitation.language) or i18n.get_language()
    i18n.set_language(language)
    request.state.language = language
    return language


def _open(
    request: Request,
    session: Session,
    token: str,
    *,
    ended: InvitationStatus | None = None,
) -> Visit | Response:
    """The visit of a working link, or the response to give instead (generic page or 429).

    `ended` admits a link in that final state when this browser just ended it (the
    thank-you and the declined pages)."""
    started = time.monotonic()
    limiter = link_limiter(request)
    address = client_address(request)
    wait = limiter.retry_after(address)
    if wait:
        minutes = max(1, math.ceil(wait / 60))
        response = _page(request, "candidate/too_many.html", {"minutes": minutes}, status_code=429)
        response.headers["Retry-After"] = str(wait)
        return response
    invitation = find_invitation(session, token)
    campaign = None
    if invitation is not None:
        state = invitation.status(utcnow())
        just_ended = state is ended and request.session.get(ENDED_KEY) == invitation.id
        if state not in CLOSED or just_ended:
            campaign = session.get(Campaign, invitation.campaign_id)
        elif state is InvitationStatus.completed:
            return _finished(request, session, invitation)
    if invitation is None or campaign is None:
        limiter.hit(address)
        session.rollback()  # no lock (SQLite's write lock on a POST) held while padding
        return _invalid_link(request, started)
    organisation = session.get(Organisation, invitation.organisation_id)
    request.state.organisation = organisation  # the footer names who is assessing
    catalog = organisation_catalog(session, get_catalog(request))
    language = _choose_language(request, invitation)
    return Visit(token, invitation, campaign, organisation, language, catalog)


# ----------------------------------------------------------------------------- the questionnaire


PAGE_SIZES = {
    "likert": 8,
    "choice": 5,
    "multiple_choice": 5,
    "best_worst": 3,
    "forced_choice": 4,
    "rate_each": 3,
    "text": 1,
}
"""The most questions of a kind on one page: at most about five phone screens of scrolling
(74 agreement statements on one page were about 42). Pages of a section are balanced."""


def paginate(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """A section's items in pages of at most PAGE_SIZES of their kind, as even as possible."""
    if not items:
        return [[]]
    limit = min(PAGE_SIZES.get(item["type"], 5) for item in items)
    count = math.ceil(len(items) / limit)
    size, extra = divmod(len(items), count)
    pages, begin = [], 0
    for number in range(count):
        end = begin + size + (1 if number < extra else 0)
        pages.append(items[begin:end])
        begin = end
    return pages


@dataclass(frozen=True)
class Questionnaire:
    """The sections as the person sees them, each split into pages."""

    sections: list[dict[str, Any]]
    pages: list[list[list[dict[str, Any]]]]  # per section, per page, the items

    @classmethod
    def of(cls, sections: list[dict[str, Any]]) -> Questionnaire:
        return cls(sections, [paginate(section["items"]) for section in sections])

    def items(self, n: int, p: int) -> list[dict[str, Any]]:
        return self.pages[n - 1][p - 1]

    def page_count(self, n: int) -> int:
        return len(self.pages[n - 1])

    def offset(self, n: int, p: int) -> int:
        """How many of the section's questions come before page `p` (for their numbers)."""
        return sum(len(page) for page in self.pages[n - 1][: p - 1])

    def place_of(self, item_id: str) -> tuple[int, int] | None:
        for n, pages in enumerate(self.pages, start=1):
            for p, page in enumerate(pages, start=1):
                if any(item["id"] == item_id for item in page):
                    return n, p
        return None

    def after(self, n: int, p: int) -> tuple[int, int] | None:
        if p < self.page_count(n):
            return n, p + 1
        return (n + 1, 1) if n < len(self.sections) else None

    def before(self, n: int, p: int) -> tuple[int, int] | None:
        if p > 1:
            return n, p - 1
        return (n - 1, self.page_count(n - 1)) if n > 1 else None


def _questionnaire(visit: Visit) -> Questionnaire:
    return Questionnaire.of(answering.sections(visit.catalog, visit.campaign, visit.language))


def _page_path(request: Request, token: str, n: int, p: int = 1) -> str:
    """The address of page `p` of section `n` (the first page is the section's address)."""
    if p <= 1:
        return request.url_for("candidate:section", token=token, n=n).path
    return request.url_for("candidate:section_page", token=token, n=n, p=p).path


def _progress(q: Questionnaire, answers: Mapping[str, Any]) -> tuple[int, int]:
    items = [item for section in q.sections for item in section["items"]]
    done = sum(1 for item in items if item["id"] in answers and not _partial(item, answers))
    return done, len(items)


def _partial(item: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """A forced-choice block with one pick only (stored, not yet an answer)."""
    value = answers.get(item["id"])
    return item["type"] == "forced_choice" and not (
        isinstance(value, Mapping) and value.get("most") and value.get("least")
    )


def _first_open_place(
    session: Session, catalog: Catalog, visit: Visit, q: Questionnaire
) -> tuple[int, int] | None:
    """The first page with a question still to answer (timed-out sections excepted)."""
    for item_id in answering.unanswered(session, visit.invitation, catalog):
        place = q.place_of(item_id)
        if place is not None:
            return place
    return None


def _resume_target(request: Request, session: Session, catalog: Catalog, visit: Visit) -> Response:
    """Where a returning person continues: instructions, the first page with unanswered
    questions, or the finish page."""
    if visit.invitation.started_at is None and not answering.stored_answers(
        session, visit.invitation
    ):
        return _redirect(request, "candidate:instructions", token=visit.token)
    place = _first_open_place(session, catalog, visit, _questionnaire(visit))
    if place is not None:
        return _private(
            RedirectResponse(_page_path(request, visit.token, *place), status.HTTP_303_SEE_OTHER)
        )
    return _redirect(request, "candidate:finish", token=visit.token)


def _shown(item: Mapping[str, Any], value: Any) -> Any:
    """A stored or submitted answer in the shape the form controls compare with."""
    if value is None:
        return None
    kind = item["type"]
    if kind == "multiple_choice":
        picks = value if isinstance(value, list | tuple) else [value]
        return {str(p) for p in picks}
    if kind in ("best_worst", "rate_each", "forced_choice"):
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}
    return str(value)


def _number_or_raw(value: str) -> int | str:
    """A whole number as int; anything else unchanged, for the service to refuse by name."""
    value = value.strip()
    return int(value) if _INTEGER.fullmatch(value) else value


@dataclass
class FormAnswers:
    answers: dict[str, Any]  # complete answers, as the service expects them
    shown: dict[str, Any]  # everything submitted, for showing the form again
    incomplete: list[str]  # best/worst or rate-each items only partly answered


def _from_form(items: list[dict[str, Any]], form: FormData) -> FormAnswers:
    """The answers of one page's form, converted to the JSON values of the API."""
    result = FormAnswers({}, {}, [])
    for item in items:
        item_id, kind = item["id"], item["type"]
        value: Any = None
        if kind in ("likert", "choice", "text"):
            raw = form.get(item_id)
            if isinstance(raw, str) and raw.strip():
                if kind == "likert":
                    value = _number_or_raw(raw)
                elif kind == "choice":
                    value = raw.strip()
                else:
                    value = raw.replace("\r\n", "\n")
        elif kind == "multiple_choice":
            checked = {p.strip() for p in form.getlist(item_id) if isinstance(p, str)} - {""}
            value = sorted(checked) or None
        elif kind == "best_worst":
            sides = {
                side: str(form.get(f"{item_id}:{side}") or "").strip() for side in ("best", "worst")
            }
            given = {side: pick for side, pick in sides.items() if pick}
            if len(given) == 2:
                value = given
            elif given:
                result.shown[item_id] = given
                result.incomplete.append(item_id)
        elif kind == "forced_choice":
            sides = {
                side: str(form.get(f"{item_id}:{side}") or "").strip() for side in ("most", "least")
            }
            given = {side: pick for side, pick in sides.items() if pick}
            if given:
                value = given  # one pick alone is stored as a partial block (scored as missing)
            if len(given) == 1:
                result.incomplete.append(item_id)
        elif kind == "rate_each":
            ratings = {
                option["id"]: str(form.get(f"{item_id}:{option['id']}") or "").strip()
                for option in item["options"]
            }
            given = {option: rating for option, rating in ratings.items() if rating}
            if len(given) == len(ratings):
                value = {option: _number_or_raw(rating) for option, rating in given.items()}
            elif given:
                result.shown[item_id] = given
                result.incomplete.append(item_id)
        if value is not None:
            result.answers[item_id] = value
            result.shown[item_id] = value
    return result


def _seconds_from_form(form: FormData, item_ids: set[str]) -> dict[str, float]:
    """Seconds per item measured by the page's script (optional; bad input is ignored)."""
    raw = form.get("seconds_json")
    if not isinstance(raw, str) or not raw or len(raw) > 20_000:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {
        key: round(float(value), 1)
        for key, value in parsed.items()
        if key in item_ids
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 <= value < 86_400
    }


def _script_strings(total: int) -> dict[str, str]:
    """The script's messages, translated here (it has no catalog of its own)."""
    return {
        "saving": _("Saving…"),
        "saved": _("Saved ✓"),
        "retry": _("Not saved — will retry"),
        "fallback": _("Your answers will be saved when you press the button below."),
        "autosaved": _(
            "Every answer is saved as you give it: you can close this page at any time and "
            "continue later with the same link."
        ),
        "progress": _("Answered: %(answered)s of %(total)s"),
        "words": _("Words: %(count)s (from %(min)s to %(max)s)"),
        "words_short": _("%(more)s more words needed before this section can be finished."),
        "words_long": _("%(fewer)s words too many: shorten the answer to finish this section."),
        "time_left": _("Time left: %(time)s"),
        "time_over": _("Time is up."),
        "time_up": _(
            "Time is up for this section. The answers you gave in time are kept; continue with the button below."
        ),
        "total": str(total),
    }


def _item_problem(item: Mapping[str, Any], value: Any, reason: str) -> str:
    """Why a submitted answer was refused, in the page's language (the scoring core's reasons
    are for machines and in English)."""
    kind = item["type"]
    if kind == "text":
        return reason  # already in the page's language (app/services/sessions.py)
    if (
        kind == "best_worst"
        and isinstance(value, Mapping)
        and value.get("best") == value.get("worst")
    ):
        return _(
            "You chose the same option as the most and the least effective. Choose two "
            "different options."
        )
    if (
        kind == "forced_choice"
        and isinstance(value, Mapping)
        and value.get("most") == value.get("least")
    ):
        return _(
            "You chose the same statement as the most and the least like you. Choose two "
            "different statements."
        )
    return _("This answer is not one of the options offered; choose one of them.")


def _section_context(
    request: Request,
    session: Session,
    catalog: Catalog,
    visit: Visit,
    q: Questionnaire,
    n: int,
    p: int,
    *,
    submitted: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """What a page shows; `submitted` (a form shown again) wins over what is stored."""
    answers = answering.stored_answers(session, visit.invitation)
    section = q.sections[n - 1]
    items = q.items(n, p)
    answered, total = _progress(q, answers)
    here = {item["id"] for item in items}
    everywhere = {item["id"] for s in q.sections for item in s["items"]}
    values = {}
    for item in items:
        value = (submitted or {}).get(item["id"], answers.get(item["id"]))
        values[item["id"]] = _shown(item, value)
    remaining = None
    started = True
    if section["time_limit_s"]:
        left = answering.remaining_seconds(session, visit.invitation, catalog)
        started = section["id"] in left
        remaining = left.get(section["id"])
    before = q.before(n, p)
    context: dict[str, Any] = {
        "token": visit.token,
        "section": section,
        "items": items,
        "number": n,
        "count": len(q.sections),
        "page": p,
        "pages": q.page_count(n),
        "offset": q.offset(n, p),
        "last": q.after(n, p) is None,
        "action_url": _page_path(request, visit.token, n, p),
        "previous_part_url": _page_path(request, visit.token, n - 1) if n > 1 else None,
        "back_url": _page_path(request, visit.token, *before) if before else None,
        "values": values,
        "answered": answered,
        "answered_elsewhere": sum(1 for i in answers if i in everywhere and i not in here),
        "total": total,
        "percent": round(100 * answered / total) if total else 0,
        "remaining": remaining,
        "started": started,
        "time_up": remaining == 0,
        "strings": _script_strings(total),
        "api_url": f"/api/v1/sessions/{visit.token}/answers",
        "errors": {},
        "lengths": {
            k: v
            for k, v in answering.word_problems(session, visit.invitation, catalog).items()
            if k in here
        },
        "missing": [],
        "incomplete": [],
        "message": None,
        "notice": None,
        "continue_url": None,
    }
    context.update(extra)
    return context


def _consent_context(visit: Visit) -> dict[str, Any]:
    instruments = answering.person_instruments(visit.catalog, visit.campaign)
    return {
        "token": visit.token,
        "organisation_name": visit.organisation.name if visit.organisation else "",
        "retention_days": visit.organisation.retention_days if visit.organisation else 365,
        "consent_version": answering.CONSENT_VERSION,
        "parts": len(instruments),
        "minutes": round(sum(i.minutes for i in instruments)),
    }


# ----------------------------------------------------------------------------- routes


async def _form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(_form)]


@router.get("/{token}", name="candidate:start")
def start(request: Request, token: str, session: SessionDep, catalog: CatalogDep) -> Response:
    """The link itself: consent first, then wherever the person stopped."""
    visit = _open(request, session, token)
    if isinstance(visit, Response):
        return visit
    answering.mark_opened(session, visit.invitation)
    session.commit()
    if not answering.consent_given(session, visit.invitation):
        return _page(request, "candidate/consent.html", _consent_context(visit))
    return _resume_target(request, session, catalog, visit)


@router.post("/{token}/consent", name="candidate:consent")
def consent(
    request: Request,
    token: str,
    session: SessionDep,
    catalog: CatalogDep,
    accepted: Annotated[str, Form()] = "",
) -> Response:
    """Accept (then the instructions) or decline (only the refusal is stored)."""
    visit = _open(request, session, token)
    if isinstance(visit, Response):
        return visit
    if accepted not in ("0", "1"):
        context = _consent_context(visit)
        context["message"] = _("Choose one of the two buttons: agree or do not agree.")
        return _page(request, "candidate/consent.html", context, status_code=400)
    try:
        answering.record_consent(
            session, visit.invitation, accepted=accepted == "1", language=visit.language
        )
    except Conflict:
        return _invalid_link(request, time.monotonic())
    session.commit()
    if accepted == "0" and visit.invitation.declined_at is not None:
        request.session[ENDED_KEY] = visit.invitation.id
        return _redirect(request, "candidate:declined", token=token)
    return _redirect(request, "candidate:instructions", token=token)


@router.get("/{token}/declined", name="candidate:declined")
def declined(request: Request, token: str, session: SessionDep) -> Response:
    visit = _open(request, session, token, ended=InvitationStatus.declined)
    if isinstance(visit, Response):
        return visit
    if visit.invitation.declined_at is None:
        return _redirect(request, "candidate:start", token=token)
    return _page(
        request,
        "candidate/declined.html",
        {"organisation_name": visit.organisation.name if visit.organisation else ""},
    )


@router.get("/{token}/instructions", name="candidate:instructions")
def instructions(
    request: Request, token: str, session: SessionDep, catalog: CatalogDep
) -> Response:
    visit = _open(request, session, token)
    if isinstance(visit, Response):
        return visit
    if not answering.consent_given(session, visit.invitation):
        return _redirect(request, "candidate:start", token=token)
    q = _questionnaire(visit)
    answers = answering.stored_answers(session, visit.invitation)
    answered, total = _progress(q, answers)
    first = _first_open_place(session, catalog, visit, q) or (1, 1)
    return _page(
        request,
        "candidate/instructions.html",
        {
            "token": token,
            "sections": q.sections,
            "page_counts": [q.page_count(n) for n in range(1, len(q.sections) + 1)],
            "answered": answered,
            "total": total,
            "minutes": _consent_context(visit)["minutes"],
            "continue_url": _page_path(request, token, *first),
        },
    )


def _open_section(
    request: Request, session: Session, catalog: Catalog, token: str, n: int, p: int
) -> tuple[Visit, Questionnaire] | Response:
    """The visit and the questionnaire for page `p` of section `n`, or where to send the
    person instead (the generic page for a dead link, consent first, or the first page
    still to answer)."""
    visit = _open(request, session, token)
    if isinstance(visit, Response):
        return visit
    if not answering.consent_given(session, visit.invitation):
        return _redirect(request, "candidate:start", token=token)
    q = _questionnaire(visit)
    if not 1 <= n <= len(q.sections) or not 1 <= p <= q.page_count(n):
        return _resume_target(request, session, catalog, visit)
    return visit, q


@router.get("/{token}/s/{n}", name="candidate:section")
@router.get("/{token}/s/{n}/p/{p}", name="candidate:section_page")
def section_page(
    request: Request, token: str, n: int, session: SessionDep, catalog: CatalogDep, p: int = 1
) -> Response:
    """One page of a section; opening it starts the section (a timed one waits for Start)."""
    opened = _open_section(request, session, catalog, token, n, p)
    if isinstance(opened, Response):
        return opened
    visit, q = opened
    section = q.sections[n - 1]
    if not section["time_limit_s"]:
        answering.start_section(session, visit.invitation, catalog, section["id"])
        session.commit()
    context = _section_context(request, session, catalog, visit, q, n, p)
    return _page(request, "candidate/section.html", context)


@router.post("/{token}/s/{n}/start", name="candidate:section_start")
def section_start(
    request: Request, token: str, n: int, session: SessionDep, catalog: CatalogDep
) -> Response:
    """Start a timed section: its clock runs from now, on the server."""
    opened = _open_section(request, session, catalog, token, n, 1)
    if isinstance(opened, Response):
        return opened
    visit, q = opened
    answering.start_section(session, visit.invitation, catalog, q.sections[n - 1]["id"])
    session.commit()
    return _redirect(request, "candidate:section", token=token, n=n)


def _target(request: Request, token: str, q: Questionnaire, n: int, p: int, action: str) -> str:
    """Where a button leads: the page before (Back) or after, or the finish page."""
    if action == "back":
        before = q.before(n, p)
        if before is None:
            return request.url_for("candidate:instructions", token=token).path
        return _page_path(request, token, *before)
    after = q.after(n, p)
    if action == "finish" or after is None:
        return request.url_for("candidate:finish", token=token).path
    return _page_path(request, token, *after)


@router.post("/{token}/s/{n}", name="candidate:section_save")
@router.post("/{token}/s/{n}/p/{p}", name="candidate:section_page_save")
def section_save(
    request: Request,
    token: str,
    n: int,
    session: SessionDep,
    catalog: CatalogDep,
    form: FormDep,
    p: int = 1,
) -> Response:
    """Save every valid answer on the form, then go on (Next), back (Back) or to the finish
    page. An answer that cannot be taken is marked next to its question; the others are
    saved all the same. Leaving a page forward with questions skipped points them out."""
    opened = _open_section(request, session, catalog, token, n, p)
    if isinstance(opened, Response):
        return opened
    visit, q = opened
    items = q.items(n, p)
    action = str(form.get("action") or "next")
    submitted = _from_form(items, form)
    refused = answering.refused_answers(visit.catalog, visit.campaign, submitted.answers)
    stored = answering.stored_answers(session, visit.invitation)
    changed = {
        k: v for k, v in submitted.answers.items() if k not in refused and stored.get(k) != v
    }
    try:
        if changed:
            answering.save_answers(
                session,
                visit.invitation,
                catalog,
                changed,
                seconds=_seconds_from_form(form, set(changed)) or None,
            )
    except Conflict as exc:
        session.rollback()
        context = _section_context(request, session, catalog, visit, q, n, p, message=exc.message)
        return _page(request, "candidate/section.html", context, status_code=409)
    session.commit()

    by_id = {item["id"]: item for item in items}
    if refused:
        errors = {
            item_id: _item_problem(by_id[item_id], submitted.answers[item_id], reason)
            for item_id, reason in refused.items()
            if item_id in by_id
        }
        context = _section_context(
            request,
            session,
            catalog,
            visit,
            q,
            n,
            p,
            submitted=submitted.shown,
            errors=errors,
            message=ngettext(
                "Your other answers on this page are saved. One question needs another "
                "answer: it is marked below.",
                "Your other answers on this page are saved. %(num)s questions need another "
                "answer: they are marked below.",
                len(errors),
            )
            % {"num": len(errors)},
        )
        return _page(request, "candidate/section.html", context, status_code=422)

    target_path = _target(request, token, q, n, p, action)
    if submitted.incomplete:
        context = _section_context(
            request,
            session,
            catalog,
            visit,
            q,
            n,
            p,
            submitted=submitted.shown,
            incomplete=submitted.incomplete,
            continue_url=target_path,
            notice=_(
                "The other answers are saved, but some questions are only partly answered; complete them or continue without them."
            ),
        )
        return _page(request, "candidate/section.html", context)
    if action in ("next", "finish"):
        still_open = set(answering.unanswered(session, visit.invitation, catalog))
        skipped = [item["id"] for item in items if item["id"] in still_open]
        lengths = answering.word_problems(session, visit.invitation, catalog)
        if skipped:
            notice = (
                _(
                    "Your answers are saved, but a written answer is not within its word "
                    "limits yet: the section cannot be finished until it is (see below)."
                )
                if any(item_id in lengths for item_id in skipped)
                else _(
                    "Your answers are saved. Some questions on this page are not answered yet: "
                    "answer them now, or continue and come back to them later."
                )
            )
            context = _section_context(
                request,
                session,
                catalog,
                visit,
                q,
                n,
                p,
                missing=skipped,
                continue_url=target_path,
                notice=notice,
            )
            return _page(request, "candidate/section.html", context)
    return _private(RedirectResponse(target_path, status.HTTP_303_SEE_OTHER))


@router.get("/{token}/finish", name="candidate:finish")
def finish(request: Request, token: str, session: SessionDep, catalog: CatalogDep) -> Response:
    """What is still unanswered, with links; or the button that finishes."""
    visit = _open(request, session, token)
    if isinstance(visit, Response):
        return visit
    if not answering.consent_given(session, visit.invitation):
        return _redirect(request, "candidate:start", token=token)
    q = _questionnaire(visit)
    answers = answering.stored_answers(session, visit.invitation)
    missing = set(answering.unanswered(session, visit.invitation, catalog))
    left = answering.remaining_seconds(session, visit.invitation, catalog)
    lengths = answering.word_problems(session, visit.invitation, catalog)
    rows = []
    for number, section in enumerate(q.sections, start=1):
        ids = [item["id"] for item in section["items"]]
        open_ids = [i for i in ids if i in missing]
        place = q.place_of(open_ids[0]) if open_ids else None
        rows.append(
            {
                "number": number,
                "title": section["title"],
                "total": len(ids),
                "answered": sum(1 for i in ids if i in answers),
                "missing": len(open_ids),
                "answer_url": f"{_page_path(request, token, *place)}#q-{open_ids[0]}"
                if place
                else None,
                "timed_out": left.get(section["id"]) == 0 and any(i not in answers for i in ids),
                "lengths": [lengths[i] for i in ids if i in lengths],
            }
        )
    answered, total = _progress(q, answers)
    return _page(
        request,
        "candidate/finish.html",
        {
            "token": token,
            "rows": rows,
            "missing": len(missing),
            "answered": answered,
            "total": total,
            "refused": request.query_params.get("incomplete") == "1" and bool(missing),
        },
    )


@router.post("/{token}/complete", name="candidate:complete")
def complete(request: Request, token: str, session: SessionDep, catalog: CatalogDep) -> Response:
    """Finish: refused (back to the finish page) while required items are unanswered."""
    visit = _open(request, session, token)
    if isinstance(visit, Response):
        return visit
    if not answering.consent_given(session, visit.invitation):
        return _redirect(request, "candidate:start", token=token)
    try:
        results.complete(session, catalog, visit.invitation)
    except (Conflict, Invalid):
        session.rollback()
        return _redirect(request, "candidate:finish", token=token, _query="incomplete=1")
    session.commit()
    request.session[ENDED_KEY] = visit.invitation.id
    return _redirect(request, "candidate:done", token=token)


@router.get("/{token}/done", name="candidate:done")
def done(request: Request, token: str, session: SessionDep, catalog: CatalogDep) -> Response:
    """The thank-you page, right after finishing (afterwards the link no longer works);
    with the campaign's candidate feedback on, a short summary of strengths and areas to
    develop, without numbers or a decision."""
    visit = _open(request, session, token, ended=InvitationStatus.completed)
    if isinstance(visit, Response):
        return visit
    if visit.invitation.completed_at is None:
        return _redirect(request, "candidate:start", token=token)
    feedback = None
    if visit.campaign.candidate_feedback:
        snapshot = results.latest_result(session, visit.invitation.id or 0)
        if snapshot is not None:
            feedback = candidate_feedback(snapshot, visit.catalog, visit.language)
    return _page(
        request,
        "candidate/done.html",
        {
            "organisation_name": visit.organisation.name if visit.organisation else "",
            "feedback": feedback,
        },
    )
