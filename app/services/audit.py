"""The audit trail: changes, sign-ins, and reads of personal data.

A read is recorded when staff open a person's report, result or work sample, or export
people's data, by page or by API (`record_read`): who (the user, and whether by page or API),
whose (`person_id`), what and when. Admins read the trail on /admin/audit and through
GET /api/v1/audit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.models import AuditEvent, User

PAGE = "user"
API = "api"
"""The `actor` of an event done through a page (cookie session) or the API (a token)."""


def record_event(
    session: Session,
    *,
    organisation_id: int,
    action: str,
    actor: str = "user",
    actor_user_id: int | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    person_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (committed with the change it records)."""
    event = AuditEvent(
        organisation_id=organisation_id,
        actor=actor,
        actor_user_id=actor_user_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        person_id=person_id,
        details=details or {},
    )
    session.add(event)
    return event


def record_read(
    session: Session,
    *,
    user: User,
    action: str,
    person_ids: Iterable[int | None],
    via: str = PAGE,
    object_type: str | None = None,
    object_id: int | str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record that `user` read personal data of each person (one event per person, so each
    person's trail says who saw them). The caller commits."""
    for person_id in dict.fromkeys(p for p in person_ids if p is not None):
        record_event(
            session,
            organisation_id=user.organisation_id or 0,
            actor=via,
            actor_user_id=user.id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            person_id=person_id,
            details=details,
        )


@dataclass(frozen=True)
class AuditQuery:
    person_id: int | None = None
    user_id: int | None = None
    since: datetime | None = None
    action: str | None = None
    limit: int = 1000


def find_events(session: Session, query: AuditQuery) -> list[AuditEvent]:
    """The organisation's events matching `query`, newest first (the session is scoped)."""
    statement = select(AuditEvent)
    if query.person_id is not None:
        statement = statement.where(AuditEvent.person_id == query.person_id)
    if query.user_id is not None:
        statement = statement.where(AuditEvent.actor_user_id == query.user_id)
    if query.since is not None:
        statement = statement.where(col(AuditEvent.created_at) >= query.since)
    if query.action:
        statement = statement.where(AuditEvent.action == query.action)
    statement = statement.order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
    return list(session.exec(statement.limit(query.limit)))


def describe(session: Session, events: list[AuditEvent]) -> list[dict[str, Any]]:
    """Events as `{at, actor, actor_user_id, action, person_id, detail}`: `actor` is the
    user's e-mail (or system, candidate, anonymous), `detail` what else was recorded."""
    ids = {e.actor_user_id for e in events if e.actor_user_id is not None}
    emails = (
        dict(session.exec(select(User.id, User.email).where(col(User.id).in_(ids))).all())
        if ids
        else {}
    )
    rows = []
    for event in events:
        detail: dict[str, Any] = dict(event.details or {})
        if event.object_type:
            detail.setdefault("object", f"{event.object_type}:{event.object_id or ''}")
        if event.actor in (PAGE, API):
            detail.setdefault("via", "page" if event.actor == PAGE else "api")
        actor = emails.get(event.actor_user_id, event.actor) if event.actor_user_id else event.actor
        rows.append(
            {
                "at": event.created_at,
                "actor": actor,
                "actor_user_id": event.actor_user_id,
                "action": event.action,
                "person_id": event.person_id,
                "detail": detail,
            }
        )
    return rows
