"""Accounts: organisations, argon2 passwords, sign-in, API tokens stored hashed."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import Session, select

from app.db import utcnow
from app.models import ApiToken, AuditEvent, Organisation, Role
from app.services.accounts import (
    AccountError,
    authenticate,
    create_api_token,
    create_user,
    user_for_api_token,
)
from tests.factories import PASSWORD, unique
from tests.factories import create_user as make_user


def test_create_user_creates_the_organisation_when_new(db: Session) -> None:
    slug = unique("acme")
    first = create_user(
        db, email="Anna@Example.com", role="hr", organisation_slug=slug, password=PASSWORD
    )
    second = create_user(db, email="boris@example.com", role=Role.admin, organisation_slug=slug)
    assert first.organisation_created and not second.organisation_created
    assert first.organisation.id == second.organisation.id
    assert first.user.email == "anna@example.com"
    assert first.password is None  # given, so not echoed back
    assert second.password and len(second.password) >= 20  # generated, shown once
    assert second.password not in (second.user.password_hash or "")
    assert len(db.exec(select(Organisation).where(Organisation.slug == slug)).all()) == 1


def test_passwords_are_stored_as_argon2_hashes(db: Session) -> None:
    user = make_user(db)
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": "boss"}, "unknown role 'boss'; use one of: admin, hr, head_of_sales, manager"),
        ({"email": "not-an-email"}, "invalid e-mail address 'not-an-email'"),
        ({"organisation_slug": "Bad Slug!"}, "invalid organisation slug 'Bad Slug!'"),
        ({"password": "short"}, "at least 10 characters"),
    ],
)
def test_bad_account_input_is_refused_and_changes_nothing(
    db: Session, kwargs: dict[str, str], message: str
) -> None:
    values = {
        "email": "new@example.com",
        "role": "hr",
        "organisation_slug": unique("org"),
        "password": PASSWORD,
    }
    values.update(kwargs)
    before = len(db.exec(select(Organisation)).all())
    with pytest.raises(AccountError, match=message.replace("(", r"\(").replace(")", r"\)")):
        create_user(db, **values)  # type: ignore[arg-type]
    assert len(db.exec(select(Organisation)).all()) == before


def test_a_second_user_with_the_same_email_is_refused(db: Session) -> None:
    user = make_user(db)
    with pytest.raises(AccountError, match="already exists"):
        create_user(
            db,
            email=user.email.upper(),
            role="hr",
            organisation_slug=unique("org"),
            password=PASSWORD,
        )


def test_authenticate_does_not_tell_which_part_was_wrong(db: Session) -> None:
    user = make_user(db)
    assert authenticate(db, email=user.email, password=PASSWORD) is not None
    assert authenticate(db, email=user.email.upper(), password=PASSWORD) is not None
    assert authenticate(db, email=user.email, password="wrong-password") is None
    assert authenticate(db, email="nobody@example.com", password=PASSWORD) is None
    user.is_active = False
    db.add(user)
    assert authenticate(db, email=user.email, password=PASSWORD) is None


def test_api_tokens_are_stored_only_as_hashes(db: Session) -> None:
    user = make_user(db, role=Role.admin)
    api_token, token = create_api_token(db, email=user.email, name="ATS")
    db.commit()
    assert token.startswith("sf_") and len(token) > 40
    stored = db.exec(select(ApiToken).where(ApiToken.id == api_token.id)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash
    found = user_for_api_token(db, token)
    assert found is not None and found.id == user.id
    assert user_for_api_token(db, token + "x") is None
    stored.revoked_at = utcnow()
    db.add(stored)
    db.commit()
    assert user_for_api_token(db, token) is None
    actions = set(
        db.exec(
            select(AuditEvent.action).where(AuditEvent.organisation_id == user.organisation_id)
        ).all()
    )
    assert {"user.created", "api_token.created"} <= actions


def test_a_token_for_an_unknown_user_is_refused(db: Session) -> None:
    with pytest.raises(AccountError, match=r"no user with e-mail ghost@example\.com"):
        create_api_token(db, email="ghost@example.com")
