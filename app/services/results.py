"""Scoring a completed invitation and storing the result with the versions that produced it.

Each method's standard error uses the organisation's own reliability once it has 30 or more
completed sessions of that instrument (`app.services.reliabilities`), else the instrument's
declared prior.

A result is provisional while parts scored by a person are missing (work-sample reviews;
the manager's rating in an employee battery); it is scored again whenever they arrive. Each
scoring adds a new ScoreSnapshot, so earlier results are never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db import utcnow
from app.i18n import gettext as _
from app.models import (
    Answer,
    AssessmentSession,
    Campaign,
    InterviewRating,
    Invitation,
    ManagerRating,
    ReviewScore,
    ScoreSnapshot,
    SessionStatus,
)
from app.scoring import product_test
from app.scoring.definitions import Interview, WorkSample
from app.scoring.definitions import ManagerRating as ManagerRatingDefinition
from app.scoring.loader import Catalog
from app.scoring.person import score_person
from app.scoring.responses import elements
from app.services.catalogs import pinned
from app.services.errors import Conflict
from app.services.reliabilities import organisation_reliabilities
from app.services.sessions import check_open, check_word_limits, unanswered


@dataclass(frozen=True)
class Pending:
    """A part of a result that waits for a person."""

    instrument_id: str
    kind: str  # "review" or "manager_rating"


def answers_by_instrument(
    session: Session, invitation: Invitation
) -> dict[str, tuple[AssessmentSession, dict[str, Answer]]]:
    """The invitation's instrument sessions with their answers, by instrument (one query)."""
    rows = session.exec(
        select(AssessmentSession, Answer)
        .join(Answer, col(Answer.session_id) == col(AssessmentSession.id), isouter=True)
        .where(AssessmentSession.invitation_id == invitation.id)
        .order_by(col(AssessmentSession.id))
    ).all()
    out: dict[str, tuple[AssessmentSession, dict[str, Answer]]] = {}
    for instrument_session, answer in rows:
        entry = out.setdefault(instrument_session.instrument_id, (instrument_session, {}))
        if answer is not None:
            entry[1][answer.item_id] = answer
    return out


