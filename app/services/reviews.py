"""The parts of a result that a person scores, and the results staff read.

Work samples wait for a reviewer's rubric points; employee batteries wait for the manager's
behaviourally anchored ratings. Saving either scores the invitation again
(`results.score_invitation`), which adds a new ScoreSnapshot: it stays provisional while
anything else is still missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, func, select

from app.db import upsert, utcnow
from app.i18n import gettext as _
from app.models import (
    Answer,
    AssessmentSession,
    Campaign,
    Invitation,
    ManagerRating,
    Person,
    ReviewScore,
    ScoreSnapshot,
    Team,
)
from app.scoring.definitions import ManagerRating as ManagerRatingDefinition
from app.scoring.definitions import ResponseScale, RubricCriterion, WorkSample
from app.scoring.loader import Catalog
from app.services.audit import record_event
from app.services.errors import Conflict, Invalid
from app.services.results import score_invitation

# ----------------------------------------------------------------------------- who sees whom


def managed_by(manager_id: int) -> ColumnElement[bool]:
    """A condition on Person: the manager's own reports, or people in a team they manage."""
    teams = select(Team.id).where(Team.manager_id == manager_id)
    return or_(col(Person.manager_id) == manager_id, col(Person.team_id).in_(teams))


def visible_campaigns(manager_id: int | None) -> Any:
    """A SELECT of campaigns: all of them, or, for a manager, those their people are in."""
    statement = select(Campaign)
    if manager_id is None:
        return statement
    theirs = (
        select(Invitation.campaign_id)
        .join(Person, col(Person.id) == col(Invitation.person_id))
        .where(managed_by(manager_id))
    )
    return statement.where(col(Campaign.id).in_(theirs))


def manages(session: Session, manager_id: int, person: Person) -> bool:
    """Whether `manager_id` manages `person` (directly or through a team)."""
    if person.manager_id == manager_id:
        return True
    if person.team_id is None:
        return False
    team = session.get(Team, person.team_id)
    return team is not None and team.manager_id == manager_id


def _completed(statement: Any) -> Any:
    return statement.where(
        col(Invitation.completed_at).is_not(None), col(Invitation.revoked_at).is_(None)
    )


def is_completed(invitation: Invitation) -> bool:
    return invitation.completed_at is not None and invitation.revoked_at is None


# ----------------------------------------------------------------------------- work samples


@dataclass(frozen=True)
class WorkToReview:
    """A work-sample answer waiting for rubric points."""

    instrument_session: AssessmentSession
    invitation: Invitation
    person: Person
    campaign: Campaign
    instrument: WorkSample
    answers: dict[str, str]  # task id -> the text the person wrote
    scored: int  # criteria that already have points
    criteria: int  # criteria in the rubric

    @property
    def waiting_since(self) -> datetime | None:
        return self.invitation.completed_at


def criteria_of(instrument: WorkSample) -> list[RubricCriterion]:
    """Every rubric criterion of a work sample, task by task, in file order."""
    return [criterion for task in instrument.items for criterion in task.rubric]


def _work_samples(catalog: Catalog) -> dict[str, WorkSample]:
    return {
        instrument_id: loaded.definition
        for instrument_id, loaded in catalog.instruments.items()
        if isinstance(loaded.definition, WorkSample)
    }


def pending_reviews(
    session: Session, catalog: Catalog, *, manager_id: int | None = None
) -> list[WorkToReview]:
    """Work-sample answers of completed assessments that lack points, oldest first.

    With `manager_id`, only the people that manager manages.
    """
    work_samples = _work_samples(catalog)
    if not work_samples:
        return []
    statement = (
        select(AssessmentSession, Invitation, Person, Campaign)
        .join(Invitation, col(Invitation.id) == col(AssessmentSession.invitation_id))
        .join(Person, col(Person.id) == col(Invitation.person_id))
        .join(Campaign, col(Campaign.id) == col(Invitation.campaign_id))
        .where(col(AssessmentSession.instrument_id).in_(list(work_samples)))
        .order_by(col(Invitation.completed_at), col(AssessmentSession.id))
    )
    if manager_id is not None:
        statement = statement.where(managed_by(manager_id))
    rows = session.exec(_completed(statement)).all()
    if not rows:
        return []
    ids = [row[0].id for row in rows]
    answers: dict[int, dict[str, str]] = {}
    for answer in session.exec(select(Answer).where(col(Answer.session_id).in_(ids))):
        if isinstance(answer.value, str) and answer.value.strip():
            answers.setdefault(answer.session_id, {})[answer.item_id] = answer.value
    reviewed: dict[int, set[str]] = {}
    for session_id, criterion_id in session.exec(
        select(ReviewScore.session_id, ReviewScore.criterion_id).where(
            col(ReviewScore.session_id).in_(ids)
        )
    ):
        reviewed.setdefault(session_id, set()).add(criterion_id)
    out = []
    for instrument_session, invitation, person, campaign in rows:
        given = answers.get(instrument_session.id or 0)
        if not given:
            continue
        instrument = work_samples[instrument_session.instrument_id]
        known = {c.id for c in criteria_of(instrument)}
        scored = len(reviewed.get(instrument_session.id or 0, set()) & known)
        if scored < len(known):
            out.append(
                WorkToReview(
                    instrument_session,
                    invitation,
                    person,
                    campaign,
                    instrument,
                    given,
                    scored,
                    len(known),
                )
            )
    return out


