"""A retake in one step (app/services/retake.py), for HR and admins of the invitation's
organisation:

- POST /api/v1/invitations/{id}/retake — JSON body, optional: {"instruments": [ids]}
  (default: the instruments with a serious validity flag); answers the fresh link.
- POST /hr/invitations/{id}/retake — the same as a form action (CSRF like every form; the
  field `instruments` may repeat), from the report of an `invalid` result
  (templates/partials/retake.html); redirects to the campaign page.

Another organisation's invitation is 404; a role other than HR or admin is 403. A refused
retake changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from app.db import utcnow
from app.i18n import gettext as _
from app.models import Role, User
from app.services import campaigns as campaign_service
from app.services import retake as retake_service
from app.services.errors import Invalid, ServiceError
from app.web.csrf import verify_csrf
from app.web.deps import CatalogDep, SessionDep, SettingsDep, require_roles
from app.web.routes.api import STAFF_ERRORS, Id, _api_roles, _ApiRoute, _changing, _errors

router = APIRouter(prefix="/api/v1", route_class=_ApiRoute)
form_router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

RetakeManager = Annotated[User, Depends(_api_roles(Role.admin, Role.hr))]
HrUser = Annotated[User, Depends(require_roles(Role.admin, Role.hr))]
MAX_INSTRUMENTS = 20


class RetakeIn(BaseModel):
    model_config = {"extra": "forbid"}

    instruments: list[str] | None = Field(
        default=None,
        max_length=MAX_INSTRUMENTS,
        description="Instrument ids of the invitation's battery to take again; "
        "default: those with a serious validity flag.",
        examples=[["sales_self_report"]],
    )


class RetakeOut(BaseModel):
    invitation_id: int
    person_id: int
    url: str = Field(description="The fresh personal link; the old one no longer works.")
    expires_at: datetime | None
    status: str = Field(description="The invitation's status: open again.")
    instruments: list[str] = Field(description="The instruments the person takes again.")
    superseded_sessions: list[int] = Field(
        description="The earlier sessions of those instruments: kept, no longer counted."
    )
    mail_queued: bool = Field(description="False when the person has no e-mail address.")


@router.post(
    "/invitations/{invitation_id}/retake",
    name="api:invitation_retake",
    summary="Send a fresh link for instruments whose answers cannot be used",
    tags=["campaigns"],
    response_model=RetakeOut,
    responses={**STAFF_ERRORS, **_errors(409, 422)},
)
def retake_api(
    invitation_id: Id,
    user: RetakeManager,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    body: Annotated[RetakeIn | None, Body()] = None,
) -> RetakeOut:
    """Keep the old answers (their session is marked superseded), open the invitation again
    under a new token, queue the invitation e-mail with the new link and audit the step.
    Without `instruments`, the instruments with a serious validity flag are retaken (409 if
    there is none)."""
    invitation = campaign_service.get_invitation(session, invitation_id)
    with _changing(session):
        done = retake_service.retake(
            session,
            catalog=catalog,
            invitation=invitation,
            secret_key=settings.get_secret_key(),
            base_url=settings.base_url,
            instruments=None if body is None else body.instruments,
            actor_user_id=user.id,
            actor="api",
        )
    return RetakeOut(
        invitation_id=done.invitation.id or 0,
        person_id=done.invitation.person_id,
        url=done.url,
        expires_at=done.invitation.expires_at,
        status=str(done.invitation.status(utcnow())),
        instruments=done.instruments,
        superseded_sessions=done.superseded_sessions,
        mail_queued=done.mail_queued,
    )


@form_router.post("/hr/invitations/{invitation_id:id}/retake", name="retake:form")
def retake_form(
    request: Request,
    invitation_id: int,
    user: HrUser,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    instruments: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        invitation = campaign_service.get_invitation(session, invitation_id)
        if instruments is not None and len(instruments) > MAX_INSTRUMENTS:
            raise Invalid(_("Choose at most %(count)s instruments.") % {"count": MAX_INSTRUMENTS})
        campaign_id = invitation.campaign_id
        retake_service.retake(
            session,
            catalog=catalog,
            invitation=invitation,
            secret_key=settings.get_secret_key(),
            base_url=settings.base_url,
            instruments=instruments or None,
            actor_user_id=user.id,
        )
    except ServiceError as exc:
        # Refused before anything changed; the request's session is closed without a commit
        # (no rollback here: the error page still reads the signed-in user).
        raise HTTPException(exc.status, exc.message) from None
    session.commit()
    path = request.url_for("hr:campaign", campaign_id=campaign_id).path
    return RedirectResponse(f"{path}?done=retake", status.HTTP_303_SEE_OTHER)
