"""The fairness audit of a campaign (page and API), and the optional questions a person may
answer after finishing: stored apart, with their own consent, never shown beside a result."""

from __future__ import annotations

from dataclasses import dataclass

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import scope_to_organisation, utcnow
from app.models import (
    Campaign,
    Consent,
    GroupMembership,
    Organisation,
    Person,
    Role,
    ScoreSnapshot,
    User,
)
from app.scoring.loader import Catalog
from app.services import campaigns, fairness, sessions
from app.services.accounts import create_api_token
from app.services.people import add_person
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, answer_for, create_organisation, create_user
from tests.services.test_candidate_flow import BASE, SECRET
from tests.services.test_teams import unscoped


@dataclass
class Audited:
    organisation: Organisation
    hr: User
    campaign: Campaign
    people: list[Person]


# (gender, recommendation, fit for active): women 4 of 8 recommended for active (0.5),
# men 6 of 8 (0.75): impact ratio 0.5 / 0.75 = 0.667, flagged; "another": 2 people, suppressed
PEOPLE = [
    *[("female", "active", 80), ("female", "both", 75), ("female", "both", 70)],
    *[("female", "active", 66), ("female", "passive", 50), ("female", "neither", 40)],
    *[("female", "neither", 30), ("female", "passive", 45)],
    *[("male", "active", 90), ("male", "both", 85), ("male", "active", 72), ("male", "both", 68)],
    *[("male", "active", 67), ("male", "both", 65), ("male", "neither", 35)],
    *[("male", "passive", 55), ("another", "active", 70), ("another", "neither", 20)],
    (None, "active", 60),
]


def audited(db: Session, catalog: Catalog) -> Audited:
    organisation = create_organisation(db)
    hr = create_user(db, organisation=organisation, role=Role.hr)
    scope_to_organisation(db, organisation.id or 0)
    campaign = campaigns.create_campaign(
        db, catalog=catalog, name="Найм", battery="candidate-general", target_role="active"
    )
    people = []
    for i, (gender, recommendation, fit) in enumerate(PEOPLE):
        person = add_person(db, full_name=f"Кандидат {i:02d}", email=f"c{i}@acme.ru", language="ru")
        invitation = campaigns.invite(
            db, campaign=campaign, person=person, secret_key=SECRET, base_url=BASE, send=False
        ).invitation
        invitation.completed_at = utcnow()
        db.add(
            ScoreSnapshot(
                person_id=person.id or 0,
                campaign_id=campaign.id,
                invitation_id=invitation.id,
                recommendation=recommendation,
                model_version="test",
                instrument_versions={},
                scores={"recommendation": recommendation, "fit": {"active": fit, "passive": 50}},
            )
        )
        if gender:
            fairness.record_groups(
                db, person_id=person.id or 0, answers={"gender": gender}, language="ru"
            )
        people.append(person)
    db.commit()
    unscoped(db)
    return Audited(organisation, hr, campaign, people)


def soup(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]


