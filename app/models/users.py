"""Staff accounts, their roles and their API tokens."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.db import OrganisationScoped
from app.models._fields import choice, moment_column, now_column


class Role(StrEnum):
    admin = "admin"
    hr = "hr"
    head_of_sales = "head_of_sales"
    manager = "manager"


class User(OrganisationScoped, table=True):
    __tablename__ = "user_account"
    # An e-mail signs in to one organisation; consultants serving several get one user each.
    __table_args__ = (UniqueConstraint("email"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    full_name: str = Field(default="", max_length=200)
    role: Role = choice(20)
    password_hash: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=2)
    is_active: bool = True
    created_at: datetime = now_column()
    last_login_at: datetime | None = moment_column()


class ApiToken(OrganisationScoped, table=True):
    """A Bearer token for integrations; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12, description="first characters, to recognise a token")
    name: str = Field(default="", max_length=100)
    created_at: datetime = now_column()
    last_used_at: datetime | None = moment_column()
    revoked_at: datetime | None = moment_column()
