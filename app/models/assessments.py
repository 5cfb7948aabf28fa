"""What people answer and what their answers are worth."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.db import OrganisationScoped
from app.models._fields import choice, json_field, moment_column, now_column


class SessionStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    completed = "completed"
    superseded = "superseded"  # replaced by a retake; detached from its invitation, kept


class AssessmentSession(OrganisationScoped, table=True):
    """One person taking one instrument of a campaign's battery."""

    __tablename__ = "assessment_session"
    __table_args__ = (UniqueConstraint("invitation_id", "instrument_id"),)

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int | None = Field(
        default=None, foreign_key="invitation.id", index=True, ondelete="CASCADE"
    )
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    instrument_id: str = Field(max_length=64)
    instrument_version: str = Field(max_length=64)
    language: str = Field(default="en", max_length=2)
    status: SessionStatus = choice(20, SessionStatus.not_started)
    created_at: datetime = now_column()
    started_at: datetime | None = moment_column()
    deadline_at: datetime | None = moment_column()  # a timed section's end, enforced on save
    completed_at: datetime | None = moment_column()


class Answer(OrganisationScoped, table=True):
    """The latest answer to one item in one session; saving again replaces it."""

    __table_args__ = (UniqueConstraint("session_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="assessment_session.id", ondelete="CASCADE")
    item_id: str = Field(max_length=64)
    value: Any = json_field(default_factory=lambda: None)
    seconds: float | None = Field(default=None, description="time spent on the item")
    revision: int = Field(default=1, description="how many times it was saved")
    answered_at: datetime = now_column()


class ReviewScore(OrganisationScoped, table=True):
    """Points a reviewer gave one rubric criterion of a work-sample answer."""

    __tablename__ = "review_score"
    __table_args__ = (UniqueConstraint("session_id", "criterion_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="assessment_session.id", index=True, ondelete="CASCADE")
    criterion_id: str = Field(max_length=64)
    points: float
    reviewer_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    reviewed_at: datetime = now_column()


class ScoreSnapshot(OrganisationScoped, table=True):
    """Scores as computed at one moment, with the versions that produced them."""

    __tablename__ = "score_snapshot"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    campaign_id: int | None = Field(
        default=None, foreign_key="campaign.id", index=True, ondelete="SET NULL"
    )
    invitation_id: int | None = Field(
        default=None, foreign_key="invitation.id", index=True, ondelete="SET NULL"
    )
    provisional: bool = Field(default=False, description="waits for reviews or ratings")
    recommendation: str | None = Field(default=None, max_length=20)
    confidence: str | None = Field(default=None, max_length=10)
    model_version: str = Field(max_length=64)
    instrument_versions: dict[str, str] = json_field()
    scores: dict[str, Any] = json_field()
    flags: list[str] = json_field(default_factory=list)
    created_at: datetime = now_column()


class ManagerRating(OrganisationScoped, table=True):
    """A manager's rating of a team member on one behaviourally anchored scale."""

    __tablename__ = "manager_rating"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    rater_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    invitation_id: int | None = Field(
        default=None, foreign_key="invitation.id", index=True, ondelete="SET NULL"
    )
    instrument_id: str = Field(max_length=64)
    instrument_version: str = Field(max_length=64)
    item_id: str = Field(max_length=64)
    value: int
    comment: str | None = Field(default=None, max_length=2000)
    rated_on: date
    created_at: datetime = now_column()


class InterviewRating(OrganisationScoped, table=True):
    """One interviewer's rating of one structured-interview question (numbers only: no free
    text is stored). A panel gives one set of rows per interviewer."""

    __tablename__ = "interview_rating"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    invitation_id: int = Field(foreign_key="invitation.id", index=True, ondelete="CASCADE")
    interviewer_id: int | None = Field(
        default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL"
    )
    instrument_id: str = Field(max_length=64)
    instrument_version: str = Field(max_length=64)
    item_id: str = Field(max_length=64)
    value: int
    created_at: datetime = now_column()


class KpiValue(OrganisationScoped, table=True):
    """One measured KPI of one person over one period (ids from competencies.yaml)."""

    __tablename__ = "kpi_value"
    __table_args__ = (UniqueConstraint("person_id", "kpi_id", "period_start"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    kpi_id: str = Field(max_length=64)
    period_start: date
    period_end: date
    value: float
    source: str = Field(default="manual", max_length=40)
    created_at: datetime = now_column()
