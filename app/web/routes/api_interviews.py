"""The structured interview by API and as a page (app/services/interviews.py).

- GET /api/v1/interviews/{invitation_id}: the interview's questions with their anchors (the
  competencies of an `uncertain` result's proposal first), every interviewer's ratings, and
  the proposal itself.
- PUT /api/v1/interviews/{invitation_id}: the calling user's ratings (replacing their earlier
  ones as a whole; null = not asked); the result is scored again.
- GET/POST /interviews/{invitation_id}: the same as a page for use during or right after the
  interview (phone and desktop, no JavaScript); `?focus=cid,cid` puts those competencies'
  questions first.

Admins, HR and heads of sales: every invitation of their organisation; a manager: only the
people they manage (anyone else is 404, as on the review pages); other roles 403. Another
organisation's invitation is 404. A refused value is a 422 naming `values.<question>` and
stores nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlmodel import Session, col, select

from app import i18n
from app.i18n import gettext as _
from app.models import Invitation, Person, Role, User
from app.scoring.definitions import Interview
from app.scoring.loader import Catalog
from app.services import interviews, reviews
from app.services.audit import API, record_read
from app.services.errors import Invalid, NotFound, ServiceError
from app.services.results import latest_result
from app.web.csrf import verify_csrf
from app.web.deps import CatalogDep, SessionDep, require_roles
from app.web.routes.api import Id, _api_roles, _ApiRoute, _changing, _errors
from app.web.routes.api_staff_work import ScoredOut, _refused, _scored
from app.web.routes.reviews import FormFields
from app.web.templating import render

router = APIRouter(prefix="/api/v1", route_class=_ApiRoute)
page_router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

INTERVIEWER_ROLES = (Role.admin, Role.hr, Role.head_of_sales, Role.manager)
ApiInterviewer = Annotated[User, Depends(_api_roles(*INTERVIEWER_ROLES))]
PageInterviewer = Annotated[User, Depends(require_roles(*INTERVIEWER_ROLES))]
FIELD = "q_"


class QuestionOut(BaseModel):
    id: str
    competency: str
    kind: str = Field(description="behavioural or situational")
    text: str
    anchors: dict[int, str] = Field(description="observable behaviour at these points")
    proposed: bool = Field(description="its competency left an `uncertain` decision open")


class InterviewerOut(BaseModel):
    user_id: int | None = Field(description="null: the interviewer's account was deleted")
    name: str | None
    ratings: dict[str, int]


class ProposalOut(BaseModel):
    competencies: list[str]
    questions: list[str]
    path: str = Field(description="the interview page with those questions first")


class InterviewOut(BaseModel):
    invitation_id: int
    person_id: int
    instrument: str
    version: str
    title: str
    min: int
    max: int
    questions: list[QuestionOut]
    interviewers: list[InterviewerOut]
    proposal: ProposalOut | None = Field(
        description="set when the latest result is `uncertain`: interview exactly these "
        "competencies"
    )
    completed_at: datetime | None


class InterviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    values: dict[str, StrictInt | None] = Field(
        description="per question id, a whole number on the scale, or null for not asked; at "
        "least one question must be rated",
        examples=[{"iv_ng_past": 4, "iv_ng_situation": 3, "iv_pr_past": None}],
    )
    instrument: str | None = Field(
        default=None, description="the interview instrument, when more than one is installed"
    )


# ----------------------------------------------------------------------------- helpers


def _visible(session: Session, user: User, invitation_id: int) -> tuple[Invitation, Person]:
    # A query, not session.get: the organisation's boundary applies to queries (app.db), and
    # session.get may answer from the identity map without asking the database.
    found = session.exec(
        select(Invitation, Person)
        .join(Person, col(Person.id) == col(Invitation.person_id))
        .where(Invitation.id == invitation_id)
    ).first()
    invitation, person = found if found is not None else (None, None)
    if invitation is None or person is None:
        raise NotFound(_("There is no such assessment."))
    if user.role == Role.manager and not reviews.manages(session, user.id or 0, person):
        raise NotFound(_("There is no such assessment."))
    return invitation, person


def _proposal(session: Session, invitation: Invitation) -> dict[str, Any] | None:
    snapshot = latest_result(session, invitation.id or 0)
    if snapshot is None:
        return None
    proposal = snapshot.scores.get("interview_proposal")
    return proposal if isinstance(proposal, dict) else None


def _focus(raw: str | None, proposal: dict[str, Any] | None, catalog: Catalog) -> list[str]:
    """Competencies to ask first: the `focus` query, else the proposal's."""
    known = set(catalog.model.competency_ids)
    if raw:
        return [c for c in dict.fromkeys(p.strip() for p in raw.split(",")) if c in known]
    return list(proposal["competencies"]) if proposal else []


def _names(session: Session, ids: list[int | None]) -> dict[int, str]:
    out = {}
    for uid in ids:
        if uid is not None:
            found = session.get(User, uid)
            if found is not None:
                out[uid] = found.full_name or found.email
    return out


# ----------------------------------------------------------------------------- API


