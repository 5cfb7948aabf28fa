"""Personal data: retention, and the erasure of one person.

What the consent page promises: after `organisation.retention_days` from a candidate's last
activity, the name and contact details are removed and written answers (work samples, which
may identify a person) are emptied. Scores, flags and versions stay, so the organisation's
statistics (reliability, norms, team figures) keep their sample; nobody can tell whose they
were. The person's links stop working and their e-mail leaves the outbox.
Employees are not anonymised by this rule: their data follow employment, not a campaign; an
admin or HR erases one on request (`erase_person`), which removes the same things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_
from sqlmodel import Session, col, select

from app.db import ALL_ORGANISATIONS, utcnow
from app.i18n import gettext as _
from app.models import (
    Answer,
    AssessmentSession,
    Campaign,
    Consent,
    GroupMembership,
    InterviewRating,
    Invitation,
    KpiValue,
    LoginSession,
    ManagerRating,
    Organisation,
    OutboxMessage,
    Person,
    PersonKind,
    ScoreSnapshot,
    Team,
)
from app.services.audit import AuditQuery, describe, find_events, record_event
from app.services.campaigns import MAIL_KINDS, invitation_of_mail_key
from app.services.errors import Conflict, NotFound

ANONYMOUS_NAME = "—"
SESSIONS_KEPT = timedelta(days=7)
"""Login sessions are deleted this long after they expired (the audit keeps the sign-ins)."""
EVERYONE = {ALL_ORGANISATIONS: True}


@dataclass(frozen=True)
class RetentionReport:
    anonymised: list[int]  # person ids


@dataclass(frozen=True)
class Scrubbed:
    """What anonymising one person removed or stopped."""

    answers: int
    comments: int
    links: int
    mail: int
    groups: int = 0


def _last_activity(session: Session, person: Person) -> datetime:
    latest = session.exec(
        select(
            func.max(
                func.coalesce(
                    Invitation.completed_at, Invitation.declined_at, Invitation.created_at
                )
            )
        ).where(Invitation.person_id == person.id)
    ).one()
    return latest or person.created_at


def _open_links() -> list[ColumnElement[bool]]:
    """Conditions of an invitation whose link could still work (now or once extended)."""
    return [
        col(Invitation.revoked_at).is_(None),
        col(Invitation.completed_at).is_(None),
        col(Invitation.declined_at).is_(None),
    ]


def revoke_links(session: Session, person: Person, *, now: datetime) -> int:
    """Stop every link of the person that could still be used; completed and declined
    ones keep their state (the campaign's counts stay right). Returns how many."""
    invitations = session.exec(
        select(Invitation).where(Invitation.person_id == person.id, *_open_links())
    ).all()
    for invitation in invitations:
        invitation.revoked_at = now
        session.add(invitation)
    return len(invitations)


def _mail_ids(session: Session, person: Person) -> list[int]:
    """The outbox messages of a person: to their address, or about their invitations."""
    invitation_ids = session.exec(
        select(Invitation.id).where(Invitation.person_id == person.id)
    ).all()
    matches: list[ColumnElement[bool]] = [
        col(OutboxMessage.dedupe_key).like(f"{kind}:{invitation_id}:%")
        for kind in MAIL_KINDS
        for invitation_id in invitation_ids
    ]
    if person.email:
        matches.append(func.lower(OutboxMessage.to_address) == person.email.lower())
    if not matches:
        return []
    found = session.exec(
        select(OutboxMessage.id).where(
            col(OutboxMessage.organisation_id) == person.organisation_id, or_(*matches)
        )
    ).all()
    return [i for i in found if i is not None]


def remove_mail(session: Session, person: Person) -> int:
    """Delete the person's mail from the outbox (sent or not): it holds the address, the
    name and the link."""
    ids = _mail_ids(session, person)
    if ids:
        session.execute(delete(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))
    return len(ids)


def anonymise_person(
    session: Session,
    person: Person,
    *,
    now: datetime | None = None,
    action: str = "person.anonymised",
    actor: str = "system",
    actor_user_id: int | None = None,
) -> Scrubbed:
    """Remove what identifies a person: contact data, written answers and comments, their
    mail; stop their links. Scores stay, tied to a person nobody can name (so aggregates
    such as team figures still add up). Recorded in the audit trail as `action`."""
    now = now or utcnow()
    mail = remove_mail(session, person)  # while the address is still known
    links = revoke_links(session, person, now=now)
    person.full_name = ANONYMOUS_NAME
    person.email = None
    person.phone = None
    person.external_id = None
    person.anonymised_at = now
    session.add(person)
    texts = session.exec(
        select(Answer)
        .join(AssessmentSession, col(AssessmentSession.id) == col(Answer.session_id))
        .where(AssessmentSession.person_id == person.id)
    )
    answers = 0
    for answer in texts:
        if isinstance(answer.value, str) and answer.value:
            answer.value = ""
            session.add(answer)
            answers += 1
    ratings = session.exec(
        select(ManagerRating).where(
            ManagerRating.person_id == person.id, col(ManagerRating.comment).is_not(None)
        )
    ).all()
    for rating in ratings:
        rating.comment = None
        session.add(rating)
    # Group membership (given for the fairness audit only) is special-category data with no
    # use once the person cannot be named: deleted, not kept beside the scores.
    memberships = session.exec(
        select(GroupMembership).where(GroupMembership.person_id == person.id)
    ).all()
    for membership in memberships:
        session.delete(membership)
    scrubbed = Scrubbed(
        answers=answers, comments=len(ratings), links=links, mail=mail, groups=len(memberships)
    )
    record_event(
        session,
        organisation_id=person.organisation_id or 0,
        actor=actor,
        actor_user_id=actor_user_id,
        action=action,
        object_type="person",
        object_id=person.id,
        person_id=person.id,
        details={
            "answers_emptied": scrubbed.answers,
            "comments_removed": scrubbed.comments,
            "links_revoked": scrubbed.links,
            "mail_removed": scrubbed.mail,
            "groups_removed": scrubbed.groups,
        },
    )
    return scrubbed


def _sweep_anonymised(session: Session, now: datetime) -> None:
    """People anonymised before retention also scrubbed links and mail: do that now."""
    anonymised = col(Person.anonymised_at).is_not(None)
    still_open = session.exec(
        select(Invitation)
        .join(Person, col(Person.id) == col(Invitation.person_id))
        .where(anonymised, *_open_links())
        .execution_options(**EVERYONE)
    ).all()
    for invitation in still_open:
        invitation.revoked_at = now
        session.add(invitation)
    keyed = session.exec(
        select(OutboxMessage.id, OutboxMessage.dedupe_key).where(
            or_(*(col(OutboxMessage.dedupe_key).like(f"{kind}:%") for kind in MAIL_KINDS))
        )
    ).all()
    by_invitation: dict[int, list[int]] = {}
    for message_id, key in keyed:
        invitation_id = invitation_of_mail_key(key)
        if invitation_id is not None and message_id is not None:
            by_invitation.setdefault(invitation_id, []).append(message_id)
    if not by_invitation:
        return
    theirs = session.exec(
        select(Invitation.id)
        .join(Person, col(Person.id) == col(Invitation.person_id))
        .where(anonymised, col(Invitation.id).in_(by_invitation))
        .execution_options(**EVERYONE)
    ).all()
    doomed = [m for invitation_id in theirs for m in by_invitation.get(invitation_id or 0, [])]
    if doomed:
        session.execute(delete(OutboxMessage).where(col(OutboxMessage.id).in_(doomed)))


def apply_retention(
    session: Session, *, now: datetime | None = None, dry_run: bool = False
) -> RetentionReport:
    """Anonymise every candidate, in every organisation, past its retention period."""
    now = now or utcnow()
    organisations = {o.id: o for o in session.exec(select(Organisation))}
    candidates = session.exec(
        select(Person)
        .where(Person.kind == PersonKind.candidate, col(Person.anonymised_at).is_(None))
        .execution_options(**EVERYONE)
    ).all()
    done = []
    for person in candidates:
        organisation = organisations.get(person.organisation_id)
        if organisation is None:
            continue
        if _last_activity(session, person) + timedelta(days=organisation.retention_days) > now:
            continue
        done.append(person.id or 0)
        if not dry_run:
            anonymise_person(session, person, now=now)
    if not dry_run:
        _sweep_anonymised(session, now)
        session.execute(
            delete(LoginSession).where(col(LoginSession.expires_at) < now - SESSIONS_KEPT)
        )
    return RetentionReport(done)


# ----------------------------------------------------------------------------- one person


def find_person_by_email(session: Session, email: str) -> Person:
    """The organisation's person with this e-mail (the session is scoped), or NotFound."""
    address = email.strip().lower()
    found = session.exec(select(Person).where(func.lower(Person.email) == address)).all()
    if not found:
        raise NotFound(_("There is no person with the e-mail %(email)s.") % {"email": address})
    if len(found) > 1:
        ids = ", ".join(str(p.id) for p in found)
        raise Conflict(
            _("Several people have the e-mail %(email)s (ids %(ids)s); use the page of each.")
            % {"email": address, "ids": ids}
        )
    return found[0]


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_person(session: Session, person: Person) -> dict[str, Any]:
    """Everything held on one person, as JSON-ready data: contact data, consents, invitations,
    answers, results, ratings, KPIs, the mail sent to them and the audit of who saw them."""
    now = utcnow()
    team = session.get(Team, person.team_id) if person.team_id else None
    invitations = session.exec(
        select(Invitation, Campaign)
        .join(Campaign, col(Campaign.id) == col(Invitation.campaign_id))
        .where(Invitation.person_id == person.id)
        .order_by(col(Invitation.id))
    ).all()
    answers = session.exec(
        select(Answer, AssessmentSession)
        .join(AssessmentSession, col(AssessmentSession.id) == col(Answer.session_id))
        .where(AssessmentSession.person_id == person.id)
        .order_by(col(Answer.id))
    ).all()
    consents = session.exec(
        select(Consent).where(Consent.person_id == person.id).order_by(col(Consent.id))
    ).all()
    results = session.exec(
        select(ScoreSnapshot)
        .where(ScoreSnapshot.person_id == person.id)
        .order_by(col(ScoreSnapshot.id))
    ).all()
    ratings = session.exec(
        select(ManagerRating)
        .where(ManagerRating.person_id == person.id)
        .order_by(col(ManagerRating.id))
    ).all()
    kpis = session.exec(
        select(KpiValue).where(KpiValue.person_id == person.id).order_by(col(KpiValue.id))
    ).all()
    groups = session.exec(
        select(GroupMembership)
        .where(GroupMembership.person_id == person.id)
        .order_by(col(GroupMembership.id))
    ).all()
    mail = session.exec(
        select(OutboxMessage)
        .where(col(OutboxMessage.id).in_(_mail_ids(session, person)))
        .order_by(col(OutboxMessage.id))
    ).all()
    audit = describe(session, find_events(session, AuditQuery(person_id=person.id, limit=10_000)))
    return {
        "exported_at": now.isoformat(),
        "person": {
            "id": person.id,
            "kind": str(person.kind),
            "full_name": person.full_name,
            "email": person.email,
            "phone": person.phone,
            "external_id": person.external_id,
            "language": person.language,
            "team": team.name if team else None,
            "manager_id": person.manager_id,
            "current_role": person.current_role,
            "created_at": _moment(person.created_at),
            "anonymised_at": _moment(person.anonymised_at),
        },
        "consents": [
            {
                "invitation_id": c.invitation_id,
                "purpose": c.purpose,
                "accepted": c.accepted,
                "text_version": c.text_version,
                "language": c.language,
                "given_at": _moment(c.given_at),
                "withdrawn_at": _moment(c.withdrawn_at),
            }
            for c in consents
        ],
        "invitations": [
            {
                "id": i.id,
                "campaign": {"id": c.id, "name": c.name},
                "status": i.status(now).value,
                "created_at": _moment(i.created_at),
                "sent_at": _moment(i.sent_at),
                "opened_at": _moment(i.opened_at),
                "completed_at": _moment(i.completed_at),
                "declined_at": _moment(i.declined_at),
                "expires_at": _moment(i.expires_at),
                "revoked_at": _moment(i.revoked_at),
            }
            for i, c in invitations
        ],
        "answers": [
            {
                "invitation_id": s.invitation_id,
                "instrument": s.instrument_id,
                "item": a.item_id,
                "value": a.value,
                "seconds": a.seconds,
                "answered_at": _moment(a.answered_at),
            }
            for a, s in answers
        ],
        "results": [
            {
                "id": r.id,
                "invitation_id": r.invitation_id,
                "campaign_id": r.campaign_id,
                "created_at": _moment(r.created_at),
                "provisional": r.provisional,
                "recommendation": r.recommendation,
                "confidence": r.confidence,
                "model_version": r.model_version,
                "instrument_versions": r.instrument_versions,
                "scores": r.scores,
                "flags": r.flags,
            }
            for r in results
        ],
        "manager_ratings": [
            {
                "instrument": r.instrument_id,
                "item": r.item_id,
                "value": r.value,
                "comment": r.comment,
                "rated_on": r.rated_on.isoformat(),
            }
            for r in ratings
        ],
        "interview_ratings": [
            {
                "invitation_id": r.invitation_id,
                "instrument": r.instrument_id,
                "item": r.item_id,
                "value": r.value,
                "interviewer_id": r.interviewer_id,
                "rated_at": r.created_at.isoformat(),
            }
            for r in session.exec(
                select(InterviewRating)
                .where(InterviewRating.person_id == person.id)
                .order_by(col(InterviewRating.id))
            )
        ],
        "kpis": [
            {
                "kpi": k.kpi_id,
                "period_start": k.period_start.isoformat(),
                "period_end": k.period_end.isoformat(),
                "value": k.value,
            }
            for k in kpis
        ],
        "groups": [
            {
                "attribute": g.attribute,
                "value": g.value,
                "source": g.source,
                "created_at": _moment(g.created_at),
            }
            for g in groups
        ],
        "mail": [
            {
                "to_address": m.to_address,
                "subject": m.subject,
                "body_text": m.body_text,
                "status": m.status,
                "created_at": _moment(m.created_at),
                "sent_at": _moment(m.sent_at),
            }
            for m in mail
        ],
        "audit": [{**row, "at": _moment(row["at"])} for row in audit],
    }


def erase_person(
    session: Session, person: Person, *, actor: str, actor_user_id: int | None = None
) -> Scrubbed:
    """Erase a person on request (a candidate or an employee): as retention does, at once.
    Conflict when it was done before."""
    if person.anonymised_at is not None:
        raise Conflict(_("This person's data has already been erased."))
    return anonymise_person(
        session, person, action="person.erased", actor=actor, actor_user_id=actor_user_id
    )
