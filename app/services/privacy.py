"""Retention: candidates are anonymised once their organisation's retention period has passed.

What the consent page promises: after `organisation.retention_days` from a candidate's last
activity, the name and contact details are removed and written answers (work samples, which
may identify a person) are emptied. Scores, flags and versions stay, so the organisation's
statistics (reliability, norms) keep their sample; nobody can tell whose they were.
Employees are not anonymised by this rule: their data follow employment, not a campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db import ALL_ORGANISATIONS, utcnow
from app.models import Answer, AssessmentSession, Invitation, Organisation, Person, PersonKind
from app.services.audit import record_event

ANONYMOUS_NAME = "—"


@dataclass(frozen=True)
class RetentionReport:
    anonymised: list[int]  # person ids


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


def anonymise_person(session: Session, person: Person, *, now: datetime | None = None) -> None:
    """Remove what identifies a person; keep scores (used only in aggregate)."""
    now = now or utcnow()
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
    for answer in texts:
        if isinstance(answer.value, str):
            answer.value = ""
            session.add(answer)
    record_event(
        session,
        organisation_id=person.organisation_id or 0,
        actor="system",
        action="person.anonymised",
        object_type="person",
        object_id=person.id,
    )


def apply_retention(
    session: Session, *, now: datetime | None = None, dry_run: bool = False
) -> RetentionReport:
    """Anonymise every candidate, in every organisation, past its retention period."""
    now = now or utcnow()
    everyone = {ALL_ORGANISATIONS: True}
    organisations = {o.id: o for o in session.exec(select(Organisation))}
    candidates = session.exec(
        select(Person)
        .where(Person.kind == PersonKind.candidate, col(Person.anonymised_at).is_(None))
        .execution_options(**everyone)
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
    return RetentionReport(done)
