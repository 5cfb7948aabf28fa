"""The audit trail."""

from typing import Any

from sqlmodel import Session

from app.models import AuditEvent


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
