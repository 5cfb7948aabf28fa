"""The candidate's side: consent, the questionnaire, saving answers, completing.

Every answer is stored as it is given (one row per item per instrument session, replaced on
a later save), so closing the tab, a second device or a retried request loses and duplicates
nothing. A request with any invalid answer stores none of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.db import ALL_ORGANISATIONS, scope_to_organisation, upsert, utcnow
from app.i18n import gettext as _
from app.models import (
    Answer,
    AssessmentSession,
    Campaign,
    Consent,
    Invitation,
    InvitationStatus,
    Person,
    SessionStatus,
)
from app.scoring.definitions import (
    ForcedChoice,
    Instrument,
    Knowledge,
    ManagerRating,
    SelfReport,
    Sjt,
    WorkSample,
    WorkSampleTask,
)
from app.scoring.loader import Catalog
from app.scoring.responses import AnswerError, Element, elements
from app.security import link_token_hash
from app.services.catalogs import organisation_catalog
from app.services.errors import Conflict, Invalid

CONSENT_PURPOSE = "assessment"
CONSENT_VERSION = "2026-11-1"
TIME_GRACE = timedelta(seconds=30)
"""Slack on timed sections for the network and a slow phone."""
MAX_TEXT = 10_000


# ----------------------------------------------------------------------------- the battery


def person_instruments(catalog: Catalog, campaign: Campaign) -> list[Instrument]:
    """The instruments the invited person takes (manager ratings are the manager's)."""
    battery = catalog.batteries[campaign.battery_id]
    found = [catalog.instruments[i].definition for i in battery.instruments]
    return [i for i in found if not isinstance(i, ManagerRating)]


def _item_payload(instrument: Instrument, item: Any, language: str) -> dict[str, Any]:
    if isinstance(instrument, SelfReport):
        scale = instrument.response_scale
        return {
            "id": item.id,
            "type": "likert",
            "text": item.text.get(language),
            "required": True,
            "min": scale.min,
            "max": scale.max,
            "labels": {str(k): v.get(language) for k, v in scale.labels.items()},
        }
    if isinstance(instrument, Sjt):
        payload: dict[str, Any] = {
            "id": item.id,
            "type": "best_worst" if instrument.format == "best_worst" else "rate_each",
            "text": item.scenario.get(language),
            "question": item.question.get(language),
            "required": True,
            "options": [{"id": o.id, "label": o.text.get(language)} for o in item.options],
        }
        if instrument.response_scale is not None and instrument.format == "rate_each":
            payload["min"], payload["max"] = (
                instrument.response_scale.min,
                instrument.response_scale.max,
            )
        return payload
    if isinstance(instrument, Knowledge):
        return {
            "id": item.id,
            "type": "choice" if len(item.correct) == 1 else "multiple_choice",
            "text": item.question.get(language),
            "required": True,
            "options": [{"id": o.id, "label": o.text.get(language)} for o in item.options],
        }
    if isinstance(instrument, ForcedChoice):
        return {
            "id": item.id,
            "type": "forced_choice",
            "text": instrument.prompt.get(language),
            "required": True,
            "options": [{"id": s.id, "label": s.text.get(language)} for s in item.statements],
        }
    if isinstance(instrument, WorkSample):
        return {
            "id": item.id,
            "type": "text",
            "text": item.prompt.get(language),
            "required": True,
            "min_words": item.min_words,
            "max_words": item.max_words,
        }
    raise TypeError(f"{type(instrument).__name__} is not answered by the person assessed")


def sections(catalog: Catalog, campaign: Campaign, language: str) -> list[dict[str, Any]]:
    """The questionnaire as the person sees it: never the keys or the correct answers."""
    out = []
    for instrument in person_instruments(catalog, campaign):
        limit = instrument.time_limit_minutes
        out.append(
            {
                "id": instrument.id,
                "title": instrument.title.get(language),
                "instructions": instrument.instructions.get(language),
                "time_limit_s": int(limit * 60) if limit else None,
                "items": [_item_payload(instrument, item, language) for item in instrument.items],
            }
        )
    return out


# ----------------------------------------------------------------------------- state


def check_open(invitation: Invitation) -> None:
    """Refuse changes on a link that is no longer usable."""
    status = invitation.status(utcnow())
    messages = {
        InvitationStatus.revoked: _("This link has been withdrawn."),
        InvitationStatus.expired: _("This link has expired."),
        InvitationStatus.completed: _("This assessment is already completed."),
        InvitationStatus.declined: _("Consent was declined, so this assessment has ended."),
    }
    if status in messages:
        raise Conflict(messages[status])


def _consent_stands(invitation_id: Any) -> Any:
    """The consent rows that let answers be stored for `invitation_id` (a value or column)."""
    return select(Consent.id).where(
        col(Consent.invitation_id) == invitation_id,
        Consent.accepted == True,  # noqa: E712
        col(Consent.withdrawn_at).is_(None),
    )


def consent_given(session: Session, invitation: Invitation) -> bool:
    return session.exec(_consent_stands(invitation.id)).first() is not None


@dataclass(frozen=True)
class Opened:
    """An invitation opened by its link token, with its campaign and whether consent stands."""

    invitation: Invitation
    campaign: Campaign
    consented: bool
    sections: dict[str, AssessmentSession]
    """The sections started so far, by instrument id."""


def open_invitation(session: Session, token: str) -> Opened | None:
    """What the answer save needs from a link token, in one query (any organisation; the
    session is then scoped to the invitation's): None when no invitation has this token."""
    token_hash = link_token_hash(token)
    if token_hash is None:
        return None
    statement = (
        select(Invitation, Campaign, _consent_stands(Invitation.id).exists(), AssessmentSession)
        .join(Campaign, col(Campaign.id) == col(Invitation.campaign_id))
        .outerjoin(AssessmentSession, col(AssessmentSession.invitation_id) == col(Invitation.id))
        .where(Invitation.token_hash == token_hash)
        .execution_options(**{ALL_ORGANISATIONS: True})
    )
    rows = session.exec(statement).all()
    if not rows:
        return None
    invitation, campaign, consented, _section = rows[0]
    if invitation.organisation_id is not None:
        scope_to_organisation(session, invitation.organisation_id)
    sections = {row[3].instrument_id: row[3] for row in rows if row[3] is not None}
    return Opened(invitation, campaign, bool(consented), sections)


def record_consent(
    session: Session, invitation: Invitation, *, accepted: bool, language: str
) -> None:
    """Store the person's consent (with the text's version), or the refusal alone."""
    check_open(invitation)
    if consent_given(session, invitation):
        return
    session.add(
        Consent(
            person_id=invitation.person_id,
            invitation_id=invitation.id,
            purpose=CONSENT_PURPOSE,
            accepted=accepted,
            text_version=CONSENT_VERSION,
            language=language,
        )
    )
    now = utcnow()
    invitation.opened_at = invitation.opened_at or now
    if not accepted:
        invitation.declined_at = now
    session.add(invitation)


def mark_opened(session: Session, invitation: Invitation) -> None:
    if invitation.opened_at is None:
        invitation.opened_at = utcnow()
        session.add(invitation)


def _instrument_session(
    session: Session, invitation: Invitation, instrument_id: str, catalog: Catalog
) -> AssessmentSession:
    """The person's session on one instrument, created (and its timer started) on first use;
    two tabs starting it at the same moment get the same one (the first insert wins)."""
    statement = select(AssessmentSession).where(
        AssessmentSession.invitation_id == invitation.id,
        AssessmentSession.instrument_id == instrument_id,
    )
    found = session.exec(statement).first()
    if found is not None:
        return found
    loaded = organisation_catalog(session, catalog).instruments[instrument_id]
    now = utcnow()
    limit = loaded.definition.time_limit_minutes
    upsert(
        session,
        AssessmentSession,
        {
            "organisation_id": invitation.organisation_id,
            "invitation_id": invitation.id,
            "person_id": invitation.person_id,
            "instrument_id": instrument_id,
            "instrument_version": loaded.version,
            "language": invitation.language or "en",
            "status": SessionStatus.in_progress,
            "started_at": now,
            "deadline_at": now + timedelta(minutes=limit) if limit else None,
            "created_at": now,
        },
        keys=["invitation_id", "instrument_id"],
        update={},
    )
    return session.exec(statement).one()


def start_section(
    session: Session, invitation: Invitation, catalog: Catalog, instrument_id: str
) -> AssessmentSession:
    """Open a section (its timer starts now, if it is timed)."""
    check_open(invitation)
    return _instrument_session(session, invitation, instrument_id, catalog)


def stored_answers(session: Session, invitation: Invitation) -> dict[str, Any]:
    rows = session.exec(
        select(Answer.item_id, Answer.value)
        .join(AssessmentSession, col(AssessmentSession.id) == col(Answer.session_id))
        .where(AssessmentSession.invitation_id == invitation.id)
    ).all()
    return dict(rows)


def remaining_seconds(
    session: Session, invitation: Invitation, catalog: Catalog
) -> dict[str, int | None]:
    """Seconds left in each started timed section."""
    rows = session.exec(
        select(AssessmentSession).where(AssessmentSession.invitation_id == invitation.id)
    ).all()
    now = utcnow()
    return {
        row.instrument_id: max(0, math.ceil((row.deadline_at - now).total_seconds()))
        for row in rows
        if row.deadline_at is not None
    }


# ----------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class _Checked:
    instrument_id: str
    item_id: str
    value: Any


@dataclass(frozen=True)
class _Question:
    instrument: Instrument
    element: Element | None  # None for a work-sample task (free text)


_question_maps: dict[tuple[int, str], tuple[Catalog, dict[str, _Question]]] = {}


def _questions(catalog: Catalog, campaign: Campaign) -> dict[str, _Question]:
    """Item id -> its instrument and scored element for a campaign's battery; built once per
    catalog and battery (the catalog does not change while the process runs)."""
    key = (id(catalog), campaign.battery_id)
    found = _question_maps.get(key)
    if found is None or found[0] is not catalog:
        questions: dict[str, _Question] = {}
        for instrument in person_instruments(catalog, campaign):
            if isinstance(instrument, WorkSample):
                questions.update(
                    {item.id: _Question(instrument, None) for item in instrument.items}
                )
            else:
                questions.update({e.id: _Question(instrument, e) for e in elements(instrument)})
        if len(_question_maps) >= 64:  # tests load many catalogs; a server loads one
            _question_maps.clear()
        found = _question_maps[key] = (catalog, questions)
    return found[1]


def _normalise(question: _Question, item_id: str, value: Any) -> Any:
    """The value to store, or AnswerError."""
    instrument, element = question.instrument, question.element
    if element is None:
        if not isinstance(value, str) or not value.strip():
            raise AnswerError(_("write the answer as text"))
        if len(value) > MAX_TEXT:
            raise AnswerError(
                _("the answer is longer than %(limit)s characters") % {"limit": MAX_TEXT}
            )
        return value
    if isinstance(value, bool) or value is None:
        raise AnswerError(_("no answer given"))
    parsed = element.parse(value)
    if isinstance(parsed, float):
        return int(parsed)
    if isinstance(parsed, frozenset):
        single = isinstance(instrument, Knowledge) and len(_correct(instrument, item_id)) == 1
        return sorted(parsed)[0] if single else sorted(parsed)
    if (
        isinstance(parsed, tuple)
        and isinstance(instrument, Sjt)
        and instrument.format == "best_worst"
    ):
        return {"best": parsed[0], "worst": parsed[1]}
    if isinstance(parsed, tuple) and isinstance(instrument, Sjt):
        return {o.id: int(r) for o, r in zip(_options(instrument, item_id), parsed, strict=True)}
    return parsed


def _correct(instrument: Knowledge, item_id: str) -> list[str]:
    return next(item.correct for item in instrument.items if item.id == item_id)


def _options(instrument: Sjt, item_id: str) -> list[Any]:
    return next(item.options for item in instrument.items if item.id == item_id)


def refused_answers(
    catalog: Catalog, campaign: Campaign, answers: Mapping[str, Any]
) -> dict[str, str]:
    """The answers save_answers would refuse, per item id, with the reason (the same checks,
    nothing stored): lets a page keep the valid answers of a form and mark the others."""
    questions = _questions(catalog, campaign)
    refused: dict[str, str] = {}
    for item_id, value in answers.items():
        instrument = questions.get(item_id)
        if instrument is None:
            refused[item_id] = _("Unknown item %(item)s.") % {"item": repr(item_id)}
            continue
        try:
            _normalise(instrument, item_id, value)
        except AnswerError as exc:
            refused[item_id] = str(exc)
    return refused


def save_answers(
    session: Session,
    invitation: Invitation,
    catalog: Catalog,
    answers: Mapping[str, Any],
    *,
    seconds: Mapping[str, float] | None = None,
) -> int:
    """Store answers (last write per item wins). Any unknown item or invalid value rejects the
    whole request with a message naming it, storing nothing. Returns how many were saved."""
    return _save(
        session, invitation, catalog, answers, seconds, consent_given(session, invitation), {}
    )


def save_opened(
    session: Session,
    opened: Opened,
    catalog: Catalog,
    answers: Mapping[str, Any],
    *,
    seconds: Mapping[str, float] | None = None,
) -> int:
    """`save_answers` for an invitation just read by `open_invitation` (nothing read again)."""
    return _save(
        session, opened.invitation, catalog, answers, seconds, opened.consented, opened.sections
    )


def _save(
    session: Session,
    invitation: Invitation,
    catalog: Catalog,
    answers: Mapping[str, Any],
    seconds: Mapping[str, float] | None,
    consented: bool,
    started: Mapping[str, AssessmentSession],
) -> int:
    check_open(invitation)
    if not consented:
        raise Conflict(_("Consent is needed before answers can be saved."))
    campaign = session.get(Campaign, invitation.campaign_id)
    if campaign is None:
        raise Conflict(_("The campaign no longer exists."))
    catalog, questions = _save_catalog(session, catalog, campaign, answers, started)
    checked: list[_Checked] = []
    for item_id, value in answers.items():
        question = questions.get(item_id)
        if question is None:
            raise Invalid(_("Unknown item %(item)s.") % {"item": repr(item_id)}, field=item_id)
        try:
            value = _normalise(question, item_id, value)
            checked.append(_Checked(question.instrument.id, item_id, value))
        except AnswerError as exc:
            raise Invalid(f"{item_id}: {exc}", field=item_id) from None
    now = utcnow()
    targets: dict[str, AssessmentSession] = {}
    for answer in checked:
        if answer.instrument_id not in targets:
            target = started.get(answer.instrument_id) or _instrument_session(
                session, invitation, answer.instrument_id, catalog
            )
            if target.deadline_at is not None and now > target.deadline_at + TIME_GRACE:
                raise Conflict(
                    _("Time is up for the section “%(section)s”; its answers can no longer change.")
                    % {
                        "section": catalog.instruments[answer.instrument_id].definition.title.get(
                            invitation.language or "en"
                        )
                    }
                )
            targets[answer.instrument_id] = target
    for answer in checked:
        target = targets[answer.instrument_id]
        time_spent = seconds.get(answer.item_id) if seconds else None
        _upsert(session, target, answer.item_id, answer.value, time_spent, now)
    if checked and invitation.started_at is None:
        invitation.started_at = now
        session.add(invitation)
    return len(checked)


def _save_catalog(
    session: Session,
    catalog: Catalog,
    campaign: Campaign,
    answers: Mapping[str, Any],
    started: Mapping[str, AssessmentSession],
) -> tuple[Catalog, dict[str, _Question]]:
    """The catalog and question map to check a save with. When every answer belongs to a
    section already started at the files' version of its instrument (the autosave's usual
    case), the files' catalog is the right one and no query is made; otherwise (the
    organisation's product test, a calibrated version, a section not yet started) the
    organisation's catalog."""
    questions = _questions(catalog, campaign)
    if (
        started
        and catalog.organisation_id is None
        and all(
            (question := questions.get(item_id)) is not None
            and (section := started.get(question.instrument.id)) is not None
            and section.instrument_version == catalog.instruments[question.instrument.id].version
            for item_id in answers
        )
    ):
        return catalog, questions
    local = organisation_catalog(session, catalog)
    return local, _questions(local, campaign)


def _upsert(
    session: Session,
    target: AssessmentSession,
    item_id: str,
    value: Any,
    seconds: float | None,
    now: datetime,
) -> None:
    """Insert the answer or replace the stored one, atomically (a retried or concurrent save
    of the same item can neither duplicate it nor fail)."""
    upsert(
        session,
        Answer,
        {
            "organisation_id": target.organisation_id,
            "session_id": target.id,
            "item_id": item_id,
            "value": value,
            "seconds": seconds,
            "revision": 1,
            "answered_at": now,
        },
        keys=["session_id", "item_id"],
        update={
            "value": "value",
            "seconds": "seconds",
            "answered_at": "answered_at",
            "revision": Answer.__table__.c.revision + 1,  # type: ignore[attr-defined]
        },
    )


def _timed_out(session: Session, invitation: Invitation, catalog: Catalog) -> set[str]:
    return {
        instrument_id
        for instrument_id, left in remaining_seconds(session, invitation, catalog).items()
        if left == 0
    }


def unanswered(session: Session, invitation: Invitation, catalog: Catalog) -> list[str]:
    """Required items without an answer, in questionnaire order. A written answer outside its
    task's word limits does not count as an answer yet (`word_problems` says why)."""
    campaign = session.get(Campaign, invitation.campaign_id)
    if campaign is None:
        return []
    catalog = organisation_catalog(session, catalog)
    given = stored_answers(session, invitation)
    timed_out = _timed_out(session, invitation, catalog)
    return [
        item.id
        for instrument in person_instruments(catalog, campaign)
        if instrument.id not in timed_out  # a section whose time ran out may stay incomplete
        for item in instrument.items
        if item.id not in given
        or is_partial(instrument, given[item.id])
        or (isinstance(item, WorkSampleTask) and word_problem(item, given[item.id]) is not None)
    ]


def is_partial(instrument: Instrument, value: Any) -> bool:
    """A forced-choice block with only one of its two picks: stored, but not an answer (it
    is scored as missing and the person is asked to complete it)."""
    return isinstance(instrument, ForcedChoice) and not (
        isinstance(value, Mapping) and value.get("most") and value.get("least")
    )


# ----------------------------------------------------------------------------- word limits


def word_count(text: str) -> int:
    """Words as the page's counter counts them: runs of non-space characters."""
    return len(text.split())


def word_problem(task: WorkSampleTask, text: Any) -> str | None:
    """What is wrong with a written answer's length, or None when it is within the limits
    the instrument declares (`min_words`, `max_words`)."""
    count = word_count(text) if isinstance(text, str) else 0
    values = {"count": count, "min": task.min_words, "max": task.max_words}
    if count < task.min_words:
        return _(
            "The answer has %(count)s words; write at least %(min)s (%(more)s more) "
            "before this section can be finished."
        ) % {**values, "more": task.min_words - count}
    if count > task.max_words:
        return _(
            "The answer has %(count)s words; shorten it to at most %(max)s (%(fewer)s fewer) "
            "before this section can be finished."
        ) % {**values, "fewer": count - task.max_words}
    return None


def word_problems(session: Session, invitation: Invitation, catalog: Catalog) -> dict[str, str]:
    """Stored written answers outside their word limits, per item id, with what to change
    (sections whose time ran out are left as they are)."""
    campaign = session.get(Campaign, invitation.campaign_id)
    if campaign is None:
        return {}
    catalog = organisation_catalog(session, catalog)
    given = stored_answers(session, invitation)
    timed_out = _timed_out(session, invitation, catalog)
    found: dict[str, str] = {}
    for instrument in person_instruments(catalog, campaign):
        if not isinstance(instrument, WorkSample) or instrument.id in timed_out:
            continue
        for task in instrument.items:
            problem = word_problem(task, given[task.id]) if task.id in given else None
            if problem is not None:
                found[task.id] = problem
    return found


def check_word_limits(session: Session, invitation: Invitation, catalog: Catalog) -> None:
    """Refuse (422, naming the item) while a written answer is outside its word limits."""
    found = word_problems(session, invitation, catalog)
    if found:
        item_id, problem = next(iter(found.items()))
        raise Invalid(f"{item_id}: {problem}", field=item_id)


def person_of(session: Session, invitation: Invitation) -> Person | None:
    return session.get(Person, invitation.person_id)
