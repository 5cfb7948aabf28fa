"""Consents, the audit trail and the mail outbox."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from app.db import OrganisationScoped
from app.models._fields import json_field, moment_column, now_column


class Consent(OrganisationScoped, table=True):
    """A person's consent to processing, recorded before anything else is stored."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    invitation_id: int | None = Field(
        default=None, foreign_key="invitation.id", ondelete="SET NULL"
    )
    purpose: str = Field(max_length=64)
    accepted: bool = Field(default=True, description="False records a refusal, and nothing else")
    text_version: str = Field(max_length=64)
    language: str = Field(max_length=2)
    given_at: datetime = now_column()
    withdrawn_at: datetime | None = moment_column()


class AuditEvent(OrganisationScoped, table=True):
    """Who did what to which object, and when."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    actor_user_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    actor: str = Field(max_length=40, description="user, api, candidate or system")
    action: str = Field(max_length=64, index=True)
    object_type: str | None = Field(default=None, max_length=40)
    object_id: str | None = Field(default=None, max_length=64)
    person_id: int | None = Field(
        default=None,
        foreign_key="person.id",
        index=True,
        ondelete="SET NULL",
        description="the person whose data the event concerns (read, exported, erased…)",
    )
    details: dict[str, Any] = json_field()
    created_at: datetime = now_column()


class OutboxMessage(SQLModel, table=True):
    """An e-mail waiting to be sent by the mail worker (shared safely between workers)."""

    __tablename__ = "outbox_message"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", index=True, ondelete="CASCADE"
    )
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body_text: str
    body_html: str | None = None
    status: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    dedupe_key: str | None = Field(default=None, max_length=128, unique=True)
    created_at: datetime = now_column()
    next_attempt_at: datetime = now_column()
    locked_until: datetime | None = moment_column()
    sent_at: datetime | None = moment_column()
    last_error: str | None = Field(default=None, max_length=2000)
