"""The develop-or-hire view works from the directory: KPI attainment beside fit, archived
people left out, and a warning when a team's figures rest on too few people."""

from __future__ import annotations

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.db import scope_to_organisation
from app.models import Role
from app.scoring.loader import Catalog
from app.services import kpis, staff
from tests.conftest import sign_in
from tests.directory_factories import add_kpi_values
from tests.factories import PASSWORD, create_user
from tests.services.test_teams import HUNTER, Desk, add_person, build_team, unscoped


def soup(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def test_the_map_and_the_planner_show_kpi_attainment_beside_fit(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    desk: Desk = build_team(db)
    inna = desk.people["Inna Inbound"]
    add_kpi_values(db, inna, "request_response_hours", [3, 3, 3])
    db.commit()
    scope_to_organisation(db, desk.organisation.id or 0)
    kpis.set_targets(
        db, catalog.model.definition, team=None, values={"request_response_hours": "4"}
    )
    db.commit()
    unscoped(db)
    head = create_user(db, organisation=desk.organisation, role=Role.head_of_sales)
    sign_in(client, head.email, PASSWORD)
    page = soup(client.get("/teams/map", params={"team": desk.team.id}))
    row = page.select_one(f'tr[data-person="{inna.id}"]')
    assert row.select_one("td.kpi").get_text(strip=True) == "133%"  # 4 / 3 hours
    hanna = page.select_one(f'tr[data-person="{desk.people["Hanna Hunter"].id}"]')
    assert hanna.select_one("td.kpi").get_text(strip=True) == "—"
    assert page.select_one("#too-few") is None  # six assessed people
    plan = soup(client.get("/teams/transition", params={"team": desk.team.id, "headcount": 6}))
    kept = plan.select_one(f'#keep tr[data-person="{inna.id}"] td.kpi')
    assert kept.get_text(strip=True) == "133%"


def test_archived_people_leave_the_map_and_a_small_team_is_flagged(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    desk = build_team(db)
    scope_to_organisation(db, desk.organisation.id or 0)
    small = staff.create_team(db, catalog.model.definition, name="Small", sales_mode="active")
    first = add_person(db, desk.organisation, "Sam Small", team=small, scores=HUNTER)
    add_person(db, desk.organisation, "Sue Small", team=small, scores=HUNTER)
    staff.archive_person(db, desk.people["Walter Weak"], archived=True)
    db.commit()
    unscoped(db)
    head = create_user(db, organisation=desk.organisation, role=Role.head_of_sales)
    sign_in(client, head.email, PASSWORD)
    page = soup(client.get("/teams/map", params={"team": desk.team.id}))
    assert page.select_one(f'tr[data-person="{desk.people["Walter Weak"].id}"]') is None
    few = soup(client.get("/teams/map", params={"team": small.id}))
    assert "2 assessed people" in few.select_one("#too-few").get_text()
    assert few.select_one(f'tr[data-person="{first.id}"]') is not None
    plan = soup(client.get("/teams/transition", params={"team": small.id, "headcount": 3}))
    assert "2 assessed people" in plan.select_one("#too-few").get_text()
