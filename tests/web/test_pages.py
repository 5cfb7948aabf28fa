"""Staff pages: the dashboard and the competency model, read as a head of sales would."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.db import scope_to_organisation, utcnow
from app.models import Campaign, Organisation, Role
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services.people import add_person
from tests.conftest import TEST_SECRET, sign_in
from tests.factories import PASSWORD, create_organisation, create_team, create_user


def test_the_model_page_shows_every_competency_and_profile(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    user = create_user(db, role=Role.head_of_sales)
    sign_in(client, user.email, PASSWORD)
    soup = BeautifulSoup(client.get("/model").text, "html.parser")
    sections = [s["id"] for s in soup.select("section.card[id]")]
    assert sections == catalog.model.competency_ids
    rows = soup.select("table")[0].select("tbody tr")
    persistence = next(r for r in rows if r.find("a", href="#persistence"))
    cells = [td.get_text(strip=True) for td in persistence.find_all("td")]
    active = catalog.model.definition.profiles["active"]
    assert cells[:3] == [
        f"{active.weights['persistence']:g}",
        f"{active.targets['persistence']:g}",
        f"{active.minimums['persistence']:g}",
    ]
    assert len(soup.select("h2 + ol li")) == 6  # the six stages of active selling


def test_numbers_follow_the_language(client: TestClient, db: Session, catalog: Catalog) -> None:
    user = create_user(db)
    sign_in(client, user.email, PASSWORD)
    weights = catalog.model.definition.profiles["active"].weights
    fractional = next(w for w in weights.values() if w != int(w))
    english = client.get("/model", headers={"Accept-Language": "en"}).text
    russian = client.get("/model", headers={"Accept-Language": "ru"}).text
    assert f">{fractional:g}<" in english
    assert f">{fractional:g}<".replace(".", ",") in russian
    assert "Модель компетенций" in russian


def test_the_dashboard_lists_teams_with_their_people(client: TestClient, db: Session) -> None:
    organisation = create_organisation(db)
    create_team(db, organisation=organisation, name="Inbound desk")
    user = create_user(db, organisation=organisation)
    sign_in(client, user.email, PASSWORD)
    soup = BeautifulSoup(client.get("/dashboard").text, "html.parser")
    assert soup.find("h1").get_text(strip=True) == organisation.name
    row = next(tr for tr in soup.select("tbody tr") if "Inbound desk" in tr.get_text())
    assert row.find_all("td")[-1].get_text(strip=True) == "0"
    assert "No campaigns yet." in soup.get_text()


def _campaign_with_people(db: Session, catalog: Catalog, organisation: Organisation) -> Campaign:
    scope_to_organisation(db, organisation.id or 0)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name="Autumn hiring", battery="candidate-general"
    )
    for n in range(3):
        person = add_person(db, full_name=f"Person {n}", email=f"p{n}@example.com", language="en")
        invited = campaign_service.invite(
            db, campaign=campaign, person=person, secret_key=TEST_SECRET, base_url="http://x"
        )
        if n == 0:
            invited.invitation.completed_at = utcnow()
            db.add(invited.invitation)
    db.commit()
    return campaign


def test_a_head_of_sales_reaches_a_ranking_from_the_dashboard_and_the_menu(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation = create_organisation(db)
    campaign = _campaign_with_people(db, catalog, organisation)
    user = create_user(db, organisation=organisation, role=Role.head_of_sales)
    sign_in(client, user.email, PASSWORD)
    ranking = f"/campaigns/{campaign.id}/ranking"
    dashboard = BeautifulSoup(client.get("/dashboard").text, "html.parser")
    name = dashboard.select_one("#campaigns td.name a")
    assert name is not None and name.get_text(strip=True) == "Autumn hiring"
    assert name["href"] == ranking  # the name itself leads to the ranking
    row = name.find_parent("tr")
    assert [td.get_text(strip=True) for td in row.select("td.num")] == ["1 of 3", "0"]
    assert dashboard.find("a", href="/hr/campaigns/1") is None  # no HR page for this role
    menu = dashboard.select_one("header nav")
    assert menu is not None and menu.find("a", href="/rankings") is not None
    listing = BeautifulSoup(client.get("/rankings").text, "html.parser")
    assert [a["href"] for a in listing.select("#rankings td.name a")] == [ranking]
    assert client.get(ranking).status_code == 200


def test_people_over_invited_candidates_is_not_staff_in_russian(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation = create_organisation(db)
    campaign = _campaign_with_people(db, catalog, organisation)
    create_team(db, organisation=organisation, name="Inbound desk")
    user = create_user(db, organisation=organisation, role=Role.hr)
    sign_in(client, user.email, PASSWORD)
    russian = {"Accept-Language": "ru"}
    page = BeautifulSoup(
        client.get(f"/hr/campaigns/{campaign.id}", headers=russian).text, "html.parser"
    )
    assert page.select_one("#people h2").get_text(strip=True) == "Участники"
    assert "Сотрудники" not in page.get_text()
    dashboard = BeautifulSoup(client.get("/dashboard", headers=russian).text, "html.parser")
    assert dashboard.select_one("#teams th.num").get_text(strip=True) == "Сотрудники"


def test_the_model_page_has_no_internal_ids_or_hashes(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    user = create_user(db, role=Role.head_of_sales)
    sign_in(client, user.email, PASSWORD)
    for language in ("en", "ru"):
        soup = BeautifulSoup(
            client.get("/model", headers={"Accept-Language": language}).text, "html.parser"
        )
        text = soup.select_one("main").get_text(" ")
        assert soup.select("main code") == []
        for cid in catalog.model.competency_ids:
            if "_" in cid:  # single words such as "persuasion" are ordinary English
                assert cid not in text, cid
        assert catalog.model.version not in text  # "2026.1+e2d5…" is for the record
        assert catalog.model.version.split("+")[0] in text
        dashboard = client.get("/dashboard", headers={"Accept-Language": language}).text
        assert catalog.model.version not in BeautifulSoup(dashboard, "html.parser").get_text()


def test_staff_dates_follow_the_language(client: TestClient, db: Session, catalog: Catalog) -> None:
    organisation = create_organisation(db)
    campaign = _campaign_with_people(db, catalog, organisation)
    user = create_user(db, organisation=organisation, role=Role.hr)
    sign_in(client, user.email, PASSWORD)
    expires = utcnow().date() + timedelta(days=14)
    russian = client.get(f"/hr/campaigns/{campaign.id}", headers={"Accept-Language": "ru"}).text
    cell = BeautifulSoup(russian, "html.parser").select_one("td.expires")
    assert cell is not None
    assert expires.isoformat() not in russian
    assert f"{expires.day} " in cell.get_text() and str(expires.year) in cell.get_text()
    assert any(
        month in cell.get_text()
        for month in (
            "янв",
            "февр",
            "мар",
            "апр",
            "мая",
            "июн",
            "июл",
            "авг",
            "сент",
            "окт",
            "нояб",
            "дек",
        )
    )
