"""Shared set-up of the security tests: an organisation with a campaign and invited people."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session

from app.db import scope_to_organisation
from app.models import Campaign, Invitation, Organisation, Person
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services.people import add_person
from tests.conftest import TEST_SECRET
from tests.factories import create_organisation

BASE = "http://testserver"


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
