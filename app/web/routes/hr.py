"""HR pages: campaigns, people, invitations and the outbox.

The routes are thin: every rule (who may be invited, which action a state allows, how a
CSV row is checked) lives in app/services; a ServiceError is shown with its message and
nothing is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from app import i18n
from app.config import Settings
from app.i18n import gettext as _
from app.labels import (
    invitation_status_label,
    mail_status_label,
    person_kind_label,
    target_role_label,
)
from app.models import Campaign, Invitation, InvitationStatus, Role, User
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services.catalogs import PRODUCT_TEST, organisation_catalog
from app.services.errors import ServiceError
from app.services.mail import organisation_outbox, smtp_configured
from app.services.people import import_people, register_person
from app.web.csrf import verify_csrf
from app.web.deps import CatalogDep, SessionDep, SettingsDep, require_roles
from app.web.templating import render

router = APIRouter(prefix="/hr", dependencies=[Depends(verify_csrf)], include_in_schema=False)

HrUser = Annotated[User, Depends(require_roles(Role.admin, Role.hr))]

MAX_UPLOAD_BYTES = 1024 * 1024
"""The largest CSV accepted (about ten thousand rows)."""
EXTEND_DAYS = 7
OUTBOX_LIMIT = 200
DEFAULT_BATTERY = "candidate-general"
TARGET_ROLES = ("active", "passive", "either")
PERSON_KINDS = ("candidate", "employee")
COUNTED_STATUSES = (
    InvitationStatus.invited,
    InvitationStatus.opened,
    InvitationStatus.in_progress,
    InvitationStatus.completed,
    InvitationStatus.expired,
    InvitationStatus.revoked,
    InvitationStatus.declined,
)
FINAL_STATUSES = frozenset(
    {InvitationStatus.revoked, InvitationStatus.completed, InvitationStatus.declined}
)
"""States in which an invitation no longer changes: no actions, no link to copy."""
REMINDABLE = frozenset(
    {InvitationStatus.invited, InvitationStatus.opened, InvitationStatus.in_progress}
)


# ----------------------------------------------------------------------------- helpers


def _notice(done: str | None) -> str | None:
    """The message for a `?done=` code set by a redirect after a successful post."""
    notices = {
        "created": _("The campaign is created. Add people one by one or upload a CSV file."),
        "invited": _("The person is added and the invitation e-mail is queued."),
        "already": _("This person was already invited to this campaign; nothing was sent again."),
        "known": _(
            "This e-mail belongs to a person already known under another name. The invitation "
            "uses the name on record; nobody was renamed."
        ),
        "reminded": _("A reminder e-mail is queued."),
        "retake": _(
            "A fresh link is sent for the chosen instruments; the old link no longer works. "
            "The earlier answers are kept."
        ),
        "revoked": _("The link is revoked and no longer works. Answers given so far are kept."),
        "extended": _("The link now works %(days)s more days.") % {"days": EXTEND_DAYS},
    }
    return notices.get(done or "")


LABELS = {
    "invitation_status_label": invitation_status_label,
    "target_role_label": target_role_label,
    "person_kind_label": person_kind_label,
    "mail_status_label": mail_status_label,
}


def _redirect(request: Request, name: str, done: str, **params: Any) -> RedirectResponse:
    path = request.url_for(name, **params).path
    return RedirectResponse(f"{path}?done={done}", status.HTTP_303_SEE_OTHER)


def _get_campaign(session: Session, campaign_id: int) -> Campaign:
    try:
        return campaign_service.get_campaign(session, campaign_id)
    except ServiceError as exc:
        raise HTTPException(exc.status, exc.message) from None


def _get_invitation(session: Session, invitation_id: int) -> Invitation:
    try:
        return campaign_service.get_invitation(session, invitation_id)
    except ServiceError as exc:
        raise HTTPException(exc.status, exc.message) from None


# ----------------------------------------------------------------------------- campaigns


@router.get("/campaigns", name="hr:campaigns")
def campaigns(request: Request, user: HrUser, session: SessionDep, catalog: CatalogDep) -> Response:
    return render(
        request,
        "hr/campaigns.html",
        {
            "summaries": campaign_service.campaign_summaries(session),
            "groups": campaign_service.STATUS_GROUPS,
            "batteries": catalog.batteries,
            **LABELS,
        },
    )


def _campaign_form(
    request: Request,
    catalog: Catalog,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "hr/campaign_new.html",
        {
            "values": values,
            "errors": errors or {},
            "catalog": catalog,
            "product_test_missing": any(
                b.product_test and PRODUCT_TEST not in b.instruments
                for b in catalog.batteries.values()
            ),
            "target_roles": TARGET_ROLES,
            **LABELS,
        },
        status_code=status_code,
    )


@router.get("/campaigns/new", name="hr:campaign_new")
def campaign_new(
    request: Request, user: HrUser, session: SessionDep, catalog: CatalogDep
) -> Response:
    values = {
        "name": "",
        "target_role": "either",
        "battery": DEFAULT_BATTERY if DEFAULT_BATTERY in catalog.batteries else "",
        "deadline": "",
        "language": i18n.get_language(),
        "candidate_feedback": False,
    }
    return _campaign_form(request, organisation_catalog(session, catalog), values)


@router.post("/campaigns", name="hr:campaign_create")
def campaign_create(
    request: Request,
    user: HrUser,
    session: SessionDep,
    catalog: CatalogDep,
    name: Annotated[str, Form(max_length=1000)] = "",
    target_role: Annotated[str, Form(max_length=50)] = "",
    battery: Annotated[str, Form(max_length=100)] = "",
    deadline: Annotated[str, Form(max_length=50)] = "",
    language: Annotated[str, Form(max_length=10)] = "",
    candidate_feedback: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    values: dict[str, Any] = {
        "name": name,
        "target_role": target_role,
        "battery": battery,
        "deadline": deadline,
        "language": language,
        "candidate_feedback": candidate_feedback is not None,
    }
    deadline_date: date | None = None
    if deadline.strip():
        try:
            deadline_date = date.fromisoformat(deadline.strip())
        except ValueError:
            errors = {
                "deadline": _(
                    "The deadline is not a date. Enter it as YYYY-MM-DD or leave it empty."
                )
            }
            return _campaign_form(
                request, organisation_catalog(session, catalog), values, errors, status_code=422
            )
    try:
        campaign = campaign_service.create_campaign(
            session,
            catalog=catalog,
            name=name,
            battery=battery,
            target_role=target_role,
            language=language,
            deadline=deadline_date,
            candidate_feedback=candidate_feedback is not None,
            created_by_id=user.id,
        )
    except ServiceError as exc:
        session.rollback()
        errors = {exc.field or "form": exc.message}
        return _campaign_form(
            request, organisation_catalog(session, catalog), values, errors, status_code=exc.status
        )
    session.commit()
    return _redirect(request, "hr:campaign", "created", campaign_id=campaign.id)


@dataclass(frozen=True)
class PersonRow:
    participant: campaign_service.Participant
    link: str | None  # None when the invitation can no longer be used
    mail: campaign_service.InvitationMail

    @property
    def can_remind(self) -> bool:
        return self.participant.status in REMINDABLE

    @property
    def can_change(self) -> bool:
        return self.participant.status not in FINAL_STATUSES


def _campaign_page(
    request: Request,
    session: Session,
    catalog: Catalog,
    settings: Settings,
    campaign: Campaign,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    people = campaign_service.participants(session, campaign)
    secret_key = settings.get_secret_key()
    mail = campaign_service.invitation_mail(session, campaign, [p.invitation for p in people])
    rows = [
        PersonRow(
            p,
            None
            if p.status in FINAL_STATUSES
            else campaign_service.link_for(
                p.invitation, secret_key=secret_key, base_url=settings.base_url
            ),
            mail[p.invitation.id or 0],
        )
        for p in people
    ]
    catalog = organisation_catalog(session, catalog)  # the battery with its product test
    context: dict[str, Any] = {
        "campaign": campaign,
        "battery": catalog.batteries.get(campaign.battery_id),
        "catalog": catalog,
        "rows": rows,
        "counts": campaign_service.status_counts(people),
        "statuses": COUNTED_STATUSES,
        "person_kinds": PERSON_KINDS,
        "person": {
            "full_name": "",
            "email": "",
            "language": campaign.language,
            "kind": "candidate",
        },
        "person_errors": {},
        "import_error": None,
        "action_error": None,
        "notice": _notice(request.query_params.get("done")),
        "max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "extend_days": EXTEND_DAYS,
        "smtp_configured": smtp_configured(settings),
        **LABELS,
    }
    context.update(extra)
    return render(request, "hr/campaign.html", context, status_code=status_code)


@router.get("/campaigns/{campaign_id:id}", name="hr:campaign")
def campaign_page(
    request: Request,
    campaign_id: int,
    user: HrUser,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
) -> Response:
    campaign = _get_campaign(session, campaign_id)
    return _campaign_page(request, session, catalog, settings, campaign)


# ----------------------------------------------------------------------------- people


PERSON_FIELD_MESSAGES = {
    "full_name": lambda: _("Enter the person's full name (at most 200 characters)."),
    "email": lambda: _("Enter a valid e-mail address, such as name@example.com."),
    "language": lambda: _("Choose Russian or English."),
    "kind": lambda: _("Choose candidate or employee."),
}


@router.post("/campaigns/{campaign_id:id}/people", name="hr:add_person")
def add_person_route(
    request: Request,
    campaign_id: int,
    user: HrUser,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    full_name: Annotated[str, Form(max_length=1000)] = "",
    email: Annotated[str, Form(max_length=1000)] = "",
    language: Annotated[str, Form(max_length=10)] = "",
    kind: Annotated[str, Form(max_length=50)] = "candidate",
) -> Response:
    campaign = _get_campaign(session, campaign_id)
    values = {"full_name": full_name, "email": email, "language": language, "kind": kind}
    try:
        registered = register_person(
            session, full_name=full_name, email=email, language=language, kind=kind
        )
        invited = campaign_service.invite(
            session,
            campaign=campaign,
            person=registered.person,
            secret_key=settings.get_secret_key(),
            base_url=settings.base_url,
            send=True,
            actor_user_id=user.id,
            language=language,
            catalog=catalog,
        )
    except ServiceError as exc:
        session.rollback()
        message = PERSON_FIELD_MESSAGES[exc.field]() if exc.field in PERSON_FIELD_MESSAGES else None
        errors = {exc.field or "form": message or exc.message}
        campaign = _get_campaign(session, campaign_id)
        return _campaign_page(
            request,
            session,
            catalog,
            settings,
            campaign,
            status_code=exc.status,
            person=values,
            person_errors=errors,
        )
    session.commit()
    done = "invited" if invited.created else "already"
    if invited.created and registered.known_name is not None:
        done = "known"
    return _redirect(request, "hr:campaign", done, campaign_id=campaign_id)


@dataclass(frozen=True)
class Upload:
    content: bytes | None = None
    error: str | None = None
    status_code: int = status.HTTP_422_UNPROCESSABLE_CONTENT
    update_names: bool = False  # the "update the names of people already known" box


async def read_upload(request: Request) -> Upload:
    """The uploaded `file` field (at most MAX_UPLOAD_BYTES) and the `update_names` box, or the
    reason the upload was refused. Read here, after the size check, rather than as Form
    parameters, which FastAPI would parse before any check."""
    too_large = Upload(
        error=_(
            "The file is larger than %(size)s MB. Split it into smaller files and upload them one by one."
        )
        % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)},
        status_code=status.HTTP_413_CONTENT_TOO_LARGE,
    )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPLOAD_BYTES + 64 * 1024:
        return too_large
    form = await request.form()
    item = form.get("file")
    if not isinstance(item, UploadFile) or not item.filename:
        return Upload(error=_("Choose a CSV file to upload."))
    content = await item.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        return too_large
    return Upload(content=content, update_names=form.get("update_names") is not None)


@router.post("/campaigns/{campaign_id:id}/import", name="hr:import")
def import_route(
    request: Request,
    campaign_id: int,
    user: HrUser,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    upload: Annotated[Upload, Depends(read_upload)],
) -> Response:
    campaign = _get_campaign(session, campaign_id)

    def refuse(message: str, status_code: int) -> Response:
        session.rollback()
        fresh = _get_campaign(session, campaign_id)
        return _campaign_page(
            request,
            session,
            catalog,
            settings,
            fresh,
            status_code=status_code,
            import_error=message,
        )

    if upload.content is None:
        return refuse(upload.error or "", upload.status_code)
    try:
        report = import_people(
            session,
            upload.content,
            default_language=campaign.language,
            update_existing=upload.update_names,
        )
        invited = [
            campaign_service.invite(
                session,
                campaign=campaign,
                person=row.registered.person,
                secret_key=settings.get_secret_key(),
                base_url=settings.base_url,
                send=True,
                actor_user_id=user.id,
                language=row.language,
                catalog=catalog,
            )
            for row in report.rows
        ]
    except ServiceError as exc:
        return refuse(_("Nothing was imported: %(reason)s") % {"reason": exc.message}, exc.status)
    session.commit()
    created = sum(1 for i in invited if i.created)
    return render(
        request,
        "hr/import_report.html",
        {
            "campaign": campaign,
            "accepted": len(report.rows),
            "new_people": sum(1 for row in report.rows if row.registered.created),
            "known_people": sum(1 for row in report.rows if not row.registered.created),
            "created": created,
            "already": len(invited) - created,
            "conflicts": report.name_conflicts,
            "updated_names": upload.update_names,
            "errors": report.errors,
        },
    )


# ----------------------------------------------------------------------------- invitations


def _invitation_action(
    request: Request,
    session: Session,
    catalog: Catalog,
    settings: Settings,
    invitation_id: int,
    action: str,
    user: User,
) -> Response:
    invitation = _get_invitation(session, invitation_id)
    campaign_id = invitation.campaign_id
    try:
        if action == "reminded":
            campaign_service.remind(
                session,
                invitation=invitation,
                secret_key=settings.get_secret_key(),
                base_url=settings.base_url,
                catalog=catalog,
                actor_user_id=user.id,
            )
        elif action == "revoked":
            campaign_service.revoke(session, invitation=invitation, actor_user_id=user.id)
        else:
            campaign_service.extend(session, invitation=invitation, days=EXTEND_DAYS)
    except ServiceError as exc:
        session.rollback()
        campaign = _get_campaign(session, campaign_id)
        return _campaign_page(
            request,
            session,
            catalog,
            settings,
            campaign,
            status_code=exc.status,
            action_error=exc.message,
        )
    session.commit()
    return _redirect(request, "hr:campaign", action, campaign_id=campaign_id)


@router.post("/invitations/{invitation_id:id}/remind", name="hr:remind")
def remind_route(
    request: Request,
    invitation_id: int,
    user: HrUser,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
) -> Response:
    return _invitation_action(request, session, catalog, settings, invitation_id, "reminded", user)


@router.post("/invitations/{invitation_id:id}/revoke", name="hr:revoke")
def revoke_route(
    request: Request,
    invitation_id: int,
    user: HrUser,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
) -> Response:
    return _invitation_action(request, session, catalog, settings, invitation_id, "revoked", user)


@router.post("/invitations/{invitation_id:id}/extend", name="hr:extend")
def extend_route(
    request: Request,
    invitation_id: int,
    user: HrUser,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
) -> Response:
    return _invitation_action(request, session, catalog, settings, invitation_id, "extended", user)


# ----------------------------------------------------------------------------- outbox


@router.get("/outbox", name="hr:outbox")
def outbox(request: Request, user: HrUser, session: SessionDep, settings: SettingsDep) -> Response:
    messages = organisation_outbox(
        session, organisation_id=user.organisation_id or 0, limit=OUTBOX_LIMIT + 1
    )
    return render(
        request,
        "hr/outbox.html",
        {
            "messages": messages[:OUTBOX_LIMIT],
            "truncated": len(messages) > OUTBOX_LIMIT,
            "limit": OUTBOX_LIMIT,
            "smtp_configured": smtp_configured(settings),
            **LABELS,
        },
    )
