"""Finding (medium): logout did not end the session; a copied cookie kept working for 12 h.

Sessions are server-side: the cookie carries a random id, the database its SHA-256; sign-out,
a password change and deactivation end them, and they expire.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import utcnow
from app.main import SESSION_COOKIE
from app.models import LoginSession, Role, User
from app.security import hash_token
from app.services import accounts
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, create_organisation, create_user


def _cookie_payload(client: TestClient) -> dict[str, object]:
    signed = client.cookies[SESSION_COOKIE]
    data = signed.split(".")[0]
    return dict(json.loads(base64.b64decode(data + "=" * (-len(data) % 4))))


def _copy(source: TestClient, target: TestClient) -> None:
    target.cookies.set(SESSION_COOKIE, source.cookies[SESSION_COOKIE])


def test_the_cookie_carries_a_random_id_whose_hash_is_stored(
    client: TestClient, db: Session
) -> None:
    user = create_user(db)
    sign_in(client, user.email, PASSWORD)
    payload = _cookie_payload(client)
    assert "user_id" not in payload and user.email not in json.dumps(payload)
    session_id = payload["sid"]
    assert isinstance(session_id, str) and len(session_id) >= 43
    row = db.exec(select(LoginSession).where(LoginSession.user_id == user.id)).one()
    assert row.token_hash == hash_token(session_id) and row.revoked_at is None
    assert timedelta(hours=11) < row.expires_at - utcnow() <= timedelta(hours=12)


def test_a_copied_cookie_stops_working_after_sign_out(
    app_factory: Callable[..., TestClient], db: Session
) -> None:
    owner, thief = app_factory(), app_factory()
    user = create_user(db)
    sign_in(owner, user.email, PASSWORD)
    _copy(owner, thief)
    assert thief.get("/dashboard", follow_redirects=False).status_code == 200
    page = owner.get("/dashboard")
    owner.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert thief.get("/dashboard", follow_redirects=False).status_code == 303
    row = db.exec(select(LoginSession).where(LoginSession.user_id == user.id)).one()
    assert row.revoked_at is not None and row.ended_by == "sign_out"


def test_changing_the_password_ends_the_other_sessions(
    app_factory: Callable[..., TestClient], db: Session
) -> None:
    here, elsewhere = app_factory(), app_factory()
    user = create_user(db)
    sign_in(here, user.email, PASSWORD)
    sign_in(elsewhere, user.email, PASSWORD)
    page = here.get("/account")
    response = here.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a-new-long-password",
            "new_password_again": "a-new-long-password",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert here.get("/dashboard", follow_redirects=False).status_code == 200
    assert elsewhere.get("/dashboard", follow_redirects=False).status_code == 303
    db.refresh(user)
    assert accounts.authenticate(db, email=user.email, password="a-new-long-password")


def test_a_wrong_current_password_changes_nothing(client: TestClient, db: Session) -> None:
    user = create_user(db)
    sign_in(client, user.email, PASSWORD)
    page = client.get("/account")
    response = client.post(
        "/account/password",
        data={
            "current_password": "not-the-password",
            "new_password": "a-new-long-password",
            "new_password_again": "a-new-long-password",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 422
    assert "current password is wrong" in response.text
    assert accounts.authenticate(db, email=user.email, password=PASSWORD)


def test_deactivation_ends_the_sessions(client: TestClient, db: Session) -> None:
    organisation = create_organisation(db)
    user = create_user(db, organisation=organisation, role=Role.manager)
    admin = create_user(db, organisation=organisation, role=Role.admin)
    sign_in(client, user.email, PASSWORD)
    accounts.deactivate_user(db, user=user, actor_user_id=admin.id)
    db.commit()
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    assert all(
        row.revoked_at is not None
        for row in db.exec(select(LoginSession).where(LoginSession.user_id == user.id))
    )


def test_an_expired_session_signs_nobody_in(client: TestClient, db: Session) -> None:
    user = create_user(db)
    sign_in(client, user.email, PASSWORD)
    row = db.exec(select(LoginSession).where(LoginSession.user_id == user.id)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    assert db.get(User, user.id) is not None


def test_the_daily_retention_run_forgets_long_expired_sessions(
    client: TestClient, db: Session
) -> None:
    from app.services.privacy import apply_retention

    user = create_user(db)
    sign_in(client, user.email, PASSWORD)
    sign_in(client, user.email, PASSWORD)
    old, new = db.exec(select(LoginSession).where(LoginSession.user_id == user.id)).all()
    old.expires_at = utcnow() - timedelta(days=8)
    db.add(old)
    db.commit()
    db.info.clear()
    apply_retention(db)
    db.commit()
    left = db.exec(select(LoginSession).where(LoginSession.user_id == user.id)).all()
    assert [row.id for row in left] == [new.id]
