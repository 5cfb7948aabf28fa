"""Server-side login sessions: the cookie carries a random id, only its SHA-256 is stored."""

from datetime import datetime

from sqlmodel import Field

from app.db import OrganisationScoped, UTCDateTime
from app.models._fields import moment_column, now_column


class LoginSession(OrganisationScoped, table=True):
    """One signed-in browser. Ends at `expires_at`, or earlier when revoked (sign-out, a
    password change, the account's deactivation); a copied cookie dies with it."""

    __tablename__ = "login_session"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = now_column()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = moment_column()
    ended_by: str | None = Field(
        default=None, max_length=20, description="sign_out, password, deactivated, admin"
    )
