"""Local validation on a generated organisation: the page, the API, and the admin's decision
that makes a new model version (earlier results keep theirs)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.db import scope_to_organisation
from app.models import LocalModelVersion, Organisation, Person, Role, ScoreSnapshot, User
from app.scoring.decision import Estimate, decide
from app.scoring.loader import Catalog
from app.services import kpis, staff
from app.services.accounts import create_api_token
from app.services.model_versions import organisation_catalog
from tests.conftest import csrf_from, sign_in
from tests.directory_factories import add_kpi_values
from tests.factories import PASSWORD, create_organisation, create_user
from tests.services.test_teams import COMPETENCIES, add_snapshot, unscoped


@dataclass
class Org:
    organisation: Organisation
    admin: User
    head: User
    people: list[Person]


def generated(db: Session, catalog: Catalog, n: int, *, seed: int = 1) -> Org:
    """`n` active sellers whose close rate follows persistence (strongly) and communication."""
    organisation = create_organisation(db)
    admin = create_user(db, organisation=organisation, role=Role.admin)
    head = create_user(db, organisation=organisation, role=Role.head_of_sales)
    scope_to_organisation(db, organisation.id or 0)
    rng = random.Random(seed)  # noqa: S311
    team = staff.create_team(db, catalog.model.definition, name="Исходящие", sales_mode="active")
    newest = kpis.add_months(kpis.month_start(date.today()), -1)
    people = []
    for i in range(n):
        person = staff.create_staff_person(
            db, staff.StaffValues(full_name=f"Сотрудник {i:02d}", email=f"p{i}@acme.ru", team=team)
        )
        scores = {c: max(0.0, min(100.0, rng.gauss(60, 12))) for c in COMPETENCIES}
        add_snapshot(db, person, scores)
        performance = (scores["persistence"] - 60) / 12 * 0.8 + (
            scores["communication"] - 60
        ) / 12 * 0.3
        close_rates = [
            max(0.0, min(100.0, 20 + 5 * performance + rng.gauss(0, 2))) for _ in range(3)
        ]
        add_kpi_values(db, person, "close_rate", close_rates, newest=newest)
        people.append(person)
    db.commit()
    unscoped(db)
    return Org(organisation, admin, head, people)


def soup(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]


def bearer(db: Session, user: User) -> dict[str, str]:
    _, token = create_api_token(unscoped(db), email=user.email)
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def test_below_the_minimum_the_page_and_the_api_say_how_many_more(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    org = generated(db, catalog, 12)
    sign_in(client, org.head.email, PASSWORD)
    page = soup(client.get("/validation", params={"role": "active"}))
    assert "18 more people" in page.select_one("#not-enough").get_text()
    assert page.select_one("#correlations") is None and page.select_one("#auc") is None
    assert page.select_one("#proposal") is None
    body = client.get(
        "/api/v1/validation", params={"role": "active"}, headers=bearer(db, org.head)
    ).json()
    assert (body["role"], body["n"], body["needed"]) == ("active", 12, 18)
    assert "correlations" not in body and "model_auc" not in body
    passive = client.get(
        "/api/v1/validation", params={"role": "passive"}, headers=bearer(db, org.head)
    )
    assert passive.json()["n"] == 0 and passive.json()["needed"] == 30
    unknown = client.get(
        "/api/v1/validation", params={"role": "hunter"}, headers=bearer(db, org.head)
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "role"


def test_with_enough_people_the_strongest_competency_comes_first(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    org = generated(db, catalog, 45)
    sign_in(client, org.head.email, PASSWORD)
    page = soup(client.get("/validation", params={"role": "active"}))
    assert page.select_one("#not-enough") is None
    rows = page.select("#correlations-table tbody tr")
    assert rows[0]["data-competency"] == "persistence"
    assert page.select_one("#auc-profile") and page.select_one("#auc-model")
    assert page.select_one("form.decision") is None  # a head of sales does not decide
    body = client.get(
        "/api/v1/validation", params={"role": "active"}, headers=bearer(db, org.head)
    ).json()
    assert (body["n"], body["needed"]) == (45, 0)
    assert body["correlations"][0]["competency"] == "persistence"
    first = body["correlations"][0]
    assert first["low"] < first["r"] < first["high"] and first["low"] > 0
    for key in ("model_auc", "profile_auc"):
        assert body[key]["low"] <= body[key]["estimate"] <= body[key]["high"]
    assert set(body["weights"]["proposed"]) == set(COMPETENCIES)


def test_accepting_makes_a_new_version_and_earlier_results_keep_theirs(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    org = generated(db, catalog, 45)
    old = unscoped(db).exec(select(ScoreSnapshot)).first()
    assert old is not None
    old_version, old_scores = old.model_version, dict(old.scores)
    sign_in(client, org.admin.email, PASSWORD)
    page = client.get("/validation", params={"role": "active"})
    form = soup(page).select_one("form.decision")
    fields = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    stale = client.post(
        "/validation/decision", data={**fields, "digest": "0" * 32, "decision": "accept"}
    )
    assert (
        stale.status_code == 409
        and "changed since" in soup(stale).select_one("#decision-error").get_text()
    )
    assert unscoped(db).exec(select(LocalModelVersion)).all() == []
    done = client.post(
        "/validation/decision", data={**fields, "decision": "accept"}, follow_redirects=False
    )
    assert done.status_code == 303
    [decision] = unscoped(db).exec(select(LocalModelVersion)).all()
    assert decision.status == "accepted" and decision.profile_id == "active"
    scope_to_organisation(db, org.organisation.id or 0)
    local = organisation_catalog(db, catalog)
    assert local.model.version == f"{catalog.model.version}+local.{decision.id}"
    assert dict(local.model.definition.profiles["active"].weights) == decision.weights
    assert catalog.model.definition.profiles["active"].weights != decision.weights  # file intact
    db.refresh(old)
    assert (old.model_version, old.scores) == (old_version, old_scores)
    # the page now shows the new version and the decision
    after = soup(client.get("/validation", params={"role": "active"}))
    assert f"local.{decision.id}" in after.select_one("#sample").get_text()
    assert "accepted" in after.select_one("#history").get_text()


def test_rejecting_changes_no_weight_and_only_an_admin_decides(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    org = generated(db, catalog, 45)
    sign_in(client, org.admin.email, PASSWORD)
    fields = {
        i["name"]: i["value"]
        for i in soup(client.get("/validation", params={"role": "active"})).select(
            "form.decision input[type=hidden]"
        )
    }
    client.post("/validation/decision", data={**fields, "decision": "reject"})
    [decision] = unscoped(db).exec(select(LocalModelVersion)).all()
    assert decision.status == "rejected"
    scope_to_organisation(db, org.organisation.id or 0)
    assert organisation_catalog(db, catalog) is catalog
    unscoped(db)
    other = TestClient(client.app)
    sign_in(other, org.head.email, PASSWORD)
    token = csrf_from(other.get("/validation").text)
    refused = other.post(
        "/validation/decision", data={**fields, "csrf_token": token, "decision": "accept"}
    )
    assert refused.status_code == 403


def test_a_scored_result_records_the_organisations_version(db: Session, catalog: Catalog) -> None:
    from app.services import campaigns
    from app.services.demo_staff import assess, latent_levels

    org = generated(db, catalog, 1)
    scope_to_organisation(db, org.organisation.id or 0)
    weights = dict.fromkeys(COMPETENCIES, 1.0)
    db.add(
        LocalModelVersion(
            profile_id="active",
            status="accepted",
            base_version=catalog.model.version,
            weights=weights,
            previous_weights=dict(catalog.model.definition.profiles["active"].weights),
        )
    )
    db.flush()
    campaign = campaigns.create_campaign(db, catalog=catalog, name="R", battery="employee")
    rng = random.Random(3)  # noqa: S311
    invitation = assess(
        db,
        catalog,
        campaign=campaign,
        person=org.people[0],
        levels=latent_levels(rng, catalog, 0.0),
        rng=rng,
        secret_key="k" * 40,
        base_url="http://testserver",
        reviewer_id=None,
        rater_id=None,
        language="ru",
    )
    latest = db.exec(
        select(ScoreSnapshot)
        .where(ScoreSnapshot.invitation_id == invitation.id)
        .order_by(col(ScoreSnapshot.id).desc())
    ).first()
    assert latest is not None
    decision = db.exec(select(LocalModelVersion)).one()
    assert latest.model_version == f"{catalog.model.version}+local.{decision.id}"
    # the fit was computed with the accepted (equal) weights, not the file's
    stored = latest.scores
    estimates = {
        c: Estimate(v["score"], 0.0)
        for c, v in {**stored["competencies"], **stored.get("profile_scales", {})}.items()
    }
    model = catalog.model.definition
    profile = model.profiles["active"]
    changed = profile.model_copy(update={"weights": weights})
    local_model = model.model_copy(update={"profiles": {**model.profiles, "active": changed}})
    local = decide(local_model, estimates).roles["active"].fit
    original = decide(model, estimates).roles["active"].fit
    assert local is not None and original is not None
    assert stored["fit"]["active"] == pytest.approx(local, abs=0.01)  # stored to 2 decimals
    assert local != pytest.approx(original, abs=0.01)
