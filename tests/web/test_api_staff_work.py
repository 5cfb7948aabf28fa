"""The API for staff work: campaigns listed, work samples scored and managers' ratings given
by an integration, with the same roles and rules as the review pages."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import ORGANISATION_KEY, scope_to_organisation
from app.models import ManagerRating, Organisation, ReviewScore, Role, Team, User
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services.accounts import create_api_token
from tests.factories import create_organisation, create_user
from tests.web.test_reviews import (
    COLD_EMAIL,
    cold_email,
    complete_battery,
    rating_scale,
    work_session,
)


def token_for(db: Session, organisation: Organisation, role: Role) -> tuple[User, dict[str, str]]:
    user = create_user(db, organisation=organisation, role=role)
    _, token = create_api_token(db, email=user.email)
    db.commit()
    db.info.pop(ORGANISATION_KEY, None)
    return user, {"Authorization": f"Bearer {token}"}


def full_points(catalog: Catalog, value: int | None = None) -> dict[str, int]:
    return {
        c.id: c.max_points if value is None else value
        for task in cold_email(catalog).items
        for c in task.rubric
    }


def test_campaigns_are_listed_newest_first_for_those_who_read_results(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation = create_organisation(db)
    scope_to_organisation(db, organisation.id or 0)
    for name in ("Spring hiring", "Autumn hiring"):
        campaign_service.create_campaign(db, catalog=catalog, name=name, battery="employee")
    db.commit()
    _, hr = token_for(db, organisation, Role.hr)
    _, head = token_for(db, organisation, Role.head_of_sales)
    _, manager = token_for(db, organisation, Role.manager)
    for headers in (hr, head):
        response = client.get("/api/v1/campaigns", headers=headers)
        assert response.status_code == 200, response.text
        assert [c["name"] for c in response.json()] == ["Autumn hiring", "Spring hiring"]
        assert response.json()[0]["counts"]["invited"] == 0
    assert client.get("/api/v1/campaigns", headers=manager).status_code == 403
    assert client.get("/api/v1/campaigns").status_code == 401
    other = create_organisation(db)
    _, stranger = token_for(db, other, Role.hr)
    assert client.get("/api/v1/campaigns", headers=stranger).json() == []


def test_a_work_sample_is_listed_with_its_session_id_and_scored_through_the_api(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation = create_organisation(db)
    done = complete_battery(db, catalog, organisation, battery="candidate-active", name="Ivan")
    _, hr = token_for(db, organisation, Role.hr)
    listed = client.get("/api/v1/reviews", headers=hr)
    assert listed.status_code == 200, listed.text
    (waiting,) = listed.json()
    scope_to_organisation(db, organisation.id or 0)
    session_id = work_session(db, done.invitation).id
    db.info.pop(ORGANISATION_KEY, None)
    assert waiting["session_id"] == session_id and waiting["person"]["name"] == "Ivan"
    assert waiting["instrument"] == COLD_EMAIL and waiting["points"] == {}
    assert {c["id"] for c in waiting["criteria"]} == set(full_points(catalog))
    assert "Dear Marina" in next(iter(waiting["answers"].values()))

    saved = client.put(
        f"/api/v1/reviews/{session_id}", json={"points": full_points(catalog)}, headers=hr
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["invitation_id"] == done.invitation.id
    assert saved.json()["snapshot_id"] > done.snapshot.id
    assert client.get("/api/v1/reviews", headers=hr).json() == []
    assert len(db.exec(select(ReviewScore)).all()) == len(full_points(catalog))


def test_bad_points_are_a_422_naming_the_criterion_and_store_nothing(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation = create_organisation(db)
    done = complete_battery(db, catalog, organisation, battery="candidate-active")
    _, hr = token_for(db, organisation, Role.hr)
    scope_to_organisation(db, organisation.id or 0)
    path = f"/api/v1/reviews/{work_session(db, done.invitation).id}"
    db.info.pop(ORGANISATION_KEY, None)
    points = full_points(catalog)
    first, *rest = points
    cases: list[tuple[Any, str]] = [
        ({**points, first: 99}, f"points.{first}"),
        ({k: points[k] for k in rest}, f"points.{first}"),  # a criterion left out
        ({**points, "charm": 1}, "points.charm"),
    ]
    for body, field in cases:
        response = client.put(path, json={"points": body}, headers=hr)
        assert response.status_code == 422, body
        assert response.json()["field"] == field
        assert response.json()["detail"]
    wrong_type = client.put(path, json={"points": {**points, first: "3"}}, headers=hr)
    assert wrong_type.status_code == 422
    assert ["body", "points", first] == wrong_type.json()["detail"][0]["loc"]
    extra = client.put(path, json={"points": points, "note": "x"}, headers=hr)
    assert extra.status_code == 422
    assert db.exec(select(ReviewScore)).all() == []
    assert (
        client.put("/api/v1/reviews/999999", json={"points": points}, headers=hr).status_code == 404
    )


def test_a_manager_rates_only_their_own_people(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation = create_organisation(db)
    manager, as_manager = token_for(db, organisation, Role.manager)
    _, as_other_manager = token_for(db, organisation, Role.manager)
    scope_to_organisation(db, organisation.id or 0)
    team = Team(name="Inbound desk", manager_id=manager.id)
    db.add(team)
    db.commit()
    mine = complete_battery(
        db, catalog, organisation, battery="employee", kind="employee", team=team
    )
    theirs = complete_battery(db, catalog, organisation, battery="employee", kind="employee")
    listed = client.get("/api/v1/ratings", headers=as_manager).json()
    assert [r["invitation_id"] for r in listed] == [mine.invitation.id]
    scales = {s["id"] for s in listed[0]["scales"]}
    assert scales == {item.id for item in rating_scale(catalog).items}
    assert client.get("/api/v1/ratings", headers=as_other_manager).json() == []

    first, second, *_ = sorted(scales)
    body = {"values": {first: 4, second: None}}
    refused = client.put(f"/api/v1/ratings/{theirs.invitation.id}", json=body, headers=as_manager)
    assert refused.status_code == 404
    stranger = client.put(
        f"/api/v1/ratings/{mine.invitation.id}", json=body, headers=as_other_manager
    )
    assert stranger.status_code == 404
    saved = client.put(f"/api/v1/ratings/{mine.invitation.id}", json=body, headers=as_manager)
    assert saved.status_code == 200, saved.text
    rows = db.exec(select(ManagerRating)).all()
    assert [(r.item_id, r.value) for r in rows] == [(first, 4)]  # null: not observed

    bad = client.put(
        f"/api/v1/ratings/{mine.invitation.id}", json={"values": {first: 9}}, headers=as_manager
    )
    assert bad.status_code == 422 and bad.json()["field"] == f"values.{first}"
    nothing = client.put(
        f"/api/v1/ratings/{mine.invitation.id}", json={"values": {first: None}}, headers=as_manager
    )
    assert nothing.status_code == 422 and nothing.json()["field"] == "values"
    unknown = client.put(
        f"/api/v1/ratings/{mine.invitation.id}",
        json={"values": {first: 3}, "instrument": "nope"},
        headers=as_manager,
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "instrument"
    assert [(r.item_id, r.value) for r in db.exec(select(ManagerRating)).all()] == [(first, 4)]


def test_the_new_endpoints_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"get"} <= set(paths["/api/v1/campaigns"])
    assert set(paths["/api/v1/reviews"]) == {"get"}
    assert set(paths["/api/v1/reviews/{session_id}"]) == {"put"}
    assert set(paths["/api/v1/ratings"]) == {"get"}
    assert set(paths["/api/v1/ratings/{invitation_id}"]) == {"put"}
