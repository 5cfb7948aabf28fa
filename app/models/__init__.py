"""The tables. Importing this package registers every one of them (Alembic relies on it)."""

from app.models.assessments import (
    Answer,
    AssessmentSession,
    InterviewRating,
    KpiValue,
    ManagerRating,
    ReviewScore,
    ScoreSnapshot,
    SessionStatus,
)
from app.models.campaigns import Campaign, CampaignStatus, Invitation, InvitationStatus, TargetRole
from app.models.compliance import AuditEvent, Consent, OutboxMessage
from app.models.fairness import GroupMembership
from app.models.kpis import KpiTarget
from app.models.login import LoginSession
from app.models.organisation import Organisation
from app.models.people import Person, PersonKind, Team
from app.models.users import ApiToken, Role, User
from app.models.validation import LocalModelVersion, OrganisationInstrument

__all__ = [
    "Answer",
    "ApiToken",
    "AssessmentSession",
    "AuditEvent",
    "Campaign",
    "CampaignStatus",
    "Consent",
    "GroupMembership",
    "InterviewRating",
    "Invitation",
    "InvitationStatus",
    "KpiTarget",
    "KpiValue",
    "LocalModelVersion",
    "LoginSession",
    "ManagerRating",
    "Organisation",
    "OrganisationInstrument",
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
