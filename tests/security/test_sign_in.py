"""Findings (medium): no sign-in throttling; failed sign-ins were not audited."""

from __future__ import annotations

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import AuditEvent, Role
from app.web.routes import auth
from tests.conftest import csrf_from
from tests.factories import PASSWORD, create_organisation, create_user


def _try(client: TestClient, email: str, password: str, lang: str = "en") -> tuple[int, str]:
    page = client.get(f"/login?lang={lang}")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    error = BeautifulSoup(response.text, "html.parser").find(class_="error")
    return response.status_code, error.get_text(" ", strip=True) if error else ""


def test_many_wrong_passwords_then_the_right_one_is_refused_with_the_wait_in_words(
    client: TestClient, db: Session
) -> None:
    user = create_user(db)
    for _ in range(40):
        status, _message = _try(client, user.email, "wrong-password-123")
        if status == 429:
            break
    status, message = _try(client, user.email, PASSWORD)
    assert status == 429, "the right password must not work while the account is throttled"
    assert "Too many failed sign-ins" in message and "in 15 minutes" in message
    status, message = _try(client, user.email, PASSWORD, lang="ru")
    assert status == 429 and "через 15 минут" in message
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_the_account_limit_counts_only_failures_and_a_success_resets_it(
    client: TestClient, db: Session
) -> None:
    user = create_user(db)
    for _ in range(auth.ACCOUNT_LIMIT - 1):
        assert _try(client, user.email, "wrong-password-123")[0] == 401
    assert _try(client, user.email, PASSWORD)[0] == 303
    client.cookies.clear()
    for _ in range(auth.ACCOUNT_LIMIT - 1):
        assert _try(client, user.email, "wrong-password-123")[0] == 401


def test_one_address_trying_many_accounts_is_throttled(client: TestClient, db: Session) -> None:
    user = create_user(db)
    for number in range(auth.ADDRESS_LIMIT):
        assert _try(client, f"nobody{number}@example.com", "wrong-password-123")[0] == 401
    status, message = _try(client, user.email, PASSWORD)
    assert status == 429 and "Try again in" in message


def test_failed_sign_ins_are_audited(client: TestClient, db: Session) -> None:
    organisation = create_organisation(db)
    user = create_user(db, organisation=organisation, role=Role.manager)
    assert _try(client, user.email, "wrong-password-123")[0] == 401
    assert _try(client, "nobody@example.com", "wrong-password-123")[0] == 401
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "user.sign_in_failed")).all()
    assert len(events) == 1  # an unknown e-mail belongs to no organisation's trail
    event = events[0]
    assert event.organisation_id == organisation.id and event.object_id == str(user.id)
    assert event.details.get("address") == "testclient"
