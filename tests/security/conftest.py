"""Shared set-up of the security tests: an organisation with a campaign and invited people."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session

from app.db import scope_to_organisation
from app.models import Campaign, Invitation, Organisation, Person
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services import results, sessions
from app.services.people import add_person
from tests.conftest import TEST_SECRET
from tests.factories import answer_for, create_organisation
from tests.test_cli import database_url  # noqa: F401  (a fixture: a fresh database for the CLI)

BASE = "http://testserver"
WORK = (
    "Dear Marina, I saw that you start supplying 60 supermarkets next month. Late deliveries "
    "there mean fines, and every missed slot costs a shelf. A drinks distributor with 35 vans "
    "cut late deliveries from 12% to 3% with our routing. Could we show you how in twenty "
    "minutes, Tuesday at 11 or Thursday at 3? "
    "Ivan Petrov, Flotika, +7 900 000 00 00"
)


@dataclass
class Candidate:
    person: Person
    invitation: Invitation
    token: str
    url: str


@dataclass
class World:
    organisation: Organisation
    campaign: Campaign

    def invite(self, db: Session, name: str, email: str, *, kind: str = "candidate") -> Candidate:
        scope_to_organisation(db, self.organisation.id or 0)
        person = add_person(db, full_name=name, email=email, language="en", kind=kind)
        done = campaign_service.invite(
            db, campaign=self.campaign, person=person, secret_key=TEST_SECRET, base_url=BASE
        )
        db.commit()
        return Candidate(person, done.invitation, done.url.rsplit("/", 1)[1], done.url)

    def complete(self, db: Session, catalog: Catalog, someone: Candidate) -> None:
        """Consent, answer every question and finish, as the candidate's pages do."""
        scope_to_organisation(db, self.organisation.id or 0)
        sessions.record_consent(db, someone.invitation, accepted=True, language="en")
        items = [i for s in sessions.sections(catalog, self.campaign, "en") for i in s["items"]]
        answers = {i["id"]: WORK if i["type"] == "text" else answer_for(i) for i in items}
        sessions.save_answers(db, someone.invitation, catalog, answers)
        results.complete(db, catalog, someone.invitation)
        db.commit()
        db.info.clear()


def make_world(db: Session, catalog: Catalog) -> World:
    organisation = create_organisation(db)
    scope_to_organisation(db, organisation.id or 0)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name="Spring hiring", battery="candidate-active", language="en"
    )
    db.commit()
    return World(organisation, campaign)


@pytest.fixture
def world(db: Session, catalog: Catalog) -> World:
    return make_world(db, catalog)
