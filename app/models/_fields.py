"""Column helpers shared by the tables."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlmodel import Field

from app.db import UTCDateTime, utcnow


def now_column() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def moment_column(*, index: bool = False) -> Any:
    """An optional moment (e.g. `completed_at`)."""
    return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)


def choice(length: int, default: Any = ..., *, index: bool = False) -> Any:
    """A short string holding one value of a StrEnum (portable, no database enum type)."""
    return Field(default=default, sa_type=String(length), nullable=False, index=index)


def json_field(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_type=JSON, nullable=False)


__all__ = ["choice", "datetime", "json_field", "moment_column", "now_column"]