def work_sessions(
    session: Session, catalog: Catalog, invitation: Invitation
) -> dict[str, AssessmentSession]:
    """The invitation's work-sample sessions, per instrument id."""
    work_samples = list(_work_samples(catalog))
    return {
        row.instrument_id: row
        for row in session.exec(
            select(AssessmentSession).where(
                AssessmentSession.invitation_id == invitation.id,
                col(AssessmentSession.instrument_id).in_(work_samples),
            )
        )
    }


def review_points(session: Session, instrument_session: AssessmentSession) -> dict[str, int]:
    """The points already given, per criterion."""
    return {
        r.criterion_id: int(r.points)
        for r in session.exec(
            select(ReviewScore).where(ReviewScore.session_id == instrument_session.id)
        )
    }


def work_answers(session: Session, instrument_session: AssessmentSession) -> dict[str, str]:
    """The texts written in a work-sample session, per task id."""
    return {
        a.item_id: a.value
        for a in session.exec(select(Answer).where(Answer.session_id == instrument_session.id))
        if isinstance(a.value, str)
    }


def work_sample_of(catalog: Catalog, instrument_session: AssessmentSession) -> WorkSample | None:
    loaded = catalog.instruments.get(instrument_session.instrument_id)
    if loaded is None or not isinstance(loaded.definition, WorkSample):
        return None
    return loaded.definition


def _whole_number(value: object) -> int | None:
    """An integer from an int or a string of digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def check_points(instrument: WorkSample, points: Mapping[str, object]) -> dict[str, int]:
    """The points per criterion, or Invalid naming the first criterion that is wrong."""
    criteria = criteria_of(instrument)
    known = {c.id for c in criteria}
    for criterion_id in points:
        if criterion_id not in known:
            raise Invalid(
                _("Unknown criterion “%(criterion)s”.") % {"criterion": criterion_id},
                field=criterion_id,
            )
    checked: dict[str, int] = {}
    for number, criterion in enumerate(criteria, start=1):
        names = {"number": number, "criterion": criterion.id, "max": criterion.max_points}
        if criterion.id not in points or points[criterion.id] in (None, ""):
            raise Invalid(
                _("Choose the points for criterion %(number)s (%(criterion)s).") % names,
                field=criterion.id,
            )
        value = _whole_number(points[criterion.id])
        if value is None or not 0 <= value <= criterion.max_points:
            raise Invalid(
                _(
                    "Criterion %(number)s (%(criterion)s): “%(value)s” is not allowed; "
                    "choose from 0 to %(max)s points."
                )
                % {**names, "value": points[criterion.id]},
                field=criterion.id,
            )
        checked[criterion.id] = value
    return checked


def save_review(
    session: Session,
    catalog: Catalog,
    *,
    instrument_session: AssessmentSession,
    points: Mapping[str, object],
    reviewer_id: int | None,
) -> ScoreSnapshot:
    """Store a reviewer's points for every rubric criterion and score the invitation again.

    Every criterion must get a whole number from 0 to its maximum; otherwise Invalid names
    the criterion and nothing is stored. Scoring again replaces earlier points.
    """
    instrument = work_sample_of(catalog, instrument_session)
    if instrument is None:
        raise Conflict(_("Only work-sample answers are scored against a rubric."))
    invitation = (
        session.get(Invitation, instrument_session.invitation_id)
        if instrument_session.invitation_id is not None
        else None
    )
    if invitation is None or not is_completed(invitation):
        raise Conflict(_("The assessment is not completed yet; score its work sample once it is."))
    if not any(text.strip() for text in work_answers(session, instrument_session).values()):
        raise Conflict(_("There is nothing to score: no answer was written."))
    checked = check_points(instrument, points)
    now = utcnow()
    for criterion_id, value in checked.items():
        # Atomic upsert: two reviewers saving at once can neither duplicate a row nor fail.
        upsert(
            session,
            ReviewScore,
            {
                "organisation_id": instrument_session.organisation_id,
                "session_id": instrument_session.id,
                "criterion_id": criterion_id,
                "points": float(value),
                "reviewer_id": reviewer_id,
                "reviewed_at": now,
            },
            keys=["session_id", "criterion_id"],
            update={"points": "points", "reviewer_id": "reviewer_id", "reviewed_at": "reviewed_at"},
        )
    record_event(
        session,
        organisation_id=instrument_session.organisation_id or 0,
        actor_user_id=reviewer_id,
        action="review.saved",
        object_type="assessment_session",
        object_id=instrument_session.id,
        details={"instrument": instrument.id, "points": checked},
    )
    return score_invitation(session, catalog, invitation)


# ----------------------------------------------------------------------------- manager ratings


@dataclass(frozen=True)
class RatingToGive:
    """A completed employee assessment waiting for the manager's rating."""

    invitation: Invitation
    person: Person
    campaign: Campaign
    instrument: ManagerRatingDefinition

    @property
    def waiting_since(self) -> datetime | None:
        return self.invitation.completed_at


