"""Point 5 and the finding (medium) that reads of personal data were not audited: who opened
whose report, result, work sample or export, by page or API, with time."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import utcnow
from app.models import AssessmentSession, AuditEvent, Role, User
from app.scoring.loader import Catalog
from app.services.accounts import create_api_token
from app.services.snapshot_view import OUTCOMES
from tests.conftest import sign_in
from tests.factories import PASSWORD, create_user
from tests.security.conftest import Candidate, World

# the work sample of candidate-active
WORK_SAMPLE = "work_sample_cold_email"


@pytest.fixture
def done(db: Session, world: World, catalog: Catalog) -> Candidate:
    someone = world.invite(db, "Anna Petrova", "anna@example.com")
    world.complete(db, catalog, someone)
    return someone


def _events(db: Session, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _reader(db: Session, world: World, role: Role = Role.head_of_sales) -> tuple[User, str]:
    user = create_user(db, organisation=world.organisation, role=role)
    _row, token = create_api_token(db, email=user.email)
    db.commit()
    return user, token


def test_opening_reports_results_and_work_samples_is_audited(
    client: TestClient, db: Session, world: World, done: Candidate
) -> None:
    head, _token = _reader(db, world)
    sign_in(client, head.email, PASSWORD)
    person = done.person.id
    work = db.exec(
        select(AssessmentSession).where(AssessmentSession.instrument_id == WORK_SAMPLE)
    ).one()
    visits = {
        "report.viewed": [f"/people/{person}/report", f"/people/{person}/report.json"],
        "result.viewed": [f"/results/{done.invitation.id}"],
        "work_sample.viewed": [f"/reviews/work/{work.id}"],
    }
    for action, pages in visits.items():
        for page in pages:
            assert client.get(page).status_code == 200, page
        events = _events(db, action)
        assert len(events) == len(pages), action
        for event in events:
            assert event.person_id == person and event.actor_user_id == head.id
            assert event.actor == "user" and utcnow() - event.created_at < timedelta(minutes=1)


def test_reads_through_the_api_are_audited_as_api(
    client: TestClient, db: Session, world: World, done: Candidate
) -> None:
    head, token = _reader(db, world)
    headers = {"authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/people/{done.person.id}/report", headers=headers).status_code == 200
    url = f"/api/v1/campaigns/{world.campaign.id}/results"
    assert client.get(url, headers=headers).status_code == 200
    report = _events(db, "report.viewed")
    results = _events(db, "result.viewed")
    assert [(e.person_id, e.actor, e.actor_user_id) for e in report + results] == [
        (done.person.id, "api", head.id)
    ] * 2


def test_exports_are_audited_per_person(
    client: TestClient, db: Session, world: World, done: Candidate, catalog: Catalog
) -> None:
    other = world.invite(db, "Boris Ivanov", "boris@example.com")
    world.complete(db, catalog, other)
    hr, _token = _reader(db, world, Role.hr)
    sign_in(client, hr.email, PASSWORD)
    # every outcome: the export holds the rows of the page, decisive results only by default
    everyone = "&".join(f"recommendation={o}" for o in OUTCOMES)
    assert client.get(f"/campaigns/{world.campaign.id}/ranking.csv?{everyone}").status_code == 200
    exported = _events(db, "result.exported")
    assert sorted(e.person_id for e in exported) == sorted([done.person.id, other.person.id])
    compare = client.get(
        f"/campaigns/{world.campaign.id}/compare?people={done.person.id},{other.person.id}"
    )
    assert compare.status_code == 200
    assert len(_events(db, "result.viewed")) == 2


def test_the_admin_reads_the_trail_filtered_by_person_and_user(
    client: TestClient, db: Session, world: World, done: Candidate, catalog: Catalog
) -> None:
    other = world.invite(db, "Boris Ivanov", "boris@example.com")
    world.complete(db, catalog, other)
    head, _token = _reader(db, world)
    sign_in(client, head.email, PASSWORD)
    client.get(f"/people/{done.person.id}/report")
    client.get(f"/people/{other.person.id}/report")
    admin, admin_token = _reader(db, world, Role.admin)
    client.cookies.clear()
    sign_in(client, admin.email, PASSWORD)

    page = client.get(f"/admin/audit?person={done.person.id}")
    assert page.status_code == 200
    assert "report.viewed" in page.text and head.email in page.text
    mine = BeautifulSoup(client.get(f"/admin/audit?user={head.id}").text, "html.parser")
    assert mine.select_one("#events tbody").get_text().count("report.viewed") == 2
    download = client.get(f"/admin/audit.csv?person={done.person.id}&action=report.viewed")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [(r["action"], r["person_id"], r["actor"]) for r in rows] == [
        ("report.viewed", str(done.person.id), head.email)
    ]

    headers = {"authorization": f"Bearer {admin_token}"}
    since = (utcnow() - timedelta(minutes=5)).isoformat()
    api = client.get(
        "/api/v1/audit", params={"person_id": done.person.id, "since": since}, headers=headers
    )
    assert api.status_code == 200, api.text
    entries = api.json()
    assert entries and all(
        set(e) >= {"at", "actor", "action", "person_id", "detail"} for e in entries
    )
    assert {e["person_id"] for e in entries} == {done.person.id}
    viewed = [e for e in entries if e["action"] == "report.viewed"]
    assert viewed and viewed[0]["actor"] == head.email
    by_user = client.get("/api/v1/audit", params={"user_id": head.id}, headers=headers).json()
    assert {e["actor"] for e in by_user} == {head.email}
    future = (utcnow() + timedelta(days=1)).isoformat()
    assert client.get("/api/v1/audit", params={"since": future}, headers=headers).json() == []


def test_only_admins_read_the_trail(client: TestClient, db: Session, world: World) -> None:
    hr, token = _reader(db, world, Role.hr)
    assert (
        client.get("/api/v1/audit", headers={"authorization": f"Bearer {token}"}).status_code == 403
    )
    sign_in(client, hr.email, PASSWORD)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403
