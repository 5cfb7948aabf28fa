"""The JSON API for the work staff do on results: what waits for a reviewer's rubric points or a
manager's rating, and entering them; and the list of campaigns.

The same rules as the review pages (app/web/routes/reviews.py): admins, HR and heads of sales
see and score everything in the organisation; a manager only the people they manage, anyone
else is answered 404 as if it did not exist. A refused value is a 422 that names its field
(`points.<criterion>`, `values.<scale>`) and stores nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlmodel import Session

from app import i18n
from app.i18n import gettext as _
from app.models import AssessmentSession, Invitation, Person, Role, ScoreSnapshot, User
from app.scoring.definitions import WorkSample
from app.services import campaigns as campaign_service
from app.services import reviews
from app.services.errors import Invalid, NotFound
from app.web.deps import CatalogDep, SessionDep, manager_scope
from app.web.routes.api import (
    ApiProblem,
    Id,
    _api_roles,
    _ApiRoute,
    _campaign_out,
    _changing,
    _errors,
)
from app.web.schemas import CampaignOut

router = APIRouter(prefix="/api/v1", route_class=_ApiRoute)

Reviewer = Annotated[
    User, Depends(_api_roles(Role.admin, Role.hr, Role.head_of_sales, Role.manager))
]
CampaignReader = Annotated[User, Depends(_api_roles(Role.admin, Role.hr, Role.head_of_sales))]
WORK_ERRORS = {**_errors(401, 403, 404, 409), **_errors(422)}


# ----------------------------------------------------------------------------- bodies


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Ref(BaseModel):
    id: int
    name: str


class CriterionOut(BaseModel):
    id: str
    task: str = Field(description="the work-sample task the criterion belongs to")
    text: str
    max_points: int
    anchors: dict[int, str] = Field(description="what each number of points means")


class ReviewOut(BaseModel):
    session_id: int = Field(description="the work-sample session: PUT /reviews/{session_id}")
    invitation_id: int
    person: Ref
    campaign: Ref
    instrument: str
    title: str
    completed_at: datetime | None
    answers: dict[str, str] = Field(description="per task id, the text the person wrote")
    criteria: list[CriterionOut]
    points: dict[str, int] = Field(description="the points already given, per criterion")


class ReviewIn(_Body):
    points: dict[str, StrictInt] = Field(
        description="whole points for every rubric criterion, from 0 to its max_points",
        examples=[{"subject_line": 2, "relevance": 3}],
    )


class ScaleOut(BaseModel):
    id: str
    text: str
    min: int
    max: int
    anchors: dict[int, str]


class RatingOut(BaseModel):
    invitation_id: int = Field(description="PUT /ratings/{invitation_id}")
    person: Ref
    campaign: Ref
    instrument: str
    title: str
    completed_at: datetime | None
    scales: list[ScaleOut]


class RatingIn(_Body):
    values: dict[str, StrictInt | None] = Field(
        description="per scale, a whole number on its range, or null for not observed; at "
        "least one scale must be rated",
        examples=[{"persistence": 4, "negotiation": None}],
    )
    instrument: str | None = Field(
        default=None, description="the manager-rating instrument, when a battery has several"
    )


class ScoredOut(BaseModel):
    """The result scored again with what was just saved."""

    invitation_id: int
    snapshot_id: int
    provisional: bool = Field(description="still waiting for another part scored by a person")
    recommendation: str | None
    confidence: str | None


# ----------------------------------------------------------------------------- helpers


def _visible(session: Session, user: User, invitation_id: int) -> tuple[Invitation, Person]:
    """The invitation and its person, or 404 (also for a manager's stranger)."""
    invitation = session.get(Invitation, invitation_id)
    person = session.get(Person, invitation.person_id) if invitation is not None else None
    if invitation is None or person is None:
        raise NotFound(_("There is no such assessment."))
    if user.role == Role.manager and not reviews.manages(session, user.id or 0, person):
        raise NotFound(_("There is no such assessment."))
    return invitation, person


def _scored(snapshot: ScoreSnapshot) -> ScoredOut:
    return ScoredOut(
        invitation_id=snapshot.invitation_id or 0,
        snapshot_id=snapshot.id or 0,
        provisional=snapshot.provisional,
        recommendation=snapshot.recommendation,
        confidence=snapshot.confidence,
    )


def _refused(exc: Invalid, within: str | None) -> ApiProblem:
    """A service's refusal as a 422 naming the field of the request body: `<within>.<key>`
    for a key of that object, else the field itself."""
    field = f"{within}.{exc.field}" if within and exc.field else exc.field or within or "body"
    return ApiProblem(
        status.HTTP_422_UNPROCESSABLE_CONTENT, {"detail": exc.message, "field": field}
    )


def _criteria(instrument: WorkSample, language: str) -> list[CriterionOut]:
    return [
        CriterionOut(
            id=criterion.id,
            task=task.id,
            text=criterion.criterion.get(language),
            max_points=criterion.max_points,
            anchors={points: text.get(language) for points, text in criterion.anchors.items()},
        )
        for task in instrument.items
        for criterion in task.rubric
    ]


# ----------------------------------------------------------------------------- campaigns


@router.get(
    "/campaigns",
    name="api:campaigns",
    summary="List campaigns",
    tags=["campaigns"],
    response_model=list[CampaignOut],
    responses=_errors(401, 403),
)
def list_campaigns(user: CampaignReader, session: SessionDep) -> list[CampaignOut]:
    """Every campaign of the organisation, newest first, with people per invitation status."""
    return [
        _campaign_out(session, summary.campaign)
        for summary in campaign_service.campaign_summaries(session)
    ]


# ----------------------------------------------------------------------------- work samples


@router.get(
    "/reviews",
    name="api:reviews",
    summary="Work samples waiting for rubric points",
    tags=["reviews"],
    response_model=list[ReviewOut],
    responses=_errors(401, 403),
)
def list_reviews(user: Reviewer, session: SessionDep, catalog: CatalogDep) -> list[ReviewOut]:
    """Completed assessments whose work sample lacks points, oldest first, with the answer,
    the rubric and the session id to send the points to (a manager: their people only)."""
    language = i18n.get_language()
    out = []
    for waiting in reviews.pending_reviews(session, catalog, manager_id=manager_scope(user)):
        out.append(
            ReviewOut(
                session_id=waiting.instrument_session.id or 0,
                invitation_id=waiting.invitation.id or 0,
                person=Ref(id=waiting.person.id or 0, name=waiting.person.full_name),
                campaign=Ref(id=waiting.campaign.id or 0, name=waiting.campaign.name),
                instrument=waiting.instrument.id,
                title=waiting.instrument.title.get(language),
                completed_at=waiting.waiting_since,
                answers=waiting.answers,
                criteria=_criteria(waiting.instrument, language),
                points=reviews.review_points(session, waiting.instrument_session),
            )
        )
    return out


@router.put(
    "/reviews/{session_id}",
    name="api:review_save",
    summary="Give a work sample its rubric points",
    tags=["reviews"],
    response_model=ScoredOut,
    responses=WORK_ERRORS,
)
def save_review(
    session_id: Id, body: ReviewIn, user: Reviewer, session: SessionDep, catalog: CatalogDep
) -> ScoredOut:
    """Store the points for every criterion (replacing earlier ones) and score the result
    again. A missing or out-of-range criterion is a 422 naming `points.<criterion>`."""
    instrument_session = session.get(AssessmentSession, session_id)
    if (
        instrument_session is None
        or instrument_session.invitation_id is None
        or reviews.work_sample_of(catalog, instrument_session) is None
    ):
        raise NotFound(_("There is no such work sample."))
    _visible(session, user, instrument_session.invitation_id)
    try:
        with _changing(session):
            snapshot = reviews.save_review(
                session,
                catalog,
                instrument_session=instrument_session,
                points=body.points,
                reviewer_id=user.id,
            )
    except Invalid as exc:
        raise _refused(exc, "points") from None
    return _scored(snapshot)


# ----------------------------------------------------------------------------- manager ratings


@router.get(
    "/ratings",
    name="api:ratings",
    summary="Manager ratings waiting to be given",
    tags=["reviews"],
    response_model=list[RatingOut],
    responses=_errors(401, 403),
)
def list_ratings(user: Reviewer, session: SessionDep, catalog: CatalogDep) -> list[RatingOut]:
    """Completed employee assessments whose manager rating is not given yet, oldest first,
    with the scales to rate (a manager: their people only)."""
    language = i18n.get_language()
    out = []
    for waiting in reviews.pending_ratings(session, catalog, manager_id=manager_scope(user)):
        scale = waiting.instrument.response_scale
        out.append(
            RatingOut(
                invitation_id=waiting.invitation.id or 0,
                person=Ref(id=waiting.person.id or 0, name=waiting.person.full_name),
                campaign=Ref(id=waiting.campaign.id or 0, name=waiting.campaign.name),
                instrument=waiting.instrument.id,
                title=waiting.instrument.title.get(language),
                completed_at=waiting.waiting_since,
                scales=[
                    ScaleOut(
                        id=item.id,
                        text=item.text.get(language),
                        min=scale.min,
                        max=scale.max,
                        anchors={k: v.get(language) for k, v in item.anchors.items()},
                    )
                    for item in waiting.instrument.items
                ],
            )
        )
    return out


@router.put(
    "/ratings/{invitation_id}",
    name="api:rating_save",
    summary="Give an employee the manager's rating",
    tags=["reviews"],
    response_model=ScoredOut,
    responses=WORK_ERRORS,
)
def save_rating(
    invitation_id: Id, body: RatingIn, user: Reviewer, session: SessionDep, catalog: CatalogDep
) -> ScoredOut:
    """Store the rating (replacing an earlier one as a whole; null = not observed) and score
    the result again. A bad value is a 422 naming `values.<scale>`."""
    invitation, _person = _visible(session, user, invitation_id)
    values: dict[str, Any] = {k: ("" if v is None else v) for k, v in body.values.items()}
    try:
        with _changing(session):
            snapshot = reviews.save_rating(
                session,
                catalog,
                invitation=invitation,
                values=values,
                rater_id=user.id,
                instrument_id=body.instrument,
            )
    except Invalid as exc:
        raise _refused(exc, None if exc.field == "instrument" else "values") from None
    return _scored(snapshot)
