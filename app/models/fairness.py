"""Group membership given voluntarily for the fairness audit, kept apart from every score."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.db import OrganisationScoped
from app.models._fields import now_column


class GroupMembership(OrganisationScoped, table=True):
    """One answer a person chose to give about themselves (e.g. gender, age band), with the
    separate consent it was given under. Read only by the fairness audit, in aggregate."""

    __tablename__ = "group_membership"
    __table_args__ = (UniqueConstraint("person_id", "attribute"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    attribute: str = Field(max_length=32)
    value: str = Field(max_length=32)
    consent_id: int | None = Field(default=None, foreign_key="consent.id", ondelete="SET NULL")
    source: str = Field(default="self", max_length=20, description="self (the person) or import")
    created_at: datetime = now_column()
