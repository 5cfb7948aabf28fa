"""Personal data in the API: export and erase one person, and read the audit trail.

- GET  /api/v1/people/{id}/export — everything held on the person (admin, HR); audited.
- POST /api/v1/people/{id}/erase  — body {"confirm": true}; the person's contact data,
  free-text answers and mail go, their links stop; scores stay anonymous (admin, HR); audited.
- GET  /api/v1/audit?person_id=&user_id=&since=&action=&limit= — the audit trail (admin).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, Field
from sqlmodel import Session

from app.i18n import gettext as _
from app.models import Person, Role, User
from app.services import privacy
from app.services.audit import API, AuditQuery, describe, find_events, record_read
from app.services.errors import NotFound
from app.web.deps import SessionDep
from app.web.routes.api import STAFF_ERRORS, Id, _api_roles, _ApiRoute, _changing, _errors

router = APIRouter(prefix="/api/v1", route_class=_ApiRoute)

DataKeeper = Annotated[User, Depends(_api_roles(Role.admin, Role.hr))]
Auditor = Annotated[User, Depends(_api_roles(Role.admin))]
MAX_AUDIT_ROWS = 10_000


class PersonData(BaseModel):
    exported_at: str
    person: dict[str, Any] = Field(description="Contact data and where the person stands.")
    consents: list[dict[str, Any]]
    invitations: list[dict[str, Any]]
    answers: list[dict[str, Any]] = Field(description="Every stored answer, text included.")
    results: list[dict[str, Any]] = Field(description="Every result, with its whole payload.")
    manager_ratings: list[dict[str, Any]]
    interview_ratings: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Structured-interview ratings, one per interviewer and question.",
    )
    kpis: list[dict[str, Any]]
    groups: list[dict[str, Any]] = Field(
        description="What the person chose to say about themselves for the fairness audit."
    )
    mail: list[dict[str, Any]] = Field(description="Mail to the person still in the outbox.")
    audit: list[dict[str, Any]] = Field(description="Who read, exported or changed their data.")


class EraseIn(BaseModel):
    model_config = {"extra": "forbid"}

    confirm: Literal[True] = Field(description="Must be true: erasure cannot be undone.")


class ErasedOut(BaseModel):
    person_id: int
    answers_emptied: int
    comments_removed: int
    links_revoked: int
    mail_removed: int
    groups_removed: int = Field(description="Fairness-audit answers deleted.")


class AuditEntry(BaseModel):
    at: datetime
    actor: str = Field(description="The user's e-mail, or system, candidate, anonymous.")
    actor_user_id: int | None
    action: str = Field(examples=["report.viewed", "person.erased", "user.sign_in_failed"])
    person_id: int | None = Field(description="Whose data the event concerns.")
    detail: dict[str, Any]


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(_("There is no such person."))
    return person


@router.get(
    "/people/{person_id}/export",
    name="api:person_export",
    summary="Everything held on one person",
    tags=["personal data"],
    response_model=PersonData,
    responses=STAFF_ERRORS,
)
def export_person(person_id: Id, user: DataKeeper, session: SessionDep) -> dict[str, Any]:
    """Contact data, consents, invitations, answers, results, ratings, KPIs, mail and the
    audit of who saw the data. The export itself is audited (`person.exported`)."""
    person = _person(session, person_id)
    data = privacy.export_person(session, person)
    with _changing(session):
        record_read(session, user=user, action="person.exported", person_ids=[person.id], via=API)
    return data


@router.post(
    "/people/{person_id}/erase",
    name="api:person_erase",
    summary="Erase one person",
    tags=["personal data"],
    response_model=ErasedOut,
    responses={**STAFF_ERRORS, **_errors(409)},
)
def erase_person(person_id: Id, body: EraseIn, user: DataKeeper, session: SessionDep) -> ErasedOut:
    """Remove the person's name and contact data, free-text answers and manager comments, and
    their mail; stop their links. Scores stay, tied to a person nobody can name, so team
    figures still add up. Audited (`person.erased`); a second call answers 409."""
    person = _person(session, person_id)
    with _changing(session):
        done = privacy.erase_person(session, person, actor=API, actor_user_id=user.id)
    return ErasedOut(
        person_id=person_id,
        answers_emptied=done.answers,
        comments_removed=done.comments,
        links_revoked=done.links,
        mail_removed=done.mail,
        groups_removed=done.groups,
    )


@router.get(
    "/audit",
    name="api:audit",
    summary="The audit trail",
    tags=["personal data"],
    response_model=list[AuditEntry],
    responses=_errors(401, 403),
)
def audit(
    user: Auditor,
    session: SessionDep,
    person_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    user_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    since: Annotated[AwareDatetime | None, Query(description="ISO 8601 with a zone")] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_ROWS)] = 1000,
) -> list[dict[str, Any]]:
    """Events newest first: who read, exported, erased or changed what, and failed sign-ins."""
    query = AuditQuery(person_id, user_id, since, action, limit)
    return describe(session, find_events(session, query))
