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
from app.models import (
    Campaign,
    Invitation,
    InvitationStatus,
    Organisation,
    OutboxMessage,
    Person,
    TargetRole,
    User,
)
from app.scoring.loader import Catalog
from app.security import hash_token, link_token_hash
from app.services.audit import record_event
from app.services.catalogs import organisation_catalog
from app.services.errors import Conflict, Invalid, NotFound
from app.services.mail import messages_by_key, queue_mail
from app.services.reviews import managed_by

DEFAULT_VALIDITY = timedelta(days=14)
"""How long a link works when its campaign has no deadline."""
LATEST_EXPIRY = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
"""The latest moment a link can work until (the last a timestamp can hold)."""


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


STATUS_GROUPS: dict[str, tuple[InvitationStatus, ...]] = {
    "waiting": (InvitationStatus.invited, InvitationStatus.opened),
    "in_progress": (InvitationStatus.in_progress,),
    "completed": (InvitationStatus.completed,),
    "dropped": (InvitationStatus.expired, InvitationStatus.revoked, InvitationStatus.declined),
}
"""Statuses in four groups, for lists where seven columns would not fit."""


@dataclass(frozen=True)
class CampaignSummary:
    """A campaign with how many people stand where (a manager's own people only)."""

    campaign: Campaign
    counts: Counter[str]  # per invitation status

    @property
    def people(self) -> int:
        return sum(self.counts.values())

    def group(self, name: str) -> int:
        return sum(self.counts[status.value] for status in STATUS_GROUPS[name])


def campaign_summaries(session: Session, *, manager_id: int | None = None) -> list[CampaignSummary]:
    """Every campaign, newest first, with people per status; with `manager_id`, only the
    people that manager manages count (and only campaigns with such people are listed)."""
    campaigns = session.exec(
        select(Campaign).order_by(col(Campaign.created_at).desc(), col(Campaign.id).desc())
    ).all()
    statement = select(Invitation)
    if manager_id is not None:
        statement = statement.join(Person, col(Person.id) == col(Invitation.person_id)).where(
            managed_by(manager_id)
        )
    now = utcnow()
    counts: dict[int, Counter[str]] = {}
    for invitation in session.exec(statement):
        counts.setdefault(invitation.campaign_id, Counter())[invitation.status(now).value] += 1
    return [
        CampaignSummary(campaign, counts.get(campaign.id or 0, Counter()))
        for campaign in campaigns
        if manager_id is None or campaign.id in counts
    ]


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


def find_invitation(session: Session, token: str) -> Invitation | None:
    """The invitation a link token opens (any organisation); scopes the session to it."""
    token_hash = link_token_hash(token)
    if token_hash is None:
        return None
    statement = select(Invitation).where(Invitation.token_hash == token_hash)
    invitation = session.exec(statement.execution_options(**{ALL_ORGANISATIONS: True})).first()
    if invitation is not None and invitation.organisation_id is not None:
        scope_to_organisation(session, invitation.organisation_id)
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
    language: str | None = None,
    catalog: Catalog | None = None,
) -> Invited:
    """Invite a person (once per campaign: inviting again returns the same invitation) and,
    when `send`, queue the e-mail in the same transaction. The invitation's language is
    `language`, else the person's, else the campaign's. The e-mail names the organisation and
    the inviting user, and (given the `catalog`) the battery's time."""
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
        language=language or person.language or campaign.language,
        expires_at=_expiry(campaign, now),
    )
    session.add(invitation)
    session.flush()
    url = invitation_url(base_url, token)
    if send and person.email:
        _queue_invitation_mail(
            session,
            campaign,
            person,
            invitation,
            url,
            reminder=False,
            catalog=catalog,
            actor_user_id=actor_user_id,
        )
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


MAIL_DATE_FORMAT = "d MMMM y"
"""The link's last day in a mail: 12 декабря 2026 / 12 December 2026 (no trailing period,
so a sentence never ends in "г..")."""


@dataclass(frozen=True)
class MailSender:
    """Who the mail says it comes from: the company, and the person who invited, if known."""

    company: str
    name: str | None
    email: str | None


def _sender(session: Session, campaign: Campaign, actor_user_id: int | None) -> MailSender:
    organisation = session.get(Organisation, campaign.organisation_id)
    company = organisation.name if organisation is not None else ""
    user = session.get(User, actor_user_id or campaign.created_by_id or 0)
    if user is None:
        return MailSender(company, None, None)
    return MailSender(company, user.full_name or user.email, user.email)


def _minutes(catalog: Catalog | None, campaign: Campaign) -> int | None:
    """The person's time for the campaign's battery, from the instruments' declared times."""
    battery = catalog.batteries.get(campaign.battery_id) if catalog is not None else None
    if catalog is None or battery is None:
        return None
    return max(1, round(catalog.battery_minutes(battery)))


