"""Campaigns (an assessment round with a battery) and the invitations sent in them."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.db import OrganisationScoped
from app.models._fields import choice, moment_column, now_column


class CampaignStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class TargetRole(StrEnum):
    active = "active"
    passive = "passive"
    either = "either"


class Campaign(OrganisationScoped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    battery_id: str = Field(max_length=64)
    target_role: TargetRole = choice(20, TargetRole.either)
    language: str = Field(default="ru", max_length=2, description="default for its invitations")
    deadline_date: date | None = None
    candidate_feedback: bool = Field(default=False, description="candidates see a summary")
    status: CampaignStatus = choice(20, CampaignStatus.open)
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    created_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = now_column()


class InvitationStatus(StrEnum):
    invited = "invited"
    opened = "opened"
    in_progress = "in_progress"
    completed = "completed"
    declined = "declined"
    expired = "expired"
    revoked = "revoked"


class Invitation(OrganisationScoped, table=True):
    """A personal link to a campaign's battery.

    The token is never stored: it is an HMAC of `token_nonce` under the server's SECRET_KEY
    (so HR can copy the link again), and only its SHA-256 is kept to look it up.
    """

    __table_args__ = (UniqueConstraint("campaign_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    token_nonce: str = Field(max_length=64)
    language: str | None = Field(default=None, max_length=2)
    created_at: datetime = now_column()
    sent_at: datetime | None = moment_column()
    reminders_sent: int = 0
    last_reminded_at: datetime | None = moment_column()
    opened_at: datetime | None = moment_column()
    started_at: datetime | None = moment_column()
    completed_at: datetime | None = moment_column()
    declined_at: datetime | None = moment_column()
    expires_at: datetime | None = moment_column()
    revoked_at: datetime | None = moment_column()

    def status(self, now: datetime) -> InvitationStatus:
        """Where the person stands, the final states first."""
        if self.revoked_at is not None:
            return InvitationStatus.revoked
        if self.completed_at is not None:
            return InvitationStatus.completed
        if self.declined_at is not None:
            return InvitationStatus.declined
        if self.expires_at is not None and self.expires_at <= now:
            return InvitationStatus.expired
        if self.started_at is not None:
            return InvitationStatus.in_progress
        if self.opened_at is not None:
            return InvitationStatus.opened
        return InvitationStatus.invited
