"""The fairness audit's pages, and the optional questions a person may answer about
themselves after finishing an assessment (see app/services/fairness.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import Response
from sqlmodel import col, select

from app.models import Campaign, Invitation, InvitationStatus, Role, User
from app.services import fairness
from app.services.errors import ServiceError
from app.web.csrf import verify_csrf
from app.web.deps import SessionDep, require_roles
from app.web.routes.candidate import Visit, _open, _page, _redirect
from app.web.routes.staff import Posted, form_text
from app.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

Auditor = Annotated[User, Depends(require_roles(Role.admin, Role.hr, Role.head_of_sales))]


def _labels() -> dict[str, object]:
    return {"attribute_label": fairness.attribute_label, "value_label": fairness.value_label}


@router.get("/fairness", name="fairness:index")
def fairness_index(request: Request, user: Auditor, session: SessionDep) -> Response:
    with_results = (
        select(Invitation.campaign_id)
        .where(col(Invitation.completed_at).is_not(None), col(Invitation.revoked_at).is_(None))
        .distinct()
    )
    campaigns = session.exec(
        select(Campaign).where(col(Campaign.id).in_(with_results)).order_by(col(Campaign.name))
    ).all()
    return render(request, "staff/fairness_index.html", {"campaigns": campaigns})


@router.get("/campaigns/{campaign_id:id}/fairness", name="fairness:campaign")
def fairness_page(
    request: Request, campaign_id: int, user: Auditor, session: SessionDep
) -> Response:
    try:
        campaign = fairness.find_campaign(session, campaign_id)
    except ServiceError:
        raise HTTPException(status.HTTP_404_NOT_FOUND) from None
    audit = fairness.campaign_audit(session, campaign)
    return render(request, "staff/fairness.html", {"audit": audit, **_labels()})


# ----------------------------------------------------------------------------- the person


def _form(
    request: Request,
    visit: Visit,
    *,
    saved: bool = False,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return _page(
        request,
        "staff/voluntary.html",
        {
            "token": visit.token,
            "attributes": fairness.ATTRIBUTES,
            "saved": saved,
            "error": error,
            "organisation_name": visit.organisation.name if visit.organisation else "",
            **_labels(),
        },
        status_code=status_code,
    )


@router.get("/a/{token}/about-you", name="fairness:voluntary")
def voluntary(request: Request, token: str, session: SessionDep) -> Response:
    """Right after finishing (in the same browser): two optional questions, apart from the
    assessment, with their own consent."""
    visit = _open(request, session, token, ended=InvitationStatus.completed)
    if isinstance(visit, Response):
        return visit
    if visit.invitation.completed_at is None:  # asked only once the assessment is finished
        return _redirect(request, "candidate:start", token=token)
    return _form(request, visit, saved=fairness.answered(session, visit.invitation.person_id))


@router.post("/a/{token}/about-you", name="fairness:voluntary_save")
def voluntary_save(request: Request, token: str, session: SessionDep, form: Posted) -> Response:
    visit = _open(request, session, token, ended=InvitationStatus.completed)
    if isinstance(visit, Response):
        return visit
    if visit.invitation.completed_at is None:
        return _redirect(request, "candidate:start", token=token)
    if form_text(form, "consent") != "1":
        return _form(
            request,
            visit,
            error=fairness.consent_needed(),
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    try:
        fairness.record_groups(
            session,
            person_id=visit.invitation.person_id,
            invitation_id=visit.invitation.id,
            answers={a: form_text(form, a) for a in fairness.ATTRIBUTES},
            language=visit.language,
        )
    except ServiceError as exc:
        session.rollback()
        return _form(request, visit, error=exc.message, status_code=exc.status)
    session.commit()
    return _form(request, visit, saved=True)
