"""A person's report: the page a head of sales decides from, and the same data as JSON.

Admins, HR and heads of sales see everyone in their organisation; a manager sees only the
people they manage (directly or through a team they lead). Anyone else, and any person of
another organisation, is answered with 404, as if the page did not exist.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from app import i18n
from app.i18n import gettext as _
from app.ids import parse_id
from app.models import Invitation, Person, Role, User
from app.services import reviews
from app.services.audit import record_read
from app.services.errors import NotFound
from app.services.report import person_report
from app.web.csrf import verify_csrf
from app.web.deps import CatalogDep, OptionalUser, SessionDep, require_roles
from app.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)])

ROLES = (Role.admin, Role.hr, Role.head_of_sales, Role.manager)
Reader = Annotated[User, Depends(require_roles(*ROLES))]


def _visible_person(session: Session, user: User, person_id: int) -> Person | None:
    person = session.get(Person, person_id)
    if person is None:
        return None
    if user.role == Role.manager and not reviews.manages(session, user.id or 0, person):
        return None
    return person


def _subject(session: Session, person: Person, raw: str | None) -> Person | Invitation | None:
    """The person (latest assessment), or the invitation `?invitation=` names, if it is theirs."""
    if raw is None or raw == "":
        return person
    invitation_id = parse_id(raw)
    if invitation_id is None:
        return None
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.person_id != person.id:
        return None
    return invitation


def _report(
    session: Session, catalog: Any, user: User, person_id: int, invitation: str | None
) -> dict[str, Any] | None:
    person = _visible_person(session, user, person_id)
    if person is None:
        return None
    subject = _subject(session, person, invitation)
    if subject is None:
        return None
    try:
        return person_report(session, catalog, subject, i18n.get_language())
    except NotFound:
        return None


def _retake(
    session: Session, catalog: Any, report: dict[str, Any], language: str
) -> dict[str, Any] | None:
    """For an invalid result, what the retake partial offers (`app.services.retake`, from the
    validity work; None where that module is not installed)."""
    if report["recommendation"]["code"] != "invalid":
        return None
    try:
        module = importlib.import_module("app.services.retake")
    except ImportError:
        return None
    view = getattr(module, "retake_view", None)
    invitation = session.get(Invitation, report["invitation_id"])
    if view is None or invitation is None:
        return None
    found: dict[str, Any] | None = view(session, catalog, invitation, language)
    return found


@router.get("/people/{person_id:id}/report", name="report:person")
def person_page(
    request: Request,
    person_id: int,
    user: Reader,
    session: SessionDep,
    catalog: CatalogDep,
    invitation: str | None = None,
) -> Response:
    report = _report(session, catalog, user, person_id, invitation)
    if report is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    retake = _retake(session, catalog, report, i18n.get_language())
    record_read(session, user=user, action="report.viewed", person_ids=[person_id])
    session.commit()
    return render(
        request,
        "report/person.html",
        {
            "report": report,
            "retake": retake,
            "can_retake": user.role in (Role.admin, Role.hr),
        },
    )


@router.get("/people/{person_id:id}/report.json", name="report:person_json")
def person_json(
    request: Request,
    person_id: int,
    user: OptionalUser,
    session: SessionDep,
    catalog: CatalogDep,
    invitation: str | None = None,
) -> Response:
    """The report's data. Signed in by the session cookie; answers JSON errors, never a page."""
    if user is None:
        return JSONResponse(
            {"detail": _("Sign in to see this report.")}, status.HTTP_401_UNAUTHORIZED
        )
    if user.role not in ROLES:
        return JSONResponse(
            {"detail": _("Your role does not give access to this page.")},
            status.HTTP_403_FORBIDDEN,
        )
    report = _report(session, catalog, user, person_id, invitation)
    if report is None:
        return JSONResponse(
            {"detail": _("There is no report for this person.")}, status.HTTP_404_NOT_FOUND
        )
    record_read(
        session, user=user, action="report.viewed", person_ids=[person_id], details={"as": "json"}
    )
    session.commit()
    return JSONResponse(report, headers={"Cache-Control": "no-store"})