@router.get(
    "/interviews/{invitation_id}",
    name="api:interview",
    summary="The structured interview of an assessment",
    tags=["reviews"],
    response_model=InterviewOut,
    responses=_errors(401, 403, 404),
)
def get_interview(
    invitation_id: Id, user: ApiInterviewer, session: SessionDep, catalog: CatalogDep
) -> InterviewOut:
    """The questions (those of an `uncertain` result's open competencies first, marked
    `proposed`) and every interviewer's ratings so far."""
    invitation, person = _visible(session, user, invitation_id)
    instrument = interviews.interview_instrument(catalog)
    proposal = _proposal(session, invitation)
    focus = _focus(None, proposal, catalog)
    given = interviews.panel(session, invitation, instrument)
    names = _names(session, list(given.ratings))
    language = i18n.get_language()
    with _changing(session):
        record_read(
            session,
            user=user,
            action="interview.viewed",
            person_ids=[person.id],
            via=API,
            object_type="invitation",
            object_id=invitation.id,
        )
    return InterviewOut(
        invitation_id=invitation.id or 0,
        person_id=person.id or 0,
        instrument=instrument.id,
        version=catalog.instruments[instrument.id].version,
        title=instrument.title.get(language),
        min=instrument.response_scale.min,
        max=instrument.response_scale.max,
        questions=[
            QuestionOut(
                id=item.id,
                competency=item.scale,
                kind=item.kind,
                text=item.text.get(language),
                anchors={k: v.get(language) for k, v in item.anchors.items()},
                proposed=item.scale in focus,
            )
            for item in interviews.ordered_items(instrument, focus)
        ],
        interviewers=[
            InterviewerOut(user_id=uid, name=names.get(uid or 0), ratings=ratings)
            for uid, ratings in given.ratings.items()
        ],
        proposal=ProposalOut(
            competencies=proposal["competencies"],
            questions=proposal["questions"],
            path=proposal["path"],
        )
        if proposal
        else None,
        completed_at=invitation.completed_at,
    )


@router.put(
    "/interviews/{invitation_id}",
    name="api:interview_save",
    summary="Give your ratings of a structured interview",
    tags=["reviews"],
    response_model=ScoredOut,
    responses={**_errors(401, 403, 404, 409), **_errors(422)},
)
def save_interview(
    invitation_id: Id,
    body: InterviewIn,
    user: ApiInterviewer,
    session: SessionDep,
    catalog: CatalogDep,
) -> ScoredOut:
    """Store the calling user's ratings (each interviewer of a panel separately; saving
    again replaces your earlier ratings as a whole) and score the result again."""
    invitation, _person = _visible(session, user, invitation_id)
    values: dict[str, Any] = {k: ("" if v is None else v) for k, v in body.values.items()}
    try:
        with _changing(session):
            snapshot = interviews.save(
                session,
                catalog,
                invitation=invitation,
                interviewer=user,
                values=values,
                instrument_id=body.instrument,
            )
    except Invalid as exc:
        raise _refused(exc, None if exc.field == "instrument" else "values") from None
    return _scored(snapshot)


# ----------------------------------------------------------------------------- page


def _page(
    request: Request,
    session: Session,
    catalog: Catalog,
    user: User,
    invitation_id: int,
    *,
    chosen: dict[str, str] | None = None,
    error: ServiceError | None = None,
    saved: bool = False,
) -> Response:
    try:
        invitation, person = _visible(session, user, invitation_id)
        instrument: Interview = interviews.interview_instrument(catalog)
    except NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND) from None
    proposal = _proposal(session, invitation)
    focus = _focus(request.query_params.get("focus"), proposal, catalog)
    given = interviews.panel(session, invitation, instrument)
    mine = given.ratings.get(user.id, {})
    if chosen is None:
        chosen = {k: str(v) for k, v in mine.items()}
    record_read(
        session,
        user=user,
        action="interview.viewed",
        person_ids=[person.id],
        object_type="invitation",
        object_id=invitation.id,
    )
    session.commit()
    snapshot = latest_result(session, invitation.id or 0)
    effect = snapshot.scores.get("interview_effect") if snapshot else None
    names = {cid: c.name for cid, c in catalog.model.definition.competencies.items()}
    return render(
        request,
        "interviews/interview.html",
        {
            "invitation": invitation,
            "person": person,
            "instrument": instrument,
            "items": interviews.ordered_items(instrument, focus),
            "focus": focus,
            "competency_names": names,
            "chosen": chosen,
            "rated_before": bool(mine),
            "others": len([uid for uid in given.ratings if uid != user.id]),
            "completed": invitation.completed_at is not None,
            "error": error,
            "saved": saved,
            "effect": effect,
            "field_prefix": FIELD,
            "focus_query": ",".join(focus),
        },
        status_code=error.status if error else status.HTTP_200_OK,
    )


@page_router.get("/interviews/{invitation_id:id}", name="interviews:page")
def interview_page(
    request: Request,
    invitation_id: int,
    user: PageInterviewer,
    session: SessionDep,
    catalog: CatalogDep,
) -> Response:
    return _page(
        request,
        session,
        catalog,
        user,
        invitation_id,
        saved=request.query_params.get("saved") == "1",
    )


@page_router.post("/interviews/{invitation_id:id}", name="interviews:save")
def interview_save(
    request: Request,
    invitation_id: int,
    user: PageInterviewer,
    session: SessionDep,
    catalog: CatalogDep,
    fields: FormFields,
) -> Response:
    try:
        invitation, _person = _visible(session, user, invitation_id)
        instrument = interviews.interview_instrument(catalog)
    except NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND) from None
    values = {item.id: fields.get(FIELD + item.id, "").strip() for item in instrument.items}
    try:
        interviews.save(session, catalog, invitation=invitation, interviewer=user, values=values)
    except ServiceError as exc:
        session.rollback()
        return _page(request, session, catalog, user, invitation_id, chosen=values, error=exc)
    session.commit()
    focus = _focus(fields.get("focus", ""), None, catalog)
    query = urlencode({"saved": 1, **({"focus": ",".join(focus)} if focus else {})})
    return RedirectResponse(f"/interviews/{invitation_id}?{query}", status.HTTP_303_SEE_OTHER)
