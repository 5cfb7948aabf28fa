"""Staff pages: the dashboard and the competency model, read as a head of sales would."""

from __future__ import annotations

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Role
from app.scoring.loader import Catalog
from tests.conftest import sign_in
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
