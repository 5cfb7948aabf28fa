"""Organisations, staff accounts, sign-in and API tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from app.db import ALL_ORGANISATIONS, utcnow
from app.i18n import gettext as _
from app.models import ApiToken, LoginSession, Organisation, Role, User
from app.security import (
    MIN_PASSWORD_LENGTH,
    generate_password,
    hash_password,
    hash_token,
    needs_rehash,
    new_token,
    verify_password,
)
from app.services.audit import record_event
from app.services.errors import Conflict, Invalid

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
API_TOKEN_PREFIX = "sf_"  # noqa: S105  (a visible prefix, not a secret)
LOGIN_SESSION_LIFETIME = timedelta(hours=12)
"""A sign-in lasts this long at most (the cookie's max-age is the same)."""
EVERYONE = {ALL_ORGANISATIONS: True}


class AccountError(ValueError):
    """Bad input for an account operation; the message says what and how to fix it."""


@dataclass(frozen=True)
class NewUser:
    user: User
    organisation: Organisation
    organisation_created: bool
    password: str | None  # set only when it was generated here, to be shown once


def normalise_email(email: str) -> str:
    try:
        return validate_email(
            email.strip(), check_deliverability=False, globally_deliverable=False
        ).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"invalid e-mail address {email!r}: {exc}") from exc


def get_or_create_organisation(
    session: Session, *, slug: str, name: str | None = None
) -> tuple[Organisation, bool]:
    """The organisation with `slug`, created when new; the flag says whether it was."""
    if not SLUG.match(slug):
        raise AccountError(
            f"invalid organisation slug {slug!r}: use 2-63 lower-case letters, digits and hyphens"
        )
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is not None:
        return organisation, False
    organisation = Organisation(slug=slug, name=name or slug.replace("-", " ").title())
    session.add(organisation)
    session.flush()
    return organisation, True


def create_user(
    session: Session,
    *,
    email: str,
    role: Role | str,
    organisation_slug: str,
    password: str | None = None,
    full_name: str = "",
) -> NewUser:
    """Create a staff account; a password is generated when none is given."""
    try:
        role = Role(role)
    except ValueError as exc:
        roles = ", ".join(r.value for r in Role)
        raise AccountError(f"unknown role {role!r}; use one of: {roles}") from exc
    email = normalise_email(email)
    if find_user_by_email(session, email) is not None:
        raise AccountError(f"a user with e-mail {email} already exists")
    generated = None
    if password is None:
        password = generated = generate_password()
    elif len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")
    organisation, created = get_or_create_organisation(session, slug=organisation_slug)
    if organisation.id is None:
        raise RuntimeError("the organisation was not saved")
    user = User(
        organisation_id=organisation.id,
        email=email,
        full_name=full_name,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        organisation_id=organisation.id,
        actor="system",
        action="user.created",
        object_type="user",
        object_id=user.id,
        details={"email": email, "role": role.value},
    )
    return NewUser(user, organisation, created, generated)


def find_user_by_email(session: Session, email: str) -> User | None:
    """Look a user up across organisations (e-mails are unique; used to sign in)."""
    statement = select(User).where(User.email == email.strip().lower())
    return session.exec(statement.execution_options(**{ALL_ORGANISATIONS: True})).first()


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None without saying which was wrong."""
    user = find_user_by_email(session, email)
    valid = verify_password(password, user.password_hash if user else None)
    if user is None or not valid or not user.is_active:
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.add(user)
    return user


def record_sign_in_failure(session: Session, *, email: str, address: str) -> None:
    """Audit a failed sign-in to a known account (an unknown e-mail belongs to no
    organisation, so it is only counted by the throttle)."""
    user = find_user_by_email(session, email) if email.strip() else None
    if user is None or user.organisation_id is None:
        return
    record_event(
        session,
        organisation_id=user.organisation_id,
        actor="anonymous",
        action="user.sign_in_failed",
        object_type="user",
        object_id=user.id,
        details={"address": address, "active": user.is_active},
    )


def create_api_token(session: Session, *, email: str, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for the user; the plain token is returned once and never stored."""
    user = find_user_by_email(session, email)
    if user is None:
        raise AccountError(f"no user with e-mail {email.strip().lower()}")
    token = new_token(API_TOKEN_PREFIX)
    if user.id is None or user.organisation_id is None:
        raise RuntimeError("the user was not saved")
    api_token = ApiToken(
        organisation_id=user.organisation_id,
        user_id=user.id,
        token_hash=hash_token(token),
        prefix=token[:10],
        name=name,
    )
    session.add(api_token)
    session.flush()
    record_event(
        session,
        organisation_id=user.organisation_id,
        actor="system",
        actor_user_id=user.id,
        action="api_token.created",
        object_type="api_token",
        object_id=api_token.id,
    )
    return api_token, token


def user_for_api_token(session: Session, token: str) -> User | None:
    """The active user owning an unrevoked token, or None."""
    statement = (
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)  # type: ignore[arg-type]
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))  # type: ignore[union-attr]
    )
    row = session.exec(statement.execution_options(**{ALL_ORGANISATIONS: True})).first()
    if row is None or not row[1].is_active:
        return None
    api_token, user = row
    api_token.last_used_at = utcnow()
    session.add(api_token)
    return user


