"""The staff directory's pages: people, teams, the import with its preview, KPIs, targets,
and who may see and change what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import scope_to_organisation
from app.models import (
    Invitation,
    KpiTarget,
    KpiValue,
    ManagerRating,
    Organisation,
    Person,
    PersonKind,
    Role,
    Team,
    User,
)
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services import kpis, results, sessions, staff
from tests.conftest import csrf_from, sign_in
from tests.directory_factories import add_kpi_values
from tests.factories import PASSWORD, answer_for, create_organisation, create_user
from tests.services.test_candidate_flow import BASE, SECRET
from tests.services.test_teams import unscoped


@dataclass
class Directory:
    organisation: Organisation
    admin: User
    hr: User
    head: User
    boss: User  # a manager
    other_boss: User
    inbound: Team
    outbound: Team
    anna: Person  # inbound, managed by boss
    oleg: Person  # outbound, other_boss


@pytest.fixture
def directory(db: Session, catalog: Catalog) -> Directory:
    organisation = create_organisation(db)
    users = {
        role: create_user(db, organisation=organisation, role=role)
        for role in (Role.admin, Role.hr, Role.head_of_sales)
    }
    boss = create_user(db, organisation=organisation, role=Role.manager, email="boss@acme.ru")
    other = create_user(db, organisation=organisation, role=Role.manager, email="other@acme.ru")
    scope_to_organisation(db, organisation.id or 0)
    model = catalog.model.definition
    inbound = staff.create_team(db, model, name="Входящие", sales_mode="passive", manager=boss)
    outbound = staff.create_team(db, model, name="Исходящие", sales_mode="active", manager=other)
    anna = staff.create_staff_person(
        db,
        staff.StaffValues(
            full_name="Анна Петрова",
            email="anna@acme.ru",
            team=inbound,
            current_role="passive",
            hire_date=date(2021, 3, 15),
        ),
    )
    oleg = staff.create_staff_person(
        db, staff.StaffValues(full_name="Олег Орлов", email="oleg@acme.ru", team=outbound)
    )
    db.commit()
    unscoped(db)
    return Directory(
        organisation,
        users[Role.admin],
        users[Role.hr],
        users[Role.head_of_sales],
        boss,
        other,
        inbound,
        outbound,
        anna,
        oleg,
    )


def soup(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]


def as_user(client: TestClient, user: User) -> None:
    sign_in(client, user.email, PASSWORD)


def post(
    client: TestClient, page: str, url: str, data: dict[str, object], **kwargs: object
) -> object:
    token = csrf_from(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)  # type: ignore[arg-type]


def test_the_directory_lists_searches_and_links_people(
    client: TestClient, directory: Directory
) -> None:
    as_user(client, directory.head)
    page = soup(client.get("/people"))
    names = [a.get_text() for a in page.select("#people td.name a")]
    assert names == ["Анна Петрова", "Олег Орлов"]
    row = page.select_one(f'tr[data-person="{directory.anna.id}"]')
    assert "Входящие" in row.get_text() and "boss@acme.ru" not in row.get_text()
    assert page.select_one('a[href="/people/new"]') is None  # a head of sales only reads
    found = soup(client.get("/people", params={"q": "орлов"}))
    assert [a.get_text() for a in found.select("#people td.name a")] == ["Олег Орлов"]
    by_team = soup(client.get("/people", params={"team": directory.inbound.id}))
    assert [a.get_text() for a in by_team.select("#people td.name a")] == ["Анна Петрова"]


def test_a_manager_sees_only_their_own_people_and_teams(
    client: TestClient, directory: Directory
) -> None:
    as_user(client, directory.boss)
    page = soup(client.get("/people"))
    assert [a.get_text() for a in page.select("#people td.name a")] == ["Анна Петрова"]
    assert client.get(f"/people/{directory.oleg.id}").status_code == 404
    assert client.get(f"/teams/{directory.outbound.id}").status_code == 404
    assert client.get(f"/people?team={directory.outbound.id}").status_code == 404
    teams_page = soup(client.get("/teams"))
    assert [a.get_text() for a in teams_page.select("#teams td.name a")] == ["Входящие"]
    # and cannot change the directory
    response = post(
        client, "/people", f"/people/{directory.anna.id}", {"full_name": "X", "email": "x@acme.ru"}
    )
    assert response.status_code == 403  # type: ignore[attr-defined]


def test_hr_adds_a_person_and_bad_fields_change_nothing(
    client: TestClient, db: Session, directory: Directory
) -> None:
    as_user(client, directory.hr)
    bad = post(
        client,
        "/people/new",
        "/people",
        {
            "full_name": "Новый",
            "email": "anna@acme.ru",
            "team": "",
            "manager": "",
            "current_role": "hunter",
            "hire_date": "2030-01-01",
        },
    )
    assert bad.status_code == 422  # type: ignore[attr-defined]
    page = soup(bad)
    assert (
        page.select_one("#current_role-error")
        and "hunter" in page.select_one("#current_role-error").get_text()
    )
    assert "future" in page.select_one("#hire_date-error").get_text()
    assert page.select_one("#full_name")["value"] == "Новый"  # what was typed is kept
    assert len(unscoped(db).exec(select(Person)).all()) == 2
    good = post(
        client,
        "/people/new",
        "/people",
        {
            "full_name": "Вера Новикова",
            "email": "Vera@Acme.ru",
            "team": str(directory.outbound.id),
            "manager": str(directory.other_boss.id),
            "current_role": "active",
            "hire_date": "2024-02-01",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303  # type: ignore[attr-defined]
    vera = unscoped(db).exec(select(Person).where(Person.email == "vera@acme.ru")).one()
    assert (vera.kind, vera.team_id, vera.manager_id, vera.current_role, vera.hire_date) == (
        PersonKind.employee,
        directory.outbound.id,
        directory.other_boss.id,
        "active",
        date(2024, 2, 1),
    )
    assert good.headers["location"] == f"/people/{vera.id}?done=added"  # type: ignore[attr-defined]


def test_edit_move_and_archive_a_person(
    client: TestClient, db: Session, directory: Directory
) -> None:
    as_user(client, directory.hr)
    page = f"/people/{directory.anna.id}"
    moved = post(
        client,
        page,
        f"{page}/move",
        {"team": str(directory.outbound.id), "manager": str(directory.other_boss.id)},
        follow_redirects=False,
    )
    assert moved.status_code == 303  # type: ignore[attr-defined]
    db.refresh(directory.anna)
    assert (directory.anna.team_id, directory.anna.manager_id) == (
        directory.outbound.id,
        directory.other_boss.id,
    )
    not_a_manager = post(
        client, page, f"{page}/move", {"team": "", "manager": str(directory.hr.id)}
    )
    assert not_a_manager.status_code == 422  # type: ignore[attr-defined]
    assert "not a manager" in soup(not_a_manager).select_one("#manager-error").get_text()
    db.refresh(directory.anna)
    assert directory.anna.team_id == directory.outbound.id  # nothing changed
    edited = post(
        client,
        page,
        page,
        {
            "full_name": "Анна Сидорова",
            "email": "anna@acme.ru",
            "current_role": "",
            "hire_date": "",
        },
    )
    assert edited.status_code == 200  # type: ignore[attr-defined]
    db.refresh(directory.anna)
    assert (directory.anna.full_name, directory.anna.current_role, directory.anna.hire_date) == (
        "Анна Сидорова",
        None,
        None,
    )
    taken = post(
        client,
        page,
        page,
        {"full_name": "Анна", "email": "oleg@acme.ru", "current_role": "", "hire_date": ""},
    )
    assert taken.status_code == 422 and "already has the e-mail" in taken.text  # type: ignore[attr-defined]
    post(client, page, f"{page}/archive", {"archived": "1"})
    db.refresh(directory.anna)
    assert directory.anna.archived_at is not None
    listed = soup(client.get("/people"))
    assert [a.get_text() for a in listed.select("#people td.name a")] == ["Олег Орлов"]
    person_page = soup(client.get(page))
    assert person_page.select_one('a[href$="/privacy"]') is not None


def test_the_import_previews_then_applies_only_what_is_confirmed(
    client: TestClient, db: Session, directory: Directory
) -> None:
    as_user(client, directory.hr)
    csv = (
        "full_name;email;team;manager_email;current_role;hire_date\n"
        "Анна Сидорова;anna@acme.ru;Входящие;boss@acme.ru;passive;15.03.2021\n"
        "Олег Орлов;oleg@acme.ru;Новая команда;;active;\n"
        "Пётр Новый;petr@acme.ru;Входящие;nobody@acme.ru;active;\n"
    ).encode("cp1251")
    token = csrf_from(client.get("/people/import").text)
    preview = client.post(
        "/people/import",
        data={"csrf_token": token},
        files={"file": ("staff.csv", csv, "text/csv")},
    )
    assert preview.status_code == 200
    page = soup(preview)
    assert "Windows-1251" in page.select_one("#encoding").get_text()
    changed = {
        row["data-email"]: row.get_text(" ", strip=True)
        for row in page.select("#changed tr[data-email]")
    }
    assert set(changed) == {"anna@acme.ru", "oleg@acme.ru"}
    assert "Анна Петрова" in changed["anna@acme.ru"] and "Анна Сидорова" in changed["anna@acme.ru"]
    problems = [row.get_text(" ", strip=True) for row in page.select("#problems tbody tr")]
    assert len(problems) == 1 and problems[0].startswith("4 manager_email")
    assert page.select_one("#confirm").get_text() == "Import only the good rows"
    # nothing changed by the preview
    assert unscoped(db).get(Person, directory.anna.id).full_name == "Анна Петрова"  # type: ignore[union-attr]

    form = page.select_one("#preview form")
    fields = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    # confirm the rename of Anna only, not Oleg's move to a new team
    confirmed = client.post("/people/import/confirm", data={**fields, "change": ["anna@acme.ru"]})
    assert confirmed.status_code == 200, confirmed.text
    done = soup(confirmed)
    assert "People changed: 1." in done.select_one("#changed").get_text()
    assert "Teams created: 0." in done.select_one("#teams-created").get_text()
    db.expire_all()
    assert unscoped(db).get(Person, directory.anna.id).full_name == "Анна Сидорова"  # type: ignore[union-attr]
    assert unscoped(db).get(Person, directory.oleg.id).team_id == directory.outbound.id  # type: ignore[union-attr]
    assert unscoped(db).exec(select(Person).where(Person.email == "petr@acme.ru")).first() is None

    # a stale preview is not applied: the plan is shown again
    again = client.post("/people/import/confirm", data={**fields, "change": ["oleg@acme.ru"]})
    assert again.status_code == 409
    assert "changed since the preview" in soup(again).select_one("#import-notice").get_text()


def test_a_damaged_confirmation_is_refused(client: TestClient, directory: Directory) -> None:
    as_user(client, directory.hr)
    token = csrf_from(client.get("/people/import").text)
    response = client.post(
        "/people/import/confirm", data={"csrf_token": token, "content": "%%%", "digest": "x"}
    )
    assert response.status_code == 400


def test_a_file_that_cannot_be_read_is_refused_on_the_page(
    client: TestClient, db: Session, directory: Directory
) -> None:
    as_user(client, directory.hr)
    token = csrf_from(client.get("/people/import").text)
    response = client.post(
        "/people/import",
        data={"csrf_token": token},
        files={"file": ("staff.xlsx", b"PK\x03\x04" + b"\x00" * 64, "application/octet-stream")},
    )
    assert response.status_code == 422
    assert "Excel workbook" in soup(response).select_one("#import-error").get_text()


def test_teams_are_added_edited_and_archived_only_when_empty(
    client: TestClient, db: Session, directory: Directory
) -> None:
    as_user(client, directory.hr)
    taken = post(client, "/teams", "/teams", {"name": "входящие", "sales_mode": "", "manager": ""})
    assert taken.status_code == 422 and "already a team" in taken.text  # type: ignore[attr-defined]
    created = post(
        client,
        "/teams",
        "/teams",
        {"name": "Регионы", "sales_mode": "active", "manager": str(directory.boss.id)},
        follow_redirects=False,
    )
    assert created.status_code == 303  # type: ignore[attr-defined]
    team = unscoped(db).exec(select(Team).where(Team.name == "Регионы")).one()
    assert (team.sales_mode, team.manager_id) == ("active", directory.boss.id)
    busy = post(
        client,
        f"/teams/{directory.inbound.id}",
        f"/teams/{directory.inbound.id}/archive",
        {"archived": "1"},
    )
    assert busy.status_code == 409 and "still in this team" in busy.text  # type: ignore[attr-defined]
    db.refresh(directory.inbound)
    assert directory.inbound.archived_at is None
    post(client, f"/teams/{team.id}", f"/teams/{team.id}/archive", {"archived": "1"})
    db.refresh(team)
    assert team.archived_at is not None


def test_the_team_page_shows_kpis_against_targets_and_rating_links(
    client: TestClient, db: Session, directory: Directory
) -> None:
    add_kpi_values(db, directory.anna, "request_response_hours", [6, 4, 2, 3])
    add_kpi_values(db, directory.anna, "customer_satisfaction", [80, 90, 85, 95])
    db.commit()
    as_user(client, directory.head)
    page = f"/teams/{directory.inbound.id}"
    saved = post(
        client,
        page,
        f"{page}/targets",
        {"target_request_response_hours": "4", "target_customer_satisfaction": "90"},
        follow_redirects=False,
    )
    assert saved.status_code == 303  # type: ignore[attr-defined]
    team = soup(client.get(page))
    table = team.select_one("#kpis-passive")
    cell = table.select_one(
        f'tr[data-person="{directory.anna.id}"] td[data-kpi="request_response_hours"]'
    )
    # mean of the last three months 4, 2, 3 = 3 hours against a target of 4: 4/3 = 133%
    assert cell.get_text(" ", strip=True) == "3 133%"
    satisfaction = table.select_one(
        f'tr[data-person="{directory.anna.id}"] td[data-kpi="customer_satisfaction"]'
    )
    assert satisfaction.get_text(" ", strip=True) == "90 100%"
    assert team.select_one("#kpis-active") is None
    assert team.select_one("#few-kpis") is not None  # one person is too few for a team figure
    assert team.select_one("#few-assessed") is not None
    # a rolling half-year instead of a quarter
    half = soup(client.get(page, params={"months": 6}))
    cell = half.select_one(
        f'tr[data-person="{directory.anna.id}"] td[data-kpi="request_response_hours"]'
    )
    assert cell.get_text(" ", strip=True).startswith("3,75") or cell.get_text(
        " ", strip=True
    ).startswith("3.75")


def test_a_bad_target_changes_no_target(
    client: TestClient, db: Session, directory: Directory
) -> None:
    as_user(client, directory.head)
    page = f"/teams/{directory.inbound.id}"
    response = post(
        client,
        page,
        f"{page}/targets",
        {"target_request_response_hours": "4", "target_close_rate": "140"},
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "from 0 to 100" in response.text  # type: ignore[attr-defined]
    assert unscoped(db).exec(select(KpiTarget)).all() == []
    as_user(client, directory.hr)
    refused = post(client, page, f"{page}/targets", {"target_close_rate": "40"})
    assert refused.status_code == 403  # type: ignore[attr-defined]


def test_the_kpi_import_checks_each_row_and_replaces_values_only_when_confirmed(
    client: TestClient, db: Session, directory: Directory
) -> None:
    as_user(client, directory.hr)
    month = kpis.period_label(kpis.add_months(kpis.month_start(date.today()), -1))
    csv = (
        "email,period,kpi,value\n"
        f"anna@acme.ru,{month},customer_satisfaction,88\n"
        f"anna@acme.ru,{month},close_rate,140\n"
        f"nobody@acme.ru,{month},close_rate,14\n"
    ).encode()
    token = csrf_from(client.get("/kpis").text)
    preview = soup(
        client.post(
            "/kpis/import", data={"csrf_token": token}, files={"file": ("k.csv", csv, "text/csv")}
        )
    )
    problems = [r.get_text(" ", strip=True) for r in preview.select("#problems tbody tr")]
    assert problems[0].startswith("3 value") and "from 0 to 100" in problems[0]
    assert problems[1].startswith("4 email") and "nobody@acme.ru" in problems[1]
    assert unscoped(db).exec(select(KpiValue)).all() == []
    fields = {
        i["name"]: i.get("value", "") for i in preview.select("#preview form input[type=hidden]")
    }
    done = soup(client.post("/kpis/import/confirm", data=fields))
    assert "Values added: 1." in done.select_one("#added").get_text()
    [stored] = unscoped(db).exec(select(KpiValue)).all()
    assert (stored.person_id, stored.kpi_id, stored.value) == (
        directory.anna.id,
        "customer_satisfaction",
        88,
    )


def completed_employee(db: Session, catalog: Catalog, person: Person) -> Invitation:
    """The employee battery answered through the services (the manager's rating to come)."""
    scope_to_organisation(unscoped(db), person.organisation_id or 0)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name=f"Team round {person.id}", battery="employee"
    )
    invitation = campaign_service.invite(
        db, campaign=campaign, person=person, secret_key=SECRET, base_url=BASE
    ).invitation
    sessions.record_consent(db, invitation, accepted=True, language="en")
    items = [i for s in sessions.sections(catalog, campaign, "en") for i in s["items"]]
    sessions.save_answers(db, invitation, catalog, {i["id"]: answer_for(i) for i in items})
    results.complete(db, catalog, invitation)
    db.commit()
    unscoped(db)
    return invitation


