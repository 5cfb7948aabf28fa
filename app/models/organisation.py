"""Organisations: the tenants. Every other row belongs to exactly one."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models._fields import choice, now_column


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    default_language: str = choice(2, "en")
    retention_days: int = Field(default=365, description="after this, candidates are anonymised")
    created_at: datetime = now_column()
