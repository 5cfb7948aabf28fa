"""The directory and KPIs in the API: JSON contracts, roles, and refusals that change nothing."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import KpiValue, Person, Team
from app.services import kpis
from app.services.accounts import create_api_token
from tests.services.test_teams import unscoped
from tests.web.test_staff_pages import Directory, directory  # noqa: F401  (the fixture)


def bearer(db: Session, user_email: str) -> dict[str, str]:
    _, token = create_api_token(unscoped(db), email=user_email)
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def test_people_are_listed_in_pages_with_an_envelope(
    client: TestClient,
    db: Session,
    directory: Directory,  # noqa: F811
) -> None:
    headers = bearer(db, directory.head.email)
    first = client.get("/api/v1/people", params={"limit": 1}, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert (body["total"], body["limit"], body["offset"]) == (2, 1, 0)
    [anna] = body["items"]
    assert anna == {
        "id": directory.anna.id,
        "full_name": "Анна Петрова",
        "email": "anna@acme.ru",
        "kind": "employee",
        "language": None,
        "team_id": directory.inbound.id,
        "team": "Входящие",
        "manager_id": None,
        "manager_email": None,
        "current_role": "passive",
        "hire_date": "2021-03-15",
        "archived": False,
        "created_at": anna["created_at"],
    }
    second = client.get("/api/v1/people", params={"limit": 1, "offset": 1}, headers=headers).json()
    assert [p["full_name"] for p in second["items"]] == ["Олег Орлов"]
    filtered = client.get(
        "/api/v1/people",
        params={"team": directory.outbound.id, "kind": "employee", "q": "ОРЛ"},
        headers=headers,
    ).json()
    assert [p["email"] for p in filtered["items"]] == ["oleg@acme.ru"]
    assert client.get("/api/v1/people", params={"kind": "boss"}, headers=headers).status_code == 422
    assert client.get("/api/v1/people", params={"limit": 500}, headers=headers).status_code == 422
    assert client.get("/api/v1/people", params={"team": 999999}, headers=headers).status_code == 404


def test_people_are_added_changed_moved_and_archived(
    client: TestClient,
    db: Session,
    directory: Directory,  # noqa: F811
) -> None:
    headers = bearer(db, directory.hr.email)
    created = client.post(
        "/api/v1/people",
        json={
            "full_name": "Вера Новикова",
            "email": "vera@acme.ru",
            "team_id": directory.outbound.id,
            "manager_email": "other@acme.ru",
            "current_role": "active",
            "hire_date": "2024-02-01",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    vera = created.json()
    assert (vera["team"], vera["manager_email"], vera["hire_date"]) == (
        "Исходящие",
        "other@acme.ru",
        "2024-02-01",
    )
    again = client.post(
        "/api/v1/people", json={"full_name": "X", "email": "VERA@acme.ru"}, headers=headers
    )
    assert again.status_code == 409 and again.json()["field"] == "email"
    moved = client.patch(
        f"/api/v1/people/{vera['id']}",
        json={"team_id": directory.inbound.id, "manager_email": None, "hire_date": None},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["team"], moved.json()["manager_id"], moved.json()["hire_date"]) == (
        "Входящие",
        None,
        None,
    )
    assert moved.json()["full_name"] == "Вера Новикова"  # not sent, not changed
    archived = client.patch(
        f"/api/v1/people/{vera['id']}", json={"archived": True}, headers=headers
    )
    assert archived.json()["archived"] is True
    listed = client.get("/api/v1/people", headers=headers).json()
    assert "vera@acme.ru" not in [p["email"] for p in listed["items"]]
    assert client.patch("/api/v1/people/999999", json={}, headers=headers).status_code == 404


def test_a_bad_field_refuses_the_request_and_changes_nothing(
    client: TestClient,
    db: Session,
    directory: Directory,  # noqa: F811
) -> None:
    headers = bearer(db, directory.hr.email)
    for body, field in [
        ({"full_name": "A", "email": "a@acme.ru", "manager_email": "hr@x.ru"}, "manager_email"),
        ({"full_name": "A", "email": "a@acme.ru", "current_role": "hunter"}, "current_role"),
        ({"full_name": "A", "email": "a@acme.ru", "hire_date": "2021-02-30"}, "hire_date"),
        ({"full_name": "A", "email": "not-an-email"}, "email"),
        ({"full_name": " ", "email": "a@acme.ru"}, "full_name"),
        ({"full_name": "A", "email": "a@acme.ru", "team_id": 999999}, "team_id"),
    ]:
        response = client.post("/api/v1/people", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field
    assert (
        client.post(
            "/api/v1/people", json={"full_name": "A", "email": "a@acme.ru", "x": 1}, headers=headers
        ).status_code
        == 422
    )
    patched = client.patch(
        f"/api/v1/people/{directory.anna.id}",
        json={"full_name": "Новое имя", "current_role": "hunter"},
        headers=headers,
    )
    assert patched.status_code == 422
    db.refresh(directory.anna)
    assert directory.anna.full_name == "Анна Петрова"
    assert len(unscoped(db).exec(select(Person)).all()) == 2


def test_teams_are_listed_and_added(
    client: TestClient,
    db: Session,
    directory: Directory,  # noqa: F811
) -> None:
    headers = bearer(db, directory.admin.email)
    teams = client.get("/api/v1/teams", headers=headers).json()
    assert [(t["name"], t["people"], t["manager_email"]) for t in teams] == [
        ("Входящие", 1, "boss@acme.ru"),
        ("Исходящие", 1, "other@acme.ru"),
    ]
    created = client.post(
        "/api/v1/teams",
        json={"name": "Регионы", "sales_mode": "active", "manager_email": "boss@acme.ru"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["sales_mode"] == "active"
    taken = client.post("/api/v1/teams", json={"name": "регионы"}, headers=headers)
    assert taken.status_code == 422 and taken.json()["field"] == "name"
    assert len(unscoped(db).exec(select(Team)).all()) == 3


def test_roles_decide_who_reads_and_who_changes(
    client: TestClient,
    db: Session,
    directory: Directory,  # noqa: F811
) -> None:
    head = bearer(db, directory.head.email)
    manager = bearer(db, directory.boss.email)
    assert client.get("/api/v1/people", headers=manager).status_code == 403
    assert client.get("/api/v1/teams", headers=manager).status_code == 403
    assert client.post("/api/v1/teams", json={"name": "Z"}, headers=head).status_code == 403
    assert (
        client.patch(
            f"/api/v1/people/{directory.anna.id}", json={"full_name": "Z"}, headers=head
        ).status_code
        == 403
    )
    assert client.get("/api/v1/people").status_code == 401


def test_kpis_are_sent_all_or_nothing_and_read_back(
    client: TestClient,
    db: Session,
    directory: Directory,  # noqa: F811
) -> None:
    headers = bearer(db, directory.head.email)
    this_month = kpis.month_start(date.today())
    months = [kpis.period_label(kpis.add_months(this_month, -i)) for i in (3, 2, 1)]
    bad = client.post(
        "/api/v1/kpis",
        json={
            "values": [
                {
                    "email": "anna@acme.ru",
                    "period": months[0],
                    "kpi": "request_response_hours",
                    "value": 5,
                },
                {
                    "email": "anna@acme.ru",
                    "period": "2026-13",
                    "kpi": "request_response_hours",
                    "value": 5,
                },
                {"email": "ghost@acme.ru", "period": months[0], "kpi": "close_rate", "value": 10},
                {"email": "oleg@acme.ru", "period": months[0], "kpi": "close_rate", "value": 101},
                {"email": "oleg@acme.ru", "period": months[0], "kpi": "closing", "value": 1},
                {
                    "email": "anna@acme.ru",
                    "period": months[0],
                    "kpi": "request_response_hours",
                    "value": 4,
                },
            ]
        },
        headers=headers,
    )
    assert bad.status_code == 422
    errors = [(e["index"], e["field"]) for e in bad.json()["errors"]]
    assert errors == [(1, "period"), (2, "email"), (3, "value"), (4, "kpi"), (5, "period")]
    assert "Entry 3 of values, field value" in bad.json()["detail"]
    assert unscoped(db).exec(select(KpiValue)).all() == []

    values = [
        {"email": "anna@acme.ru", "period": m, "kpi": "request_response_hours", "value": v}
        for m, v in zip(months, (6, 4, 2), strict=True)
    ]
    sent = client.post("/api/v1/kpis", json={"values": values}, headers=headers)
    assert sent.json() == {"added": 3, "replaced": 0, "unchanged": 0}
    values[2]["value"] = "3,0"
    again = client.post("/api/v1/kpis", json={"values": values}, headers=headers)
    assert again.json() == {"added": 0, "replaced": 1, "unchanged": 2}
    assert len(unscoped(db).exec(select(KpiValue)).all()) == 3

    read = client.get(f"/api/v1/people/{directory.anna.id}/kpis", headers=headers).json()
    assert read["window"] == {"start": months[0], "end": months[2], "months": 3}
    [series] = read["kpis"]
    assert series["kpi"] == "request_response_hours" and series["direction"] == "lower_is_better"
    assert [v["value"] for v in series["values"]] == [6, 4, 3]
    assert series["mean"] == 13 / 3 and series["reference"] == "median"
    # alone in the organisation, Anna is her own median: attainment 1
    assert series["attainment"] == 1 and read["attainment"] == 1
    assert client.get("/api/v1/people/999999/kpis", headers=headers).status_code == 404
    manager = bearer(db, directory.boss.email)
    assert client.post("/api/v1/kpis", json={"values": values}, headers=manager).status_code == 403


def test_kpis_of_a_candidate_are_refused(
    client: TestClient,
    db: Session,
    directory: Directory,  # noqa: F811
) -> None:
    from app.db import scope_to_organisation
    from app.services.people import add_person

    scope_to_organisation(db, directory.organisation.id or 0)
    add_person(db, full_name="Кандидат", email="cand@acme.ru", language="ru")
    db.commit()
    unscoped(db)
    headers = bearer(db, directory.hr.email)
    month = kpis.period_label(kpis.add_months(kpis.month_start(date.today()), -1))
    response = client.post(
        "/api/v1/kpis",
        json={
            "values": [{"email": "cand@acme.ru", "period": month, "kpi": "close_rate", "value": 5}]
        },
        headers=headers,
    )
    assert response.status_code == 422 and "candidate" in response.json()["errors"][0]["message"]