def test_a_manager_rates_from_the_team_page_and_never_outside_their_team(
    client: TestClient, db: Session, catalog: Catalog, directory: Directory
) -> None:
    invitation = completed_employee(db, catalog, directory.anna)
    other = completed_employee(db, catalog, directory.oleg)
    as_user(client, directory.boss)
    team = soup(client.get(f"/teams/{directory.inbound.id}"))
    link = team.select_one(f'tr[data-person="{directory.anna.id}"] td.rating a')
    assert link["href"] == f"/reviews/rating/{invitation.id}"
    assert client.get(link["href"]).status_code == 200
    assert client.get(f"/reviews/rating/{other.id}").status_code == 404
    token = csrf_from(client.get(link["href"]).text)
    refused = client.post(
        f"/reviews/rating/{other.id}", data={"csrf_token": token, "rating_communication": "5"}
    )
    assert refused.status_code == 404
    assert unscoped(db).exec(select(ManagerRating)).all() == []


def test_nobody_outside_the_organisation_sees_the_directory(
    client: TestClient, db: Session, directory: Directory
) -> None:
    stranger = create_user(unscoped(db), role=Role.admin)
    as_user(client, stranger)
    assert client.get(f"/people/{directory.anna.id}").status_code == 404
    assert client.get(f"/teams/{directory.inbound.id}").status_code == 404
    assert "Анна" not in client.get("/people").text


def test_pages_render_in_russian(client: TestClient, directory: Directory) -> None:
    as_user(client, directory.hr)
    for url, heading, text in (
        ("/people", "Сотрудники", "Загрузить справочник из файла"),
        ("/teams", "Команды", "Добавить команду"),
        (f"/teams/{directory.inbound.id}", "Входящие", "KPI относительно целей"),
        (f"/people/{directory.anna.id}", "Анна Петрова", "Перевести в другую команду"),
        ("/kpis", "KPI", "KPI и цели организации"),
        ("/people/import", "Загрузка справочника сотрудников", "Проверить файл"),
    ):
        response = client.get(url, headers={"Accept-Language": "ru"})
        assert response.status_code == 200, url
        page = BeautifulSoup(response.text, "html.parser")
        assert page.h1.get_text(" ", strip=True).startswith(heading), url
        assert text in page.get_text(" "), url
