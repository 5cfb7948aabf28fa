"""Findings (low): ids out of the column's range, a huge CSV cell, extending a link to the
year 9999, a manager's dashboard, the planner's headcount, the OpenAPI document."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import scope_to_organisation
from app.models import Person, Role, Team
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services.accounts import create_api_token
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, create_user
from tests.security.conftest import World

TOO_BIG = [2**31, 2**63, 10**30]
PAGES = [
    "/people/{id}/report",
    "/people/{id}/report.json",
    "/hr/campaigns/{id}",
    "/results/{id}",
    "/reviews/work/{id}",
    "/reviews/rating/{id}",
    "/campaigns/{id}/ranking",
    "/campaigns/{id}/compare",
    "/campaigns/{id}/ranking.csv",
]


@pytest.fixture
def hr_client(client: TestClient, db: Session, world: World) -> TestClient:
    hr = create_user(db, organisation=world.organisation, role=Role.hr)
    sign_in(client, hr.email, PASSWORD)
    return client


@pytest.mark.parametrize("page", PAGES)
def test_ids_outside_the_columns_range_are_not_found(hr_client: TestClient, page: str) -> None:
    for number in [*TOO_BIG, 0]:
        response = hr_client.get(page.format(id=number))
        assert response.status_code == 404, (page, number, response.status_code)


def test_posting_to_an_id_outside_the_range_is_not_found(
    hr_client: TestClient, world: World
) -> None:
    token = csrf_from(hr_client.get(f"/hr/campaigns/{world.campaign.id}").text)
    for action in ("revoke", "remind", "extend"):
        for number in TOO_BIG:
            response = hr_client.post(
                f"/hr/invitations/{number}/{action}", data={"csrf_token": token}
            )
            assert response.status_code == 404, (action, number)


def test_ids_in_the_query_string_outside_the_range_do_not_break_pages(
    hr_client: TestClient, db: Session, world: World
) -> None:
    someone = world.invite(db, "Anna Petrova", "anna@example.com")
    big = 2**63
    assert hr_client.get(f"/people/{someone.person.id}/report?invitation={big}").status_code == 404
    assert hr_client.get(f"/results?campaign={big}").status_code == 200
    compare = hr_client.get(f"/campaigns/{world.campaign.id}/compare?people={big},{big + 1}")
    assert compare.status_code < 500


def test_a_csv_cell_over_the_csv_modules_limit_is_a_clear_row_and_column_message(
    hr_client: TestClient, db: Session, world: World
) -> None:
    page = hr_client.get(f"/hr/campaigns/{world.campaign.id}")
    huge = "x" * 131_073
    content = f"full_name,email\nBoris Ivanov,boris@example.com\n{huge},anna@example.com\n"
    response = hr_client.post(
        f"/hr/campaigns/{world.campaign.id}/import",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("people.csv", content.encode(), "text/csv")},
    )
    assert response.status_code in (200, 422), response.status_code
    text = BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)
    assert "131" in text and "full_name" in text and "3" in text
    assert db.exec(select(Person).where(Person.email == "anna@example.com")).first() is None


def test_extending_a_link_that_works_until_the_year_9999_is_a_clear_message(
    hr_client: TestClient, db: Session, world: World, catalog: Catalog
) -> None:
    scope_to_organisation(db, world.organisation.id or 0)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name="Forever", battery="candidate-active", deadline=date(9999, 12, 31)
    )
    db.commit()
    world.campaign = campaign
    someone = world.invite(db, "Anna Petrova", "anna@example.com")
    db.info.clear()
    page = hr_client.get(f"/hr/campaigns/{campaign.id}")
    response = hr_client.post(
        f"/hr/invitations/{someone.invitation.id}/extend",
        data={"csrf_token": csrf_from(page.text)},
    )
    assert response.status_code in (409, 422), response.status_code
    assert "cannot be extended" in response.text


def test_a_managers_dashboard_lists_only_their_teams_and_campaigns(
    client: TestClient, db: Session, world: World, catalog: Catalog
) -> None:
    manager = create_user(db, organisation=world.organisation, role=Role.manager)
    scope_to_organisation(db, world.organisation.id or 0)
    mine = Team(name="Team Mine", manager_id=manager.id)
    theirs = Team(name="Team Theirs")
    db.add_all([mine, theirs])
    db.commit()
    other = campaign_service.create_campaign(
        db, catalog=catalog, name="Campaign Theirs", battery="candidate-active"
    )
    db.commit()
    world.campaign.name = "Campaign Mine"
    db.add(world.campaign)
    db.commit()
    member = world.invite(db, "Anna Petrova", "anna@example.com", kind="employee")
    member.person.team_id = mine.id
    db.add(member.person)
    world.campaign = other
    world.invite(db, "Boris Ivanov", "boris@example.com")
    db.commit()
    db.info.clear()

    sign_in(client, manager.email, PASSWORD)
    text = client.get("/dashboard").text
    assert "Team Mine" in text and "Team Theirs" not in text
    assert "Campaign Mine" in text and "Campaign Theirs" not in text


def test_the_planners_headcount_is_bounded_in_the_api(
    client: TestClient, db: Session, world: World
) -> None:
    head = create_user(db, organisation=world.organisation, role=Role.head_of_sales)
    _row, token = create_api_token(db, email=head.email)
    db.commit()
    headers = {"authorization": f"Bearer {token}"}
    for headcount in (-1, 10**6, 10**18):
        response = client.get(f"/api/v1/teams/transition?headcount={headcount}", headers=headers)
        assert response.status_code == 422, (headcount, response.status_code)
    assert client.get("/api/v1/teams/transition?headcount=3", headers=headers).status_code == 200


def test_the_openapi_document_lists_only_the_json_api(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert paths and all(path.startswith("/api/v1/") for path in paths), sorted(paths)


def test_the_id_path_type_matches_exactly_the_ids_a_row_can_have() -> None:
    import random
    import re

    from app.ids import ID_PATTERN, MAX_ID, parse_id

    pattern = re.compile(ID_PATTERN)
    numbers = [1, 9, 10, 99, 10**9, 2 * 10**9, MAX_ID - 1, MAX_ID]
    numbers += random.Random(7).sample(range(1, MAX_ID), 2000)  # noqa: S311 (test data)
    for number in numbers:
        assert pattern.fullmatch(str(number)) and parse_id(str(number)) == number
    for text in ["0", "-1", "01", str(MAX_ID + 1), "2147483650", "9" * 10, "1" * 11, "１２"]:
        assert not pattern.fullmatch(text) and parse_id(text) is None, text