# ----------------------------------------------------------------------------- login sessions


def start_login_session(session: Session, user: User, *, now: datetime | None = None) -> str:
    """A new server-side session for `user`; returns the random id for the cookie (only its
    SHA-256 is stored, so a copy of the database signs nobody in)."""
    if user.id is None or user.organisation_id is None:
        raise RuntimeError("the user was not saved")
    token = new_token()
    session.add(
        LoginSession(
            organisation_id=user.organisation_id,
            user_id=user.id,
            token_hash=hash_token(token),
            expires_at=(now or utcnow()) + LOGIN_SESSION_LIFETIME,
        )
    )
    return token


def user_for_login_session(session: Session, token: object) -> User | None:
    """The active user of an unexpired, unrevoked session id, or None."""
    if not isinstance(token, str) or not token or len(token) > 128:
        return None
    statement = (
        select(User)
        .join(LoginSession, col(LoginSession.user_id) == col(User.id))
        .where(
            LoginSession.token_hash == hash_token(token),
            col(LoginSession.revoked_at).is_(None),
            col(LoginSession.expires_at) > utcnow(),
        )
    )
    user = session.exec(statement.execution_options(**EVERYONE)).first()
    return user if user is not None and user.is_active else None


def end_login_session(session: Session, token: object, *, reason: str) -> None:
    """End one session (sign-out); an unknown or ended id changes nothing."""
    if not isinstance(token, str) or not token:
        return
    row = session.exec(
        select(LoginSession)
        .where(LoginSession.token_hash == hash_token(token), col(LoginSession.revoked_at).is_(None))
        .execution_options(**EVERYONE)
    ).first()
    if row is not None:
        row.revoked_at, row.ended_by = utcnow(), reason
        session.add(row)


def end_user_sessions(session: Session, user: User, *, reason: str) -> int:
    """End every open session of `user`; returns how many."""
    rows = session.exec(
        select(LoginSession)
        .where(LoginSession.user_id == user.id, col(LoginSession.revoked_at).is_(None))
        .execution_options(**EVERYONE)
    ).all()
    now = utcnow()
    for row in rows:
        row.revoked_at, row.ended_by = now, reason
        session.add(row)
    return len(rows)


def change_password(session: Session, *, user: User, current: str, new: str, again: str) -> None:
    """Set a new password after checking the current one; ends every session of the user
    (the caller signs its own browser in again). Invalid names the field at fault."""
    if not verify_password(current, user.password_hash):
        raise Invalid(_("The current password is wrong."), field="current_password")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            _("The new password must be at least %(count)s characters long.")
            % {"count": MIN_PASSWORD_LENGTH},
            field="new_password",
        )
    if new != again:
        raise Invalid(
            _("The two new passwords differ; type it twice the same."), field="new_password_again"
        )
    user.password_hash = hash_password(new)
    session.add(user)
    ended = end_user_sessions(session, user, reason="password")
    _user_event(session, user, "user.password_changed", user.id, {"sessions_ended": ended})


def _user_event(
    session: Session,
    user: User,
    action: str,
    actor_user_id: int | None,
    details: dict[str, int] | None = None,
) -> None:
    """Audit a change to a user's account (by that user, an admin, or the system)."""
    record_event(
        session,
        organisation_id=user.organisation_id or 0,
        actor_user_id=actor_user_id,
        actor="user" if actor_user_id else "system",
        action=action,
        object_type="user",
        object_id=user.id,
        details=details,
    )


def deactivate_user(session: Session, *, user: User, actor_user_id: int | None) -> None:
    """Stop a user from signing in: their sessions end and their API tokens are revoked."""
    if user.id is not None and user.id == actor_user_id:
        raise Conflict(_("You cannot deactivate your own account."))
    if not user.is_active:
        return
    user.is_active = False
    session.add(user)
    ended = end_user_sessions(session, user, reason="deactivated")
    revoked = revoke_api_tokens(session, tokens=user_api_tokens(session, user))
    _user_event(
        session,
        user,
        "user.deactivated",
        actor_user_id,
        {"sessions_ended": ended, "api_tokens_revoked": revoked},
    )


def activate_user(session: Session, *, user: User, actor_user_id: int | None) -> None:
    """Let a deactivated user sign in again (revoked API tokens stay revoked)."""
    if user.is_active:
        return
    user.is_active = True
    session.add(user)
    _user_event(session, user, "user.activated", actor_user_id)


# ----------------------------------------------------------------------------- API tokens


def user_api_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's unrevoked tokens."""
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
            .execution_options(**EVERYONE)
        )
    )


def revoke_api_tokens(
    session: Session, *, tokens: list[ApiToken], actor_user_id: int | None = None
) -> int:
    """Revoke tokens (already revoked ones are left as they are); each is audited."""
    now = utcnow()
    count = 0
    for api_token in tokens:
        if api_token.revoked_at is not None:
            continue
        api_token.revoked_at = now
        session.add(api_token)
        count += 1
        record_event(
            session,
            organisation_id=api_token.organisation_id or 0,
            actor_user_id=actor_user_id,
            actor="user" if actor_user_id else "system",
            action="api_token.revoked",
            object_type="api_token",
            object_id=api_token.id,
            details={"prefix": api_token.prefix, "owner_user_id": api_token.user_id},
        )
    return count
