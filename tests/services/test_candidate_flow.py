"""The candidate's path through the services: invite, consent, answer, resume, complete, score."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from app.db import scope_to_organisation
from app.models import Answer, Consent, InvitationStatus, OutboxMessage, ScoreSnapshot
from app.scoring.decision import OUTCOMES
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services import results, sessions
from app.services.errors import Conflict, Invalid
from app.services.people import add_person
from tests.factories import answer_for, create_organisation

SECRET = "test-secret-key-that-is-long-enough-0123456789"
BASE = "https://fit.example.com"


@pytest.fixture
def invited(db: Session, catalog: Catalog) -> Any:
    organisation = create_organisation(db)
    scope_to_organisation(db, organisation.id or 0)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name="Spring hiring", battery="candidate-general"
    )
    person = add_person(db, full_name="Anna Petrova", email="anna@example.com", language="ru")
    done = campaign_service.invite(
        db, campaign=campaign, person=person, secret_key=SECRET, base_url=BASE
    )
    db.commit()
    return campaign, person, done


def test_an_invitation_writes_its_mail_in_the_same_transaction(db: Session, invited: Any) -> None:
    campaign, person, done = invited
    assert done.url.startswith(f"{BASE}/a/") and len(done.url.rsplit("/", 1)[1]) >= 40
    mail = db.exec(
        select(OutboxMessage).where(OutboxMessage.to_address == "anna@example.com")
    ).one()
    assert done.url in mail.body_text and "Anna Petrova" in mail.body_text
    assert "оценк" in mail.subject.lower()  # in the person's language
    assert done.invitation.token_hash not in done.url  # only the hash is stored
    again = campaign_service.invite(
        db, campaign=campaign, person=person, secret_key=SECRET, base_url=BASE
    )
    assert not again.created and again.invitation.id == done.invitation.id and again.url == done.url


def test_the_link_finds_its_invitation_and_nothing_else(db: Session, invited: Any) -> None:
    _, _, done = invited
    token = done.url.rsplit("/", 1)[1]
    assert campaign_service.find_invitation(db, token).id == done.invitation.id  # type: ignore[union-attr]
    assert campaign_service.find_invitation(db, token[:-1] + "x") is None
    assert campaign_service.find_invitation(db, "") is None


def test_answers_need_consent_and_declining_keeps_only_the_refusal(
    db: Session, catalog: Catalog, invited: Any
) -> None:
    _, _, done = invited
    invitation = done.invitation
    with pytest.raises(Conflict, match="Consent"):
        sessions.save_answers(
            db, invitation, catalog, {"fc_01": {"most": "fc_ng_6", "least": "fc_ce_6"}}
        )
    sessions.record_consent(db, invitation, accepted=False, language="ru")
    db.commit()
    assert invitation.status(invitation.declined_at) is InvitationStatus.declined  # type: ignore[arg-type]
    assert [c.accepted for c in db.exec(select(Consent))] == [False]
    with pytest.raises(Conflict):
        sessions.save_answers(
            db, invitation, catalog, {"fc_01": {"most": "fc_ng_6", "least": "fc_ce_6"}}
        )
    assert db.exec(select(Answer)).all() == []


def test_the_whole_battery_is_answered_resumed_completed_and_scored(
    db: Session, catalog: Catalog, invited: Any
) -> None:
    campaign, _, done = invited
    invitation = done.invitation
    sessions.record_consent(db, invitation, accepted=True, language="ru")
    payload = sessions.sections(catalog, campaign, "ru")
    items = [item for section in payload for item in section["items"]]
    for section in payload:
        for item in section["items"]:
            assert not {"effectiveness", "correct", "rationale", "key"} & set(item)
            for option in item.get("options", []):
                assert set(option) == {"id", "label"}
    half = len(items) // 2
    sessions.save_answers(db, invitation, catalog, {i["id"]: answer_for(i) for i in items[:half]})
    db.commit()
    # a second device: what was saved is there
    assert set(sessions.stored_answers(db, invitation)) == {i["id"] for i in items[:half]}
    with pytest.raises(Conflict, match="unanswered"):
        results.complete(db, catalog, invitation)
    # retrying the same save duplicates nothing; a changed answer replaces the old one
    first = items[0]
    sessions.save_answers(db, invitation, catalog, {first["id"]: answer_for(first, strong=False)})
    sessions.save_answers(db, invitation, catalog, {first["id"]: answer_for(first, strong=False)})
    assert db.exec(select(Answer).where(Answer.item_id == first["id"])).one().value == answer_for(
        first, strong=False
    )
    sessions.save_answers(db, invitation, catalog, {i["id"]: answer_for(i) for i in items[half:]})
    snapshot = results.complete(db, catalog, invitation)
    db.commit()
    assert invitation.status(snapshot.created_at) is InvitationStatus.completed
    assert snapshot.model_version == catalog.model.version
    assert set(snapshot.instrument_versions) == set(
        catalog.batteries["candidate-general"].instruments
    )
    assert snapshot.recommendation in OUTCOMES
    assert snapshot.scores["engine"] == 2 and snapshot.scores["outcome"] == snapshot.recommendation
    assert set(snapshot.scores["competencies"]) == set(catalog.model.competency_ids)
    assert snapshot.provisional is False
    with pytest.raises(Conflict, match="completed"):
        sessions.save_answers(db, invitation, catalog, {first["id"]: answer_for(first)})
    assert len(db.exec(select(ScoreSnapshot)).all()) == 1


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"fc_01": 9}, "fc_01"),
        ({"fc_01": "many"}, "fc_01"),
        ({"no_such_item": 3}, "Unknown item 'no_such_item'"),
        ({"fc_01": {"most": "fc_ng_6", "least": "fc_ce_6"}, "fc_02": 0}, "fc_02"),
    ],
)
def test_a_bad_answer_rejects_the_whole_request(
    db: Session, catalog: Catalog, invited: Any, answers: dict[str, Any], message: str
) -> None:
    _, _, done = invited
    sessions.record_consent(db, done.invitation, accepted=True, language="ru")
    with pytest.raises(Invalid, match=message):
        sessions.save_answers(db, done.invitation, catalog, answers)
    assert db.exec(select(Answer)).all() == []