def score_invitation(session: Session, catalog: Catalog, invitation: Invitation) -> ScoreSnapshot:
    """Score everything given so far for an invitation and store a new snapshot.

    The organisation's catalog (accepted weights, its product test, calibrated versions),
    with every instrument at the version the person's session was taken with."""
    campaign = session.get(Campaign, invitation.campaign_id)
    if campaign is None:
        raise Conflict(_("The campaign no longer exists."))
    by_instrument = answers_by_instrument(session, invitation)
    catalog = pinned(
        session,
        catalog,
        {iid: found.instrument_version for iid, (found, _answers) in by_instrument.items()},
    )
    battery = catalog.batteries[campaign.battery_id]
    rows: dict[str, list[Any]] = {}
    seconds: dict[str, list[float | None]] = {}
    versions: dict[str, str] = {}
    pending: list[Pending] = []
    for instrument_id in battery.instruments:
        loaded = catalog.instruments[instrument_id]
        definition = loaded.definition
        columns = elements(definition)
        if isinstance(definition, ManagerRatingDefinition):
            latest = current_ratings(session, invitation, instrument_id)
            rows[instrument_id] = [latest.get(e.id) for e in columns]
            if not latest:
                pending.append(Pending(instrument_id, "manager_rating"))
            versions[instrument_id] = loaded.version
            continue
        instrument_session, answers = by_instrument.get(instrument_id, (None, {}))
        if instrument_session is None:
            continue
        versions[instrument_id] = instrument_session.instrument_version
        if isinstance(definition, WorkSample):
            reviews = {
                r.criterion_id: r.points
                for r in session.exec(
                    select(ReviewScore).where(ReviewScore.session_id == instrument_session.id)
                )
            }
            rows[instrument_id] = [reviews.get(e.id) for e in columns]
            if answers and len(reviews) < len(columns):
                pending.append(Pending(instrument_id, "review"))
            continue
        row: list[Any] = [None] * len(columns)
        timing: list[float | None] = [None] * len(columns)
        for j, element in enumerate(columns):
            answer = answers.get(element.id)
            if answer is not None:
                row[j] = element.parse(answer.value)
                timing[j] = answer.seconds
        rows[instrument_id] = row
        seconds[instrument_id] = timing

    own_reliabilities = organisation_reliabilities(session, catalog)
    interviews = interview_rows(session, catalog, invitation)
    for instrument_id in interviews:
        versions[instrument_id] = catalog.instruments[instrument_id].version
    scored = score_person(
        catalog,
        battery.instruments,
        rows,
        seconds,
        person_id=str(invitation.person_id),
        reliabilities=own_reliabilities,
        interviews=interviews,
    )
    payload = {
        **product_test.mark(scored.payload, product_test.status(catalog, battery, rows)),
        "pending": [{"instrument": p.instrument_id, "kind": p.kind} for p in pending],
        "unanswered": unanswered(session, invitation, catalog),
    }
    if interviews:
        without = score_person(
            catalog,
            battery.instruments,
            rows,
            seconds,
            person_id=str(invitation.person_id),
            reliabilities=own_reliabilities,
        )
        payload["interview_effect"] = interview_effect(without.payload, scored.payload)
    proposal = interview_proposal(catalog, invitation, scored.payload)
    if proposal is not None:
        payload["interview_proposal"] = proposal
    snapshot = ScoreSnapshot(
        person_id=invitation.person_id,
        campaign_id=campaign.id,
        invitation_id=invitation.id,
        provisional=bool(pending),
        recommendation=scored.recommendation,
        confidence=scored.confidence,
        model_version=catalog.model.version,
        instrument_versions=versions,
        scores=payload,
        flags=scored.flags,
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def interview_rows(
    session: Session, catalog: Catalog, invitation: Invitation
) -> dict[str, list[list[int | None]]]:
    """Per interview instrument given for the invitation, one row of ratings per interviewer
    in item order (see app.services.interviews)."""
    found = session.exec(
        select(InterviewRating)
        .where(InterviewRating.invitation_id == invitation.id)
        .order_by(col(InterviewRating.id))
    ).all()
    given: dict[str, dict[int | None, dict[str, int]]] = {}
    for row in found:
        given.setdefault(row.instrument_id, {}).setdefault(row.interviewer_id, {})[row.item_id] = (
            row.value
        )
    out: dict[str, list[list[int | None]]] = {}
    for instrument_id, by_interviewer in given.items():
        loaded = catalog.instruments.get(instrument_id)
        if loaded is None or not isinstance(loaded.definition, Interview):
            continue  # an interview no longer installed: its ratings are kept, not scored
        items = loaded.definition.items
        out[instrument_id] = [[r.get(item.id) for item in items] for r in by_interviewer.values()]
    return out


def interview_effect(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What the interview changed: the outcome and each competency's score and interval
    without it and with it."""
    competencies = {}
    for cid, now in after.get("competencies", {}).items():
        then = before.get("competencies", {}).get(cid, {})
        competencies[cid] = {
            "before": {k: then.get(k) for k in ("score", "low", "high")},
            "after": {k: now.get(k) for k in ("score", "low", "high")},
        }
    return {
        "outcome_before": before.get("outcome"),
        "outcome_after": after.get("outcome"),
        "confidence_before": before.get("confidence"),
        "confidence_after": after.get("confidence"),
        "competencies": competencies,
    }


def interview_proposal(
    catalog: Catalog, invitation: Invitation, payload: dict[str, Any]
) -> dict[str, Any] | None:
    """For an `uncertain` outcome whose next steps include an interview: the interview for
    exactly the competencies that left the decision open, and the page to fill it in."""
    if payload.get("outcome") != "uncertain" or "interview" not in payload.get("next_steps", []):
        return None
    interview = next(
        (i.definition for i in catalog.instruments.values() if isinstance(i.definition, Interview)),
        None,
    )
    focus = list(payload.get("open_competencies") or [])
    if interview is None or not focus:
        return None
    return {
        "instrument": interview.id,
        "competencies": focus,
        "questions": [item.id for item in interview.items if item.scale in focus],
        "path": f"/interviews/{invitation.id}?focus={','.join(focus)}",  # ids: no escaping
    }


def latest_results(session: Session, invitation_ids: list[int]) -> dict[int, ScoreSnapshot]:
    """The latest result of each of these invitations, in one query."""
    if not invitation_ids:
        return {}
    newest = (
        select(func.max(ScoreSnapshot.id))
        .where(col(ScoreSnapshot.invitation_id).in_(invitation_ids))
        .group_by(col(ScoreSnapshot.invitation_id))
    )
    rows = session.exec(select(ScoreSnapshot).where(col(ScoreSnapshot.id).in_(newest))).all()
    return {row.invitation_id: row for row in rows if row.invitation_id is not None}


def current_ratings(session: Session, invitation: Invitation, instrument_id: str) -> dict[str, int]:
    """The latest value per item of the manager's rating (empty when none was given)."""
    rows = session.exec(
        select(ManagerRating)
        .where(
            ManagerRating.invitation_id == invitation.id,
            ManagerRating.instrument_id == instrument_id,
        )
        .order_by(col(ManagerRating.id))
    ).all()
    return {r.item_id: r.value for r in rows}


def complete(session: Session, catalog: Catalog, invitation: Invitation) -> ScoreSnapshot:
    """Finish the assessment: refused while required items are unanswered; then scored.
    Finishing twice at the same moment scores once: the second waits for the first (a row
    lock on PostgreSQL; SQLite's writers take turns) and answers with its result."""
    session.refresh(invitation, with_for_update=True)
    if invitation.completed_at is not None:
        done = latest_result(session, invitation.id or 0)
        if done is not None:
            return done
    check_open(invitation)
    check_word_limits(session, invitation, catalog)  # 422 naming the written answer
    missing = unanswered(session, invitation, catalog)
    if missing:
        raise Conflict(
            _("%(count)s required items are still unanswered, for example %(first)s.")
            % {"count": len(missing), "first": ", ".join(missing[:3])}
        )
    now = utcnow()
    for instrument_session in session.exec(
        select(AssessmentSession).where(AssessmentSession.invitation_id == invitation.id)
    ):
        instrument_session.status = SessionStatus.completed
        instrument_session.completed_at = now
        session.add(instrument_session)
    invitation.completed_at = now
    session.add(invitation)
    return score_invitation(session, catalog, invitation)


def latest_result(session: Session, invitation_id: int) -> ScoreSnapshot | None:
    return session.exec(
        select(ScoreSnapshot)
        .where(ScoreSnapshot.invitation_id == invitation_id)
        .order_by(col(ScoreSnapshot.id).desc())
    ).first()
