"""Finding (high): retention left the outbox and the links of anonymised candidates alone."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import utcnow
from app.models import Answer, Invitation, OutboxMessage
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services import sessions
from app.services.privacy import apply_retention
from tests.conftest import TEST_SECRET
from tests.security.conftest import BASE, World


def _age(db: Session, world: World, days: int) -> None:
    world.organisation.retention_days = 30
    db.add(world.organisation)
    for invitation in db.exec(select(Invitation)).all():
        invitation.created_at = utcnow() - timedelta(days=days)
        db.add(invitation)
    db.commit()


def _mail_of(db: Session, needles: list[str]) -> list[OutboxMessage]:
    rows = db.exec(select(OutboxMessage)).all()
    return [
        m
        for m in rows
        if any(n in (m.to_address + m.subject + m.body_text + (m.body_html or "")) for n in needles)
    ]


def test_retention_removes_the_outbox_mail_and_revokes_the_links(
    db: Session, world: World, catalog: Catalog, client: TestClient
) -> None:
    old = world.invite(db, "Olga Oldname", "olga@example.com")
    campaign_service.remind(db, invitation=old.invitation, secret_key=TEST_SECRET, base_url=BASE)
    sessions.record_consent(db, old.invitation, accepted=True, language="en")
    db.commit()
    kept = world.invite(db, "Kira Keep", "kira@example.com")
    assert len(_mail_of(db, ["olga@example.com", "Olga Oldname", old.token])) == 2
    _age(db, world, 40)
    kept.invitation.created_at = utcnow()
    db.add(kept.invitation)
    db.commit()
    db.info.clear()

    report = apply_retention(db)
    db.commit()

    assert report.anonymised == [old.person.id]
    assert _mail_of(db, ["olga@example.com", "Olga Oldname", old.token]) == []
    assert len(_mail_of(db, ["kira@example.com"])) == 1  # others' mail is untouched
    invitation = db.get(Invitation, old.invitation.id)
    assert invitation is not None and invitation.revoked_at is not None
    db.info.clear()

    assert client.get(f"/a/{old.token}").status_code == 404
    refused = client.put(
        f"/api/v1/sessions/{old.token}/answers", json={"answers": {"cold_email": "hello"}}
    )
    assert refused.status_code in (404, 409, 410), refused.text
    assert "hello" not in [a.value for a in db.exec(select(Answer)).all()]
    assert client.get(f"/a/{kept.token}").status_code == 200


def test_retention_cleans_up_after_people_anonymised_before_this_rule(
    db: Session, world: World
) -> None:
    """People anonymised by an earlier version kept their mail and working links."""
    old = world.invite(db, "Pavel Past", "pavel@example.com")
    old.person.anonymised_at = utcnow() - timedelta(days=1)
    old.person.full_name, old.person.email = "—", None
    db.add(old.person)
    db.commit()
    db.info.clear()

    apply_retention(db)
    db.commit()

    assert _mail_of(db, ["pavel@example.com", "Pavel Past", old.token]) == []
    invitation = db.get(Invitation, old.invitation.id)
    assert invitation is not None and invitation.revoked_at is not None
