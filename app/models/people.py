"""Teams and the people assessed: candidates and employees."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.db import OrganisationScoped
from app.models._fields import choice, moment_column, now_column


class PersonKind(StrEnum):
    candidate = "candidate"
    employee = "employee"


class Team(OrganisationScoped, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    sales_mode: str | None = Field(
        default=None, max_length=64, description="profile id the team works in, e.g. passive"
    )
    manager_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = now_column()
    archived_at: datetime | None = moment_column()


class Person(OrganisationScoped, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: PersonKind = choice(20, index=True)
    full_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254, index=True)
    phone: str | None = Field(default=None, max_length=40)
    external_id: str | None = Field(default=None, max_length=100, description="id in an ATS/HRIS")
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    manager_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    current_role: str | None = Field(default=None, max_length=64, description="profile id")
    language: str | None = Field(default=None, max_length=2)
    created_at: datetime = now_column()
    anonymised_at: datetime | None = moment_column()
    hire_date: date | None = None
    archived_at: datetime | None = moment_column()  # left the company or the directory