def invitation_mail_text(
    *,
    name: str,
    url: str,
    deadline: str,
    minutes: int | None,
    sender: MailSender,
    reminder: bool,
) -> tuple[str, str]:
    """The subject and text of an invitation or a reminder, in the current language."""
    values = {
        "name": name,
        "url": url,
        "deadline": deadline,
        "minutes": minutes,
        "company": sender.company,
        "sender": sender.name or "",
        "email": sender.email or "",
    }
    if reminder:
        subject = _("%(company)s: a reminder about your sales assessment") % values
        opening = (
            _("%(sender)s from %(company)s reminds you that your assessment is not finished yet.")
            if sender.name
            else _("%(company)s reminds you that your assessment is not finished yet.")
        )
        what = _(
            "Your answers are saved: open the link to continue where you stopped. It works on a "
            "phone too."
        )
    else:
        subject = _("%(company)s: an invitation to a sales assessment") % values
        opening = (
            _("%(sender)s from %(company)s invites you to take an assessment of sales skills.")
            if sender.name
            else _("%(company)s invites you to take an assessment of sales skills.")
        )
        what = _(
            "It consists of questionnaires and short practical tasks. Every answer is saved as "
            "you go, so you can stop and continue later, on a phone or a computer."
        )
    paragraphs = [_("Hello, %(name)s!") % values, (opening % values) + " " + what]
    if minutes is not None:
        paragraphs.append(_("The whole assessment takes about %(minutes)s minutes.") % values)
    paragraphs.append(url)
    link = _("The link is personal and works until %(deadline)s.") % values
    if not reminder:
        link += " " + _(
            "Before you start you will see what is stored, who sees it and for how long."
        )
    paragraphs.append(link)
    if sender.email:
        paragraphs.append(
            _("If you have questions, or did not expect this e-mail, write to %(email)s.") % values
        )
    paragraphs.append("\n".join(p for p in ("—", sender.name or "", sender.company) if p))
    return subject, "\n\n".join(paragraphs) + "\n"


def _queue_invitation_mail(
    session: Session,
    campaign: Campaign,
    person: Person,
    invitation: Invitation,
    url: str,
    *,
    reminder: bool,
    catalog: Catalog | None,
    actor_user_id: int | None,
    dedupe_key: str | None = None,
) -> None:
    language = invitation.language or campaign.language
    with i18n.language(language):
        deadline = (
            format_date(invitation.expires_at.date(), format=MAIL_DATE_FORMAT, locale=language)
            if invitation.expires_at
            else ""
        )
        subject, body = invitation_mail_text(
            name=person.full_name,
            url=url,
            deadline=deadline,
            minutes=_minutes(catalog and organisation_catalog(session, catalog), campaign),
            sender=_sender(session, campaign, actor_user_id),
            reminder=reminder,
        )
    queue_mail(
        session,
        organisation_id=campaign.organisation_id,
        to_address=person.email or "",
        subject=subject,
        body_text=body,
        dedupe_key=dedupe_key or _mail_key(invitation, reminder=reminder),
    )


def queue_invitation_mail(
    session: Session,
    campaign: Campaign,
    person: Person,
    invitation: Invitation,
    url: str,
    *,
    catalog: Catalog | None,
    actor_user_id: int | None,
    dedupe_key: str,
) -> None:
    """Queue the invitation e-mail again with `url` under another outbox key (a retake's
    fresh link: app/services/retake.py)."""
    _queue_invitation_mail(
        session,
        campaign,
        person,
        invitation,
        url,
        reminder=False,
        catalog=catalog,
        actor_user_id=actor_user_id,
        dedupe_key=dedupe_key,
    )


def _mail_key(invitation: Invitation, *, reminder: bool) -> str:
    """The outbox key of an invitation's e-mail, or of its latest reminder."""
    if reminder:
        return mail_key("reminder", invitation.id or 0, invitation.reminders_sent)
    return mail_key("invitation", invitation.id or 0, 0)


@dataclass(frozen=True)
class InvitationMail:
    """The outbox rows behind an invitation: what was really sent, not what was meant."""

    invitation: OutboxMessage | None  # None: no e-mail was queued (no address)
    reminder: OutboxMessage | None  # the latest reminder, if any


def invitation_mail(
    session: Session, campaign: Campaign, invitations: list[Invitation]
) -> dict[int, InvitationMail]:
    """Per invitation id, its e-mail and latest reminder as the outbox has them."""
    keys = {
        invitation.id or 0: (
            _mail_key(invitation, reminder=False),
            _mail_key(invitation, reminder=True) if invitation.reminders_sent else None,
        )
        for invitation in invitations
    }
    found = messages_by_key(
        session,
        organisation_id=campaign.organisation_id or 0,
        keys=[key for pair in keys.values() for key in pair if key],
    )
    return {
        invitation_id: InvitationMail(found.get(first), found.get(last) if last else None)
        for invitation_id, (first, last) in keys.items()
    }


MAIL_KINDS = ("invitation", "reminder", "retake")


def mail_key(kind: str, invitation_id: int, number: int) -> str:
    """The outbox `dedupe_key` of an invitation's mail: `<kind>:<invitation id>:<number>`."""
    return f"{kind}:{invitation_id}:{number}"


def invitation_of_mail_key(key: str | None) -> int | None:
    """The invitation id a `dedupe_key` made by `mail_key` names, else None."""
    kind, _sep, rest = (key or "").partition(":")
    number = rest.partition(":")[0]
    return int(number) if kind in MAIL_KINDS and number.isdigit() else None


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


def remind(
    session: Session,
    *,
    invitation: Invitation,
    secret_key: str,
    base_url: str,
    catalog: Catalog | None = None,
    actor_user_id: int | None = None,
) -> None:
    """Queue a reminder e-mail with the same link (signed like the invitation)."""
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
        catalog=catalog,
        actor_user_id=actor_user_id,
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
    if start > LATEST_EXPIRY - timedelta(days=days):
        raise Conflict(
            _("The link already works until %(date)s; it cannot be extended further.")
            % {"date": format_date(start.date(), format="long", locale=i18n.get_language())}
        )
    invitation.expires_at = start + timedelta(days=days)
    session.add(invitation)


def get_invitation(session: Session, invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(_("There is no such invitation."))
    return invitation
