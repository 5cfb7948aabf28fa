"""Retention: candidates past the organisation's period lose what identifies them."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from app.db import scope_to_organisation, utcnow
from app.models import Answer, AuditEvent, Person, PersonKind
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services import sessions
from app.services.people import add_person
from app.services.privacy import ANONYMOUS_NAME, apply_retention
from tests.factories import create_organisation


def test_old_candidates_are_anonymised_and_recent_ones_kept(db: Session, catalog: Catalog) -> None:
    organisation = create_organisation(db)
    organisation.retention_days = 30
    db.add(organisation)
    scope_to_organisation(db, organisation.id or 0)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name="Old", battery="candidate-passive"
    )
    old = add_person(db, full_name="Old Candidate", email="old@example.com", language="en")
    new = add_person(db, full_name="New Candidate", email="new@example.com", language="en")
    employee = add_person(
        db, full_name="Staff Member", email="staff@example.com", language="en", kind="employee"
    )
    invited = campaign_service.invite(
        db, campaign=campaign, person=old, secret_key="k" * 40, base_url="http://x"
    )
    sessions.record_consent(db, invited.invitation, accepted=True, language="en")
    sessions.save_answers(
        db, invited.invitation, catalog, {"inbound_reply": "My name is Old Candidate, call me."}
    )
    invited.invitation.created_at = utcnow() - timedelta(days=40)
    for person in (old, employee):
        person.created_at = utcnow() - timedelta(days=40)
    db.add_all([invited.invitation, old, employee])
    db.commit()
    db.info.clear()

    assert apply_retention(db, dry_run=True).anonymised == [old.id]
    assert db.get(Person, old.id).full_name == "Old Candidate"  # type: ignore[union-attr]
    report = apply_retention(db)
    db.commit()
    assert report.anonymised == [old.id]
    gone = db.get(Person, old.id)
    assert gone is not None and gone.full_name == ANONYMOUS_NAME and gone.email is None
    assert gone.anonymised_at is not None
    assert db.exec(select(Answer.value)).all() == [""]
    assert db.get(Person, new.id).email == "new@example.com"  # type: ignore[union-attr]
    staff = db.get(Person, employee.id)
    assert (
        staff is not None
        and staff.kind == PersonKind.employee
        and staff.email == "staff@example.com"
    )
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "person.anonymised")).all()
    assert apply_retention(db).anonymised == []  # nothing twice