def rating_instruments(catalog: Catalog, campaign: Campaign) -> list[ManagerRatingDefinition]:
    """The manager-rating instruments of a campaign's battery."""
    battery = catalog.batteries.get(campaign.battery_id)
    if battery is None:
        return []
    found = [catalog.instruments[i].definition for i in battery.instruments]
    return [i for i in found if isinstance(i, ManagerRatingDefinition)]


def pending_ratings(
    session: Session, catalog: Catalog, *, manager_id: int | None = None
) -> list[RatingToGive]:
    """Completed invitations whose battery has a manager rating not given yet, oldest first."""
    batteries = [
        battery.id
        for battery in catalog.batteries.values()
        if any(
            isinstance(catalog.instruments[i].definition, ManagerRatingDefinition)
            for i in battery.instruments
        )
    ]
    if not batteries:
        return []
    statement = (
        select(Invitation, Person, Campaign)
        .join(Person, col(Person.id) == col(Invitation.person_id))
        .join(Campaign, col(Campaign.id) == col(Invitation.campaign_id))
        .where(col(Campaign.battery_id).in_(batteries))
        .order_by(col(Invitation.completed_at), col(Invitation.id))
    )
    if manager_id is not None:
        statement = statement.where(managed_by(manager_id))
    rows = session.exec(_completed(statement)).all()
    if not rows:
        return []
    rated = set(
        session.exec(
            select(ManagerRating.invitation_id, ManagerRating.instrument_id)
            .where(col(ManagerRating.invitation_id).in_([row[0].id for row in rows]))
            .distinct()
        ).all()
    )
    return [
        RatingToGive(invitation, person, campaign, instrument)
        for invitation, person, campaign in rows
        for instrument in rating_instruments(catalog, campaign)
        if (invitation.id, instrument.id) not in rated
    ]


def check_rating_points(
    numbers: Mapping[str, int],
    scale: ResponseScale,
    values: Mapping[str, object],
    *,
    unknown: str,
    not_allowed: str,
    nothing: str,
) -> dict[str, int]:
    """Rating points by item (a manager's rating, an interviewer's): blanks are left out, and
    anything else is refused with Invalid naming the item. `numbers` gives each item's
    number on the form; the messages are already translated, with %(item)s (unknown) and
    %(number)s, %(item)s, %(value)s, %(min)s, %(max)s (not allowed) to fill in."""
    checked: dict[str, int] = {}
    for item_id, raw in values.items():
        if item_id not in numbers:
            raise Invalid(unknown % {"item": item_id}, field=item_id)
        if raw is None or raw == "":
            continue
        value = _whole_number(raw)
        if value is None or not scale.min <= value <= scale.max:
            raise Invalid(
                not_allowed
                % {
                    "number": numbers[item_id],
                    "item": item_id,
                    "value": raw,
                    "min": scale.min,
                    "max": scale.max,
                },
                field=item_id,
            )
        checked[item_id] = value
    if not checked:
        raise Invalid(nothing)
    return checked


def check_ratings(
    instrument: ManagerRatingDefinition, values: Mapping[str, object]
) -> dict[str, int]:
    """The values given (blanks mean "not observed" and are left out), or Invalid."""
    return check_rating_points(
        {item.id: number for number, item in enumerate(instrument.items, start=1)},
        instrument.response_scale,
        values,
        unknown=_("Unknown scale “%(item)s”."),
        not_allowed=_(
            "Scale %(number)s (%(item)s): “%(value)s” is not allowed; choose from "
            "%(min)s to %(max)s, or leave it as not observed."
        ),
        nothing=_("Rate at least one scale; leave blank only what you have not observed."),
    )


