"""Finding (low) and point 6: no command or page to revoke an API token or deactivate a user,
though the docs said tokens are revocable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.db import make_engine
from app.models import ApiToken, AuditEvent, Role, User
from app.services.accounts import create_api_token, create_user, user_for_api_token
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD
from tests.factories import create_user as make_user
from tests.security.conftest import World


@pytest.fixture
def admin_client(client: TestClient, db: Session, world: World) -> Iterator[TestClient]:
    admin = make_user(db, organisation=world.organisation, role=Role.admin)
    sign_in(client, admin.email, PASSWORD)
    yield client


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_the_admin_page_lists_users_and_tokens_and_revokes_a_token(
    admin_client: TestClient, db: Session, world: World
) -> None:
    hr = make_user(db, organisation=world.organisation, role=Role.hr)
    row, token = create_api_token(db, email=hr.email, name="ATS")
    db.commit()
    assert admin_client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    page = admin_client.get("/admin/users")
    soup = BeautifulSoup(page.text, "html.parser")
    assert hr.email in soup.select_one("#users").get_text()
    tokens = soup.select_one("#tokens").get_text()
    assert row.prefix in tokens and "ATS" in tokens and token not in page.text
    response = admin_client.post(
        f"/admin/tokens/{row.id}/revoke", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 200 and "revoked" in response.text.lower()
    assert admin_client.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "api_token.revoked")).one()
    assert event.object_id == str(row.id)


def test_the_admin_deactivates_and_reactivates_a_user(
    app_factory: object, admin_client: TestClient, db: Session, world: World
) -> None:
    manager = make_user(db, organisation=world.organisation, role=Role.manager)
    _row, token = create_api_token(db, email=manager.email)
    db.commit()
    their = app_factory()  # type: ignore[operator]
    sign_in(their, manager.email, PASSWORD)
    page = admin_client.get("/admin/users")
    done = admin_client.post(
        f"/admin/users/{manager.id}/deactivate", data={"csrf_token": csrf_from(page.text)}
    )
    assert done.status_code == 200
    assert their.get("/dashboard", follow_redirects=False).status_code == 303  # signed out
    assert admin_client.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    login = their.get("/login")
    refused = their.post(
        "/login",
        data={"email": manager.email, "password": PASSWORD, "csrf_token": csrf_from(login.text)},
    )
    assert refused.status_code == 401
    actions = [
        e.action for e in db.exec(select(AuditEvent).where(AuditEvent.object_id == str(manager.id)))
    ]
    assert "user.deactivated" in actions
    admin_client.post(
        f"/admin/users/{manager.id}/activate", data={"csrf_token": csrf_from(page.text)}
    )
    sign_in(their, manager.email, PASSWORD)
    assert "user.activated" in [
        e.action for e in db.exec(select(AuditEvent).where(AuditEvent.object_id == str(manager.id)))
    ]


def test_an_admin_cannot_deactivate_themself_or_anyone_elsewhere(
    admin_client: TestClient, db: Session, world: World
) -> None:
    page = admin_client.get("/admin/users")
    me = db.exec(select(User).where(User.role == Role.admin)).one()
    refused = admin_client.post(
        f"/admin/users/{me.id}/deactivate", data={"csrf_token": csrf_from(page.text)}
    )
    assert refused.status_code == 409
    db.info.clear()
    stranger_id = make_user(db, role=Role.hr).id
    db.expunge_all()
    elsewhere = admin_client.post(
        f"/admin/users/{stranger_id}/deactivate", data={"csrf_token": csrf_from(page.text)}
    )
    assert elsewhere.status_code == 404
    db.info.clear()
    assert db.get(User, stranger_id).is_active  # type: ignore[union-attr]


def test_revoke_api_token_on_the_command_line(database_url: str) -> None:
    engine = make_engine(database_url)
    with Session(engine) as session:
        create_user(
            session, email="ats@example.com", role="hr", organisation_slug="acme", password=PASSWORD
        )
        first, first_token = create_api_token(session, email="ats@example.com", name="ATS")
        _second, second_token = create_api_token(session, email="ats@example.com", name="HRIS")
        session.commit()
        prefix = first.prefix
    runner = CliRunner()
    result = runner.invoke(cli, ["revoke-api-token", "--prefix", prefix])
    assert result.exit_code == 0, result.output
    assert prefix in result.output
    with Session(engine) as session:
        assert user_for_api_token(session, first_token) is None
        assert user_for_api_token(session, second_token) is not None
    unknown = runner.invoke(cli, ["revoke-api-token", "--prefix", "sf_nothing"])
    assert unknown.exit_code == 1 and "sf_nothing" in unknown.output
    everything = runner.invoke(cli, ["revoke-api-token", "--email", "ats@example.com"])
    assert everything.exit_code == 0, everything.output
    with Session(engine) as session:
        assert user_for_api_token(session, second_token) is None
        tokens = session.exec(select(ApiToken)).all()
        assert all(t.revoked_at is not None for t in tokens)
        assert (
            len(
                session.exec(
                    select(AuditEvent).where(AuditEvent.action == "api_token.revoked")
                ).all()
            )
            == 2
        )
    nothing = runner.invoke(cli, ["revoke-api-token"])
    assert nothing.exit_code != 0
    engine.dispose()
