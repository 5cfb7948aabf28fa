"""Point 4 and the finding (medium) that there was no export or erasure of one person on
request, and that employees were never anonymised."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.db import make_engine, scope_to_organisation
from app.models import (
    Answer,
    AuditEvent,
    GroupMembership,
    Invitation,
    OutboxMessage,
    Person,
    Role,
    ScoreSnapshot,
    Team,
)
from app.scoring.loader import Catalog
from app.services.accounts import create_api_token
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, create_organisation, create_user
from tests.security.conftest import WORK, Candidate, World, make_world


def _token(db: Session, world: World, role: Role) -> dict[str, str]:
    user = create_user(db, organisation=world.organisation, role=role)
    _row, token = create_api_token(db, email=user.email)
    db.commit()
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
def done(db: Session, world: World, catalog: Catalog) -> Candidate:
    someone = world.invite(db, "Anna Petrova", "anna@example.com")
    world.complete(db, catalog, someone)
    return someone


def test_the_export_holds_everything_on_the_person(
    client: TestClient, db: Session, world: World, done: Candidate
) -> None:
    headers = _token(db, world, Role.hr)
    client.get(f"/api/v1/people/{done.person.id}/report", headers=headers)  # a read to see
    response = client.get(f"/api/v1/people/{done.person.id}/export", headers=headers)
    assert response.status_code == 200, response.text
    data = response.json()
    assert {"person", "consents", "answers", "results", "audit"} <= set(data)
    assert data["person"]["full_name"] == "Anna Petrova"
    assert data["person"]["email"] == "anna@example.com"
    assert data["consents"][0]["accepted"] is True
    assert WORK in [a["value"] for a in data["answers"]]
    assert data["results"] and data["results"][0]["scores"]
    assert any(m["to_address"] == "anna@example.com" for m in data["mail"])
    assert "report.viewed" in [e["action"] for e in data["audit"]]
    exported = db.exec(select(AuditEvent).where(AuditEvent.action == "person.exported")).all()
    assert [e.person_id for e in exported] == [done.person.id]


def test_erasure_needs_confirmation_and_removes_what_identifies_the_person(
    client: TestClient, db: Session, world: World, done: Candidate
) -> None:
    headers = _token(db, world, Role.hr)
    other = world.invite(db, "Boris Ivanov", "boris@example.com")
    snapshots = len(db.exec(select(ScoreSnapshot)).all())
    url = f"/api/v1/people/{done.person.id}/erase"
    for body in ({}, {"confirm": False}, {"confirm": "yes"}):
        assert client.post(url, json=body, headers=headers).status_code == 422, body
    assert db.get(Person, done.person.id).full_name == "Anna Petrova"  # type: ignore[union-attr]

    response = client.post(url, json={"confirm": True}, headers=headers)
    assert response.status_code == 200, response.text
    db.expire_all()
    report = client.get(f"/api/v1/people/{done.person.id}/report", headers=headers).text
    assert "Anna" not in report and "anna@example.com" not in report
    assert WORK not in [a.value for a in db.exec(select(Answer)).all()]
    mail = db.exec(select(OutboxMessage)).all()
    assert [m.to_address for m in mail] == ["boris@example.com"]
    assert len(db.exec(select(ScoreSnapshot)).all()) == snapshots  # scores stay, anonymous
    erased = db.exec(select(AuditEvent).where(AuditEvent.action == "person.erased")).one()
    assert erased.person_id == done.person.id and erased.actor == "api"
    assert client.post(url, json={"confirm": True}, headers=headers).status_code == 409
    invitation = db.get(Invitation, other.invitation.id)
    assert invitation is not None and invitation.revoked_at is None  # others untouched


def test_the_fairness_answers_are_exported_and_erased_with_the_person(
    client: TestClient, db: Session, world: World, done: Candidate
) -> None:
    from app.services.fairness import record_groups

    scope_to_organisation(db, world.organisation.id or 0)
    record_groups(db, person_id=done.person.id or 0, answers={"gender": "female"}, language="ru")
    db.commit()
    headers = _token(db, world, Role.hr)
    exported = client.get(f"/api/v1/people/{done.person.id}/export", headers=headers).json()
    assert [(g["attribute"], g["value"]) for g in exported["groups"]] == [("gender", "female")]

    response = client.post(
        f"/api/v1/people/{done.person.id}/erase", json={"confirm": True}, headers=headers
    )
    assert response.status_code == 200, response.text
    db.expire_all()
    left = db.exec(select(GroupMembership).where(GroupMembership.person_id == done.person.id)).all()
    assert left == []
    erased = db.exec(select(AuditEvent).where(AuditEvent.action == "person.erased")).one()
    assert erased.details["groups_removed"] == 1


def test_erasing_an_open_candidate_stops_the_link(
    client: TestClient, db: Session, world: World
) -> None:
    headers = _token(db, world, Role.admin)
    someone = world.invite(db, "Anna Petrova", "anna@example.com")
    assert client.get(f"/a/{someone.token}").status_code == 200
    response = client.post(
        f"/api/v1/people/{someone.person.id}/erase", json={"confirm": True}, headers=headers
    )
    assert response.status_code == 200 and response.json()["links_revoked"] == 1
    assert client.get(f"/a/{someone.token}").status_code == 404


def test_erasing_an_employee_keeps_the_team_figures(
    client: TestClient, db: Session, world: World, catalog: Catalog
) -> None:
    scope_to_organisation(db, world.organisation.id or 0)
    team = Team(name="Moscow desk")
    db.add(team)
    db.commit()
    people = []
    for name, email in (("Ivan Staff", "ivan@example.com"), ("Olga Staff", "olga@example.com")):
        member = world.invite(db, name, email, kind="employee")
        member.person.team_id = team.id
        db.add(member.person)
        db.commit()
        world.complete(db, catalog, member)
        people.append(member)
    hr = create_user(db, organisation=world.organisation, role=Role.hr)
    sign_in(client, hr.email, PASSWORD)
    before = client.get(f"/teams/map?team={team.id}")
    assert before.status_code == 200 and "Ivan Staff" in before.text
    page = client.get(f"/people/{people[0].person.id}/privacy")
    response = client.post(
        f"/people/{people[0].person.id}/privacy/erase",
        data={"confirm": "yes", "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    after = client.get(f"/teams/map?team={team.id}")
    assert "Ivan Staff" not in after.text and "Olga Staff" in after.text

    def summary(html: str) -> str:
        row = BeautifulSoup(html, "html.parser").select_one("tfoot, .summary, #summary")
        return row.get_text(" ", strip=True) if row else ""

    assert summary(before.text) and summary(after.text) == summary(before.text)
    erased = db.get(Person, people[0].person.id)
    assert erased is not None and erased.team_id == team.id and erased.email is None


def test_only_admins_and_hr_of_the_organisation_export_or_erase(
    client: TestClient, db: Session, world: World, done: Candidate
) -> None:
    person_id = done.person.id
    for role in (Role.manager, Role.head_of_sales):
        headers = _token(db, world, role)
        assert client.get(f"/api/v1/people/{person_id}/export", headers=headers).status_code == 403
        refused = client.post(
            f"/api/v1/people/{person_id}/erase", json={"confirm": True}, headers=headers
        )
        assert refused.status_code == 403
    db.info.clear()
    stranger = create_user(db, organisation=create_organisation(db), role=Role.admin)
    _row, token = create_api_token(db, email=stranger.email)
    db.commit()
    headers = {"authorization": f"Bearer {token}"}
    db.expunge_all()  # a request's session starts empty (see docs/architecture.md)
    assert client.get(f"/api/v1/people/{person_id}/export", headers=headers).status_code == 404
    db.info.clear()
    assert db.get(Person, person_id).full_name == "Anna Petrova"  # type: ignore[union-attr]


def test_the_privacy_page_shows_the_data_and_erases_with_confirmation(
    client: TestClient, db: Session, world: World, done: Candidate
) -> None:
    hr = create_user(db, organisation=world.organisation, role=Role.hr)
    sign_in(client, hr.email, PASSWORD)
    report = client.get(f"/people/{done.person.id}/report")
    assert f"/people/{done.person.id}/privacy" in report.text  # linked from the report
    page = client.get(f"/people/{done.person.id}/privacy")
    assert page.status_code == 200
    assert "anna@example.com" in page.text and WORK[:40] in page.text
    download = client.get(f"/people/{done.person.id}/privacy/export.json")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert download.json()["person"]["email"] == "anna@example.com"
    refused = client.post(
        f"/people/{done.person.id}/privacy/erase", data={"csrf_token": csrf_from(page.text)}
    )
    assert refused.status_code == 422
    assert db.get(Person, done.person.id).email == "anna@example.com"  # type: ignore[union-attr]
    client.post(
        f"/people/{done.person.id}/privacy/erase",
        data={"confirm": "yes", "csrf_token": csrf_from(page.text)},
    )
    db.expire_all()
    shown = client.get(f"/people/{done.person.id}/report")
    assert "Anna Petrova" not in shown.text and "anna@example.com" not in shown.text


def test_the_command_line_exports_and_erases_by_e_mail(database_url: str, catalog: Catalog) -> None:
    engine = make_engine(database_url)
    with Session(engine) as session:
        world = make_world(session, catalog)
        done = world.invite(session, "Anna Petrova", "anna@example.com")
        slug, person_id = world.organisation.slug, done.person.id
    runner = CliRunner()
    exported = runner.invoke(cli, ["export-person", "--email", "ANNA@example.com", "--org", slug])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["person"]["full_name"] == "Anna Petrova"
    kept = runner.invoke(
        cli, ["erase-person", "--email", "anna@example.com", "--org", slug], input="n\n"
    )
    assert kept.exit_code != 0
    with Session(engine) as session:
        assert session.get(Person, person_id).full_name == "Anna Petrova"  # type: ignore[union-attr]
    erased = runner.invoke(
        cli, ["erase-person", "--email", "anna@example.com", "--org", slug, "--yes"]
    )
    assert erased.exit_code == 0, erased.output
    with Session(engine) as session:
        person = session.get(Person, person_id)
        assert person is not None and person.email is None and person.anonymised_at
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "person.erased")).one()
        assert event.actor == "system" and event.person_id == person_id
    missing = runner.invoke(cli, ["export-person", "--email", "nobody@example.com", "--org", slug])
    assert missing.exit_code == 1 and "nobody@example.com" in missing.output
    engine.dispose()