def test_the_page_shows_rates_and_ratios_per_group_as_computed_by_hand(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    data = audited(db, catalog)
    sign_in(client, data.hr.email, PASSWORD)
    page = soup(client.get(f"/campaigns/{data.campaign.id}/fairness"))
    table = page.select_one("#selection-gender")
    female = table.select_one('tr[data-group="female"]')
    male = table.select_one('tr[data-group="male"]')
    cells = [td.get_text(" ", strip=True) for td in female.select("td")]
    assert cells[:4] == ["8", "4", "50%", "0.67 below 0.8"]
    assert "flagged" in female["class"]
    assert [td.get_text(" ", strip=True) for td in male.select("td")][:4] == [
        "8",
        "6",
        "75%",
        "1.00",
    ]
    # scoring rate: median of all 19 fits is 66 -> women above: 80, 75, 70 (3 of 8 = 37.5%),
    # men: 90, 85, 72, 68, 67 (5 of 8 = 62.5%); ratio 0.6
    assert cells[4:] == ["37.5%", "0.60"]
    suppressed = table.select_one('tr[data-group="another"]').get_text(" ", strip=True)
    assert "fewer than 5" in suppressed and "2" in suppressed
    assert "Кандидат" not in page.get_text()  # nobody is named
    age = page.select_one("#attribute-age_band")
    assert age.select_one(".not-enough") is not None


def test_the_api_returns_the_same_figures(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    data = audited(db, catalog)
    _, token = create_api_token(unscoped(db), email=data.hr.email)
    db.commit()
    response = client.get(
        f"/api/v1/campaigns/{data.campaign.id}/fairness",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["target_role"], body["people"], body["selected"]) == ("active", 19, 12)
    gender = next(a for a in body["attributes"] if a["attribute"] == "gender")
    assert gender["with_data"] == 18
    groups = {g["group"]: g for g in gender["groups"]}
    assert groups["female"] == {
        "group": "female",
        "n": 8,
        "selected": 4,
        "selection_rate": 0.5,
        "impact_ratio": 2 / 3,
        "flag": True,
    }
    assert groups["another"]["selected"] is None and groups["another"]["n"] == 2
    scoring = {s["group"]: s for s in gender["scoring_rate"]}
    assert (scoring["female"]["above_median"], scoring["female"]["impact_ratio"]) == (3, 0.6)
    other = create_user(unscoped(db), role=Role.admin)
    _, stranger = create_api_token(unscoped(db), email=other.email)
    db.commit()
    assert (
        client.get(
            f"/api/v1/campaigns/{data.campaign.id}/fairness",
            headers={"Authorization": f"Bearer {stranger}"},
        ).status_code
        == 404
    )


def test_group_answers_never_appear_beside_a_persons_result(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    data = audited(db, catalog)
    sign_in(client, data.hr.email, PASSWORD)
    person = data.people[0]
    for url in (
        f"/people/{person.id}",
        f"/people/{person.id}/report",
        f"/people/{person.id}/report.json",
    ):
        response = client.get(url)
        text = response.text.lower()
        assert "female" not in text and "woman" not in text and "gender" not in text, url


def _finish_in_a_browser(client: TestClient, db: Session, catalog: Catalog) -> tuple[str, Person]:
    organisation = create_organisation(db)
    scope_to_organisation(db, organisation.id or 0)
    campaign = campaigns.create_campaign(
        db, catalog=catalog, name="Найм", battery="candidate-general"
    )
    person = add_person(db, full_name="Анна", email="anna@acme.ru", language="en")
    done = campaigns.invite(db, campaign=campaign, person=person, secret_key=SECRET, base_url=BASE)
    sessions.record_consent(db, done.invitation, accepted=True, language="en")
    items = [i for s in sessions.sections(catalog, campaign, "en") for i in s["items"]]
    sessions.save_answers(db, done.invitation, catalog, {i["id"]: answer_for(i) for i in items})
    db.commit()
    unscoped(db)
    token = done.url.rsplit("/", 1)[1]
    finish = client.get(f"/a/{token}/finish")
    response = client.post(
        f"/a/{token}/complete", data={"csrf_token": csrf_from(finish.text)}, follow_redirects=True
    )
    assert response.status_code == 200
    assert soup(response).select_one("#voluntary a")["href"] == f"/a/{token}/about-you"
    return token, person


def test_the_optional_questions_need_their_own_consent_and_store_apart(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    token, person = _finish_in_a_browser(client, db, catalog)
    page = client.get(f"/a/{token}/about-you")
    assert page.status_code == 200
    form = {"csrf_token": csrf_from(page.text), "gender": "female", "age_band": "25_34"}
    refused = client.post(f"/a/{token}/about-you", data=form)
    assert refused.status_code == 422 and soup(refused).select_one("#voluntary-error")
    assert unscoped(db).exec(select(GroupMembership)).all() == []
    bad = client.post(f"/a/{token}/about-you", data={**form, "gender": "robot", "consent": "1"})
    assert bad.status_code == 422
    assert unscoped(db).exec(select(GroupMembership)).all() == []
    saved = client.post(f"/a/{token}/about-you", data={**form, "consent": "1"})
    assert saved.status_code == 200 and soup(saved).select_one("#saved")
    rows = {(g.attribute, g.value) for g in unscoped(db).exec(select(GroupMembership))}
    assert rows == {("gender", "female"), ("age_band", "25_34")}
    purposes = {
        c.purpose for c in unscoped(db).exec(select(Consent).where(Consent.person_id == person.id))
    }
    assert purposes == {"assessment", "equality_monitoring"}
    # another browser is not asked: it gets the "you have already finished" page, no form
    other = TestClient(client.app)
    elsewhere = soup(other.get(f"/a/{token}/about-you"))
    assert elsewhere.select_one("input[name=consent]") is None


def test_prefer_not_to_say_stores_nothing(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    token, _person = _finish_in_a_browser(client, db, catalog)
    page = client.get(f"/a/{token}/about-you")
    saved = client.post(
        f"/a/{token}/about-you",
        data={"csrf_token": csrf_from(page.text), "gender": "", "age_band": "", "consent": "1"},
    )
    assert saved.status_code == 200
    assert unscoped(db).exec(select(GroupMembership)).all() == []
    assert {c.purpose for c in unscoped(db).exec(select(Consent))} == {"assessment"}
