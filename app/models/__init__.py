"""The tables. Importing this package registers every one of them (Alembic relies on it)."""

from app.models.assessments import (
    Answer,
    AssessmentSession,
    KpiValue,
    ManagerRating,
    ReviewScore,
    ScoreSnapshot,
    SessionStatus,
)
from app.models.campaigns import Campaign, CampaignStatus, Invitation, InvitationStatus, TargetRole
from app.models.compliance import AuditEvent, Consent, OutboxMessage
from app.models.login import LoginSession
from app.models.organisation import Organisation
from app.models.people import Person, PersonKind, Team
from app.models.users import ApiToken, Role, User

__all__ = [
    "Answer",
    "ApiToken",
    "AssessmentSession",
    "AuditEvent",
    "Campaign",
    "CampaignStatus",
    "Consent",
    "Invitation",
    "InvitationStatus",
    "KpiValue",
    "LoginSession",
    "ManagerRating",
    "Organisation",
    "OutboxMessage",
    "Person",
    "PersonKind",
    "ReviewScore",
    "Role",
    "ScoreSnapshot",
    "SessionStatus",
    "TargetRole",
    "Team",
    "User",
]
