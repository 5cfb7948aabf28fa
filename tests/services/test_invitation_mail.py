"""The invitation and reminder e-mails: who sends them, for which company, how long it takes."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from app.db import scope_to_organisation
from app.models import Organisation, OutboxMessage, Role
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services.people import add_person
from tests.factories import create_organisation, create_user

SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.mark.parametrize(("language", "greeting"), [("ru", "Здравствуйте"), ("en", "Hello")])
def test_the_invitation_and_the_reminder_name_the_company_the_sender_and_the_real_time(
    db: Session, catalog: Catalog, language: str, greeting: str
) -> None:
    organisation = create_organisation(db)
    hr = create_user(db, organisation=organisation, role=Role.hr)
    hr.full_name = "Helen Recruiter"
    db.add(hr)
    scope_to_organisation(db, organisation.id or 0)
    company = db.get(Organisation, organisation.id)
    assert company is not None
    company.name = "Northwind Trading"
    db.add(company)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name="Spring hiring", battery="candidate-active"
    )
    person = add_person(db, full_name="Anna Petrova", email="anna@example.com", language=language)
    done = campaign_service.invite(
        db,
        campaign=campaign,
        person=person,
        secret_key=SECRET,
        base_url="https://fit.example.com",
        actor_user_id=hr.id,
        catalog=catalog,
    )
    campaign_service.remind(
        db,
        invitation=done.invitation,
        secret_key=SECRET,
        base_url="https://fit.example.com",
        catalog=catalog,
        actor_user_id=hr.id,
    )
    db.commit()
    minutes = round(catalog.battery_minutes(catalog.batteries["candidate-active"]))
    mails = db.exec(
        select(OutboxMessage)
        .where(OutboxMessage.to_address == "anna@example.com")
        .order_by(OutboxMessage.id)  # type: ignore[arg-type]
    ).all()
    assert len(mails) == 2
    for mail in mails:
        assert "Northwind Trading" in mail.subject
        text = mail.body_text
        assert text.startswith(f"{greeting}, Anna Petrova!")
        assert "Helen Recruiter" in text and "Northwind Trading" in text
        assert hr.email in text  # where to ask: not an anonymous link
        assert f" {minutes} " in text  # the battery's declared time, not a fixed phrase
        assert "half an hour" not in text and "полчаса" not in text
        assert ".." not in text
        assert done.url in text


def test_without_a_user_the_mail_is_signed_by_the_company_alone(
    db: Session, catalog: Catalog
) -> None:
    organisation = create_organisation(db)
    scope_to_organisation(db, organisation.id or 0)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name="Spring hiring", battery="candidate-general"
    )
    person = add_person(db, full_name="Anna Petrova", email="anna@example.com", language="en")
    campaign_service.invite(db, campaign=campaign, person=person, secret_key=SECRET, base_url="x")
    mail = db.exec(select(OutboxMessage)).one()
    assert f"{organisation.name} invites you" in mail.body_text
    assert mail.body_text.rstrip().endswith(organisation.name)
    assert "write to" not in mail.body_text
