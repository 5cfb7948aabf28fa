"""Campaigns (an assessment round with a battery) and the invitations sent in them."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.db import OrganisationScoped
from app.models._fields import choice, moment_column, now_column


class CampaignStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class Campaign(OrganisationScoped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    battery_id: str = Field(max_length=64)
    target_profile: str | None = Field(default=None, max_length=64)
    status: CampaignStatus = choice(20, CampaignStatus.draft)
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    created_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = now_column()
    closes_at: datetime | None = moment_column()


class Invitation(OrganisationScoped, table=True):
    """A personal link to a campaign's battery. Only the SHA-256 of its token is stored."""

    __table_args__ = (UniqueConstraint("campaign_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    language: str | None = Field(default=None, max_length=2)
    created_at: datetime = now_column()
    sent_at: datetime | None = moment_column()
    opened_at: datetime | None = moment_column()
    expires_at: datetime | None = moment_column()
    revoked_at: datetime | None = moment_column()
