"""A person's personal data, for an admin or HR answering a request (page and download):
everything held on them, and erasure with confirmation. The staff directory's person page
links here; so does the person's report. Both are audited, as in the API."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.i18n import gettext as _
from app.models import Person, Role, User
from app.services import privacy
from app.services.audit import record_read
from app.services.errors import ServiceError
from app.web.csrf import verify_csrf
from app.web.deps import SessionDep, require_roles
from app.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

DataKeeper = Annotated[User, Depends(require_roles(Role.admin, Role.hr))]
CONFIRM = "yes"


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return person


def _page(
    request: Request,
    session: Session,
    user: User,
    person: Person,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    data = privacy.export_person(session, person)
    record_read(
        session, user=user, action="person.exported", person_ids=[person.id], details={"as": "page"}
    )
    session.commit()
    return render(
        request,
        "privacy/person.html",
        {
            "person": person,
            "data": data,
            "erased": request.query_params.get("done") == "erased",
            "error": error,
            "confirm_value": CONFIRM,
        },
        status_code=status_code,
    )


@router.get("/people/{person_id:id}/privacy", name="privacy:person")
def person_page(
    request: Request, person_id: int, user: DataKeeper, session: SessionDep
) -> Response:
    return _page(request, session, user, _person(session, person_id))


@router.get("/people/{person_id:id}/privacy/export.json", name="privacy:export")
def download(request: Request, person_id: int, user: DataKeeper, session: SessionDep) -> Response:
    person = _person(session, person_id)
    data: dict[str, Any] = privacy.export_person(session, person)
    record_read(
        session, user=user, action="person.exported", person_ids=[person.id], details={"as": "json"}
    )
    session.commit()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="person-{person_id}.json"'},
    )


@router.post("/people/{person_id:id}/privacy/erase", name="privacy:erase")
def erase(
    request: Request,
    person_id: int,
    user: DataKeeper,
    session: SessionDep,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    person = _person(session, person_id)
    if confirm != CONFIRM:
        message = _(
            "Nothing was erased: tick the box that confirms the erasure, then press the button."
        )
        return _page(request, session, user, person, error=message, status_code=422)
    try:
        privacy.erase_person(session, person, actor="user", actor_user_id=user.id)
    except ServiceError as exc:
        session.rollback()
        return _page(request, session, user, person, error=exc.message, status_code=exc.status)
    session.commit()
    target = request.url_for("privacy:person", person_id=person_id).path + "?done=erased"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)
