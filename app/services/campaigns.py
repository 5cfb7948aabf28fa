"""Campaigns and their invitations: create, invite, remind, revoke, extend, follow."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from babel.dates import format_date
from sqlmodel import Session, col, select

from app import i18n
from app.db import ALL_ORGANISATIONS, scope_to_organisation, utcnow
from app.i18n import gettext as _
from app.models import Campaign, Invitation, InvitationStatus, Person, TargetRole
from app.scoring.loader import Catalog
from app.security import hash_token
from app.services.audit import record_event
from app.services.errors import Conflict, Invalid, NotFound
from app.services.mail import queue_mail

DEFAULT_VALIDITY = timedelta(days=14)
"""How long a link works when its campaign has no deadline."""


# ----------------------------------------------------------------------------- campaigns


def create_campaign(
    session: Session,
    *,
    catalog: Catalog,
    name: str,
    battery: str,
    target_role: str = "either",
    language: str = "ru",
    deadline: date | None = None,
    candidate_feedback: bool = False,
    created_by_id: int | None = None,
) -> Campaign:
    """A new open campaign; bad input raises Invalid naming the field."""
    name = " ".join(name.split())
    if not name:
        raise Invalid(_("Give the campaign a name."), field="name")
    if battery not in catalog.batteries:
        known = ", ".join(catalog.batteries)
        raise Invalid(
            _("Unknown battery %(battery)s; choose one of: %(known)s.")
            % {"battery": battery, "known": known},
            field="battery",
        )
    try:
        role = TargetRole(target_role)
    except ValueError:
        raise Invalid(
            _("The target role must be active, passive or either."), field="target_role"
        ) from None
    if language not in i18n.LANGUAGES:
        raise Invalid(_("The language must be ru or en."), field="language")
    if deadline is not None and deadline < utcnow().date():
        raise Invalid(_("The deadline is in the past."), field="deadline")
    campaign = Campaign(
        name=name[:200],
        battery_id=battery,
        target_role=role,
        language=language,
        deadline_date=deadline,
        candidate_feedback=candidate_feedback,
        created_by_id=created_by_id,
    )
    session.add(campaign)
    session.flush()
    record_event(
        session,
        organisation_id=campaign.organisation_id or 0,
        actor_user_id=created_by_id,
        action="campaign.created",
        object_type="campaign",
        object_id=campaign.id,
    )
    return campaign


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(_("There is no such campaign."))
    return campaign


@dataclass(frozen=True)
class Participant:
    person: Person
    invitation: Invitation
    status: InvitationStatus


def participants(session: Session, campaign: Campaign) -> list[Participant]:
    """Everyone invited to a campaign with their status, in invitation order."""
    now = utcnow()
    rows = session.exec(
        select(Invitation, Person)
        .join(Person, col(Person.id) == col(Invitation.person_id))
        .where(Invitation.campaign_id == campaign.id)
        .order_by(col(Invitation.id))
    ).all()
    return [Participant(person, invitation, invitation.status(now)) for invitation, person in rows]


def status_counts(people: list[Participant]) -> dict[str, int]:
    counts = Counter(p.status.value for p in people)
    return {status.value: counts.get(status.value, 0) for status in InvitationStatus}


# ----------------------------------------------------------------------------- links


def invitation_token(secret_key: str, nonce: str) -> str:
    """The link token: HMAC-SHA256 of the invitation's nonce under the server's secret key.

    Only its SHA-256 is stored, so a copy of the database alone reveals no working link, yet
    HR can show the same link again. Changing SECRET_KEY invalidates every link.
    """
    digest = hmac.new(secret_key.encode(), f"invitation:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def invitation_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/a/{token}"


def link_for(invitation: Invitation, *, secret_key: str, base_url: str) -> str:
    return invitation_url(base_url, invitation_token(secret_key, invitation.token_nonce))


def link_token_hash(token: str) -> str | None:
    """What a link token is stored as, or None for a string that cannot be one."""
    if not token or len(token) > 128:
        return None
    return hash_token(token)


def scope_to_invitation(session: Session, invitation: Invitation) -> None:
    """Everything after a token look-up (any organisation) stays in the invitation's."""
    if invitation.organisation_id is not None:
        scope_to_organisation(session, invitation.organisation_id)


def find_invitation(session: Session, token: str) -> Invitation | None:
    """The invitation a link token opens (any organisation); scopes the session to it."""
    token_hash = link_token_hash(token)
    if token_hash is None:
        return None
    statement = select(Invitation).where(Invitation.token_hash == token_hash)
    invitation = session.exec(statement.execution_options(**{ALL_ORGANISATIONS: True})).first()
    if invitation is not None:
        scope_to_invitation(session, invitation)
    return invitation


def _expiry(campaign: Campaign, now: datetime) -> datetime:
    if campaign.deadline_date is not None:
        return datetime.combine(campaign.deadline_date, time(23, 59, 59), tzinfo=UTC)
    return now + DEFAULT_VALIDITY


# ----------------------------------------------------------------------------- invitations


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    person: Person
    url: str
    created: bool