def save_rating(
    session: Session,
    catalog: Catalog,
    *,
    invitation: Invitation,
    values: Mapping[str, object],
    rater_id: int | None,
    instrument_id: str | None = None,
) -> ScoreSnapshot:
    """Store the manager's rating of a completed employee assessment and score it again.

    Each scale is optional (a manager leaves blank what they have not observed), but at
    least one must be rated. Rating again replaces the earlier rating as a whole, so a
    scale now left blank no longer counts; earlier results keep their snapshots.
    """
    campaign = session.get(Campaign, invitation.campaign_id)
    if campaign is None:
        raise Conflict(_("The campaign no longer exists."))
    instruments = {i.id: i for i in rating_instruments(catalog, campaign)}
    if not instruments:
        raise Conflict(_("This assessment has no manager rating."))
    if instrument_id is None:
        instrument_id = next(iter(instruments))
    instrument = instruments.get(instrument_id)
    if instrument is None:
        raise Invalid(
            _("Unknown manager rating “%(instrument)s”.") % {"instrument": instrument_id},
            field="instrument",
        )
    if not is_completed(invitation):
        raise Conflict(_("The employee has not completed the assessment yet; rate once they have."))
    checked = check_ratings(instrument, values)
    for earlier in session.exec(
        select(ManagerRating).where(
            ManagerRating.invitation_id == invitation.id,
            ManagerRating.instrument_id == instrument.id,
        )
    ):
        session.delete(earlier)
    today = utcnow().date()
    version = catalog.instruments[instrument.id].version
    for item_id, value in checked.items():
        session.add(
            ManagerRating(
                person_id=invitation.person_id,
                rater_id=rater_id,
                invitation_id=invitation.id,
                instrument_id=instrument.id,
                instrument_version=version,
                item_id=item_id,
                value=value,
                rated_on=today,
            )
        )
    session.flush()
    record_event(
        session,
        organisation_id=invitation.organisation_id or 0,
        actor_user_id=rater_id,
        action="rating.saved",
        object_type="invitation",
        object_id=invitation.id,
        details={"instrument": instrument.id, "items": len(checked)},
    )
    return score_invitation(session, catalog, invitation)


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ResultRow:
    invitation: Invitation
    person: Person
    campaign: Campaign
    snapshot: ScoreSnapshot | None


@dataclass(frozen=True)
class Queue:
    """Everything waiting for a person, with counts."""

    reviews: list[WorkToReview] = field(default_factory=list)
    ratings: list[RatingToGive] = field(default_factory=list)


def queue(session: Session, catalog: Catalog, *, manager_id: int | None = None) -> Queue:
    return Queue(
        pending_reviews(session, catalog, manager_id=manager_id),
        pending_ratings(session, catalog, manager_id=manager_id),
    )


def completed_results(
    session: Session, *, campaign_id: int | None = None, manager_id: int | None = None
) -> list[ResultRow]:
    """Completed assessments with their latest result, newest first."""
    statement = (
        select(Invitation, Person, Campaign)
        .join(Person, col(Person.id) == col(Invitation.person_id))
        .join(Campaign, col(Campaign.id) == col(Invitation.campaign_id))
        .order_by(col(Invitation.completed_at).desc(), col(Invitation.id).desc())
    )
    if campaign_id is not None:
        statement = statement.where(Invitation.campaign_id == campaign_id)
    if manager_id is not None:
        statement = statement.where(managed_by(manager_id))
    rows = session.exec(_completed(statement)).all()
    if not rows:
        return []
    latest_ids = select(func.max(ScoreSnapshot.id)).where(
        col(ScoreSnapshot.invitation_id).in_([row[0].id for row in rows])
    )
    snapshots = {
        s.invitation_id: s
        for s in session.exec(
            select(ScoreSnapshot).where(
                col(ScoreSnapshot.id).in_(latest_ids.group_by(col(ScoreSnapshot.invitation_id)))
            )
        )
    }
    return [
        ResultRow(invitation, person, campaign, snapshots.get(invitation.id))
        for invitation, person, campaign in rows
    ]


def campaigns_with_results(session: Session, *, manager_id: int | None = None) -> list[Campaign]:
    """Campaigns that have at least one completed assessment (of the manager's people, with
    `manager_id`), by name."""
    with_results = _completed(select(Invitation.campaign_id)).distinct()
    if manager_id is not None:
        with_results = with_results.join(Person, col(Person.id) == col(Invitation.person_id)).where(
            managed_by(manager_id)
        )
    return list(
        session.exec(
            select(Campaign).where(col(Campaign.id).in_(with_results)).order_by(col(Campaign.name))
        )
    )