def invite(
    session: Session,
    *,
    campaign: Campaign,
    person: Person,
    secret_key: str,
    base_url: str,
    send: bool = True,
    actor_user_id: int | None = None,
) -> Invited:
    """Invite a person (once per campaign: inviting again returns the same invitation) and,
    when `send`, queue the e-mail in the same transaction."""
    if campaign.status != "open":
        raise Conflict(_("The campaign is closed."))
    existing = session.exec(
        select(Invitation).where(
            Invitation.campaign_id == campaign.id, Invitation.person_id == person.id
        )
    ).first()
    if existing is not None:
        return Invited(
            existing, person, link_for(existing, secret_key=secret_key, base_url=base_url), False
        )
    now = utcnow()
    nonce = secrets.token_urlsafe(24)
    token = invitation_token(secret_key, nonce)
    invitation = Invitation(
        campaign_id=campaign.id or 0,
        person_id=person.id or 0,
        token_hash=hash_token(token),
        token_nonce=nonce,
        language=person.language or campaign.language,
        expires_at=_expiry(campaign, now),
    )
    session.add(invitation)
    session.flush()
    url = invitation_url(base_url, token)
    if send and person.email:
        _queue_invitation_mail(session, campaign, person, invitation, url, reminder=False)
        invitation.sent_at = now
    record_event(
        session,
        organisation_id=campaign.organisation_id or 0,
        actor_user_id=actor_user_id,
        actor="user" if actor_user_id else "api",
        action="invitation.created",
        object_type="invitation",
        object_id=invitation.id,
    )
    return Invited(invitation, person, url, True)


def _queue_invitation_mail(
    session: Session,
    campaign: Campaign,
    person: Person,
    invitation: Invitation,
    url: str,
    *,
    reminder: bool,
) -> None:
    language = invitation.language or campaign.language
    with i18n.language(language):
        deadline = (
            format_date(invitation.expires_at.date(), format="long", locale=language)
            if invitation.expires_at
            else ""
        )
        values = {"name": person.full_name, "url": url, "deadline": deadline}
        if reminder:
            subject = _("Reminder: your sales assessment is waiting")
            body = (
                _(
                    "Hello, %(name)s!\n\nThis is a reminder that your assessment is not finished yet. "
                    "Your answers are saved: open the link to continue where you stopped.\n\n%(url)s\n\n"
                    "The link works until %(deadline)s. It takes about half an hour in all; it works on a phone too.\n"
                )
                % values
            )
        else:
            subject = _("Your invitation to a sales assessment")
            body = (
                _(
                    "Hello, %(name)s!\n\nYou are invited to take an assessment of sales skills: questionnaires "
                    "and short practical tasks, about half an hour in all. Every answer is saved as you go, "
                    "so you can stop and continue later, on a phone or a computer.\n\n%(url)s\n\n"
                    "The link is personal and works until %(deadline)s. Before you start you will see what is "
                    "stored, who sees it and for how long.\n"
                )
                % values
            )
    kind = "reminder" if reminder else "invitation"
    queue_mail(
        session,
        organisation_id=campaign.organisation_id,
        to_address=person.email or "",
        subject=subject,
        body_text=body,
        dedupe_key=f"{kind}:{invitation.id}:{invitation.reminders_sent if reminder else 0}",
    )


def _usable(invitation: Invitation, action: str) -> None:
    """Refuse to change an invitation in a final state (`action` is for the log only)."""
    final = {
        InvitationStatus.revoked: _("This invitation has been revoked and can no longer change."),
        InvitationStatus.completed: _(
            "This assessment is completed; the invitation can no longer change."
        ),
        InvitationStatus.declined: _(
            "The person declined consent; the invitation can no longer change."
        ),
    }
    status = invitation.status(utcnow())
    if status in final:
        raise Conflict(final[status])


def remind(session: Session, *, invitation: Invitation, secret_key: str, base_url: str) -> None:
    """Queue a reminder e-mail with the same link."""
    _usable(invitation, "reminded")
    if invitation.status(utcnow()) is InvitationStatus.expired:
        raise Conflict(_("The link has expired; extend it first."))
    campaign = get_campaign(session, invitation.campaign_id)
    person = session.get(Person, invitation.person_id)
    if person is None or not person.email:
        raise Invalid(_("This person has no e-mail address."))
    invitation.reminders_sent += 1
    invitation.last_reminded_at = utcnow()
    _queue_invitation_mail(
        session,
        campaign,
        person,
        invitation,
        link_for(invitation, secret_key=secret_key, base_url=base_url),
        reminder=True,
    )
    session.add(invitation)


def revoke(session: Session, *, invitation: Invitation, actor_user_id: int | None = None) -> None:
    """Stop the link from working (answers given so far are kept)."""
    _usable(invitation, "revoked")
    invitation.revoked_at = utcnow()
    session.add(invitation)
    record_event(
        session,
        organisation_id=invitation.organisation_id or 0,
        actor_user_id=actor_user_id,
        action="invitation.revoked",
        object_type="invitation",
        object_id=invitation.id,
    )


def extend(session: Session, *, invitation: Invitation, days: int = 7) -> None:
    """Let the link work `days` more days from now (or from its current expiry, if later)."""
    _usable(invitation, "extended")
    if not 1 <= days <= 90:
        raise Invalid(_("Extend by 1 to 90 days."), field="days")
    now = utcnow()
    start = max(now, invitation.expires_at) if invitation.expires_at else now
    invitation.expires_at = start + timedelta(days=days)
    session.add(invitation)


def get_invitation(session: Session, invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(_("There is no such invitation."))
    return invitation
