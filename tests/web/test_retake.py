"""A retake in one step: POST /api/v1/invitations/{id}/retake and the form action
POST /hr/invitations/{id}/retake give a fresh link for the instruments whose answers cannot
be used, keep the old answers, stop the old link and queue the invitation e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import Markup
from sqlmodel import Session, col, select

from app.db import ORGANISATION_KEY, utcnow
from app.models import (
    Answer,
    AssessmentSession,
    AuditEvent,
    Invitation,
    OutboxMessage,
    Role,
    ScoreSnapshot,
    SessionStatus,
)
from app.scoring.definitions import ForcedChoice
from app.scoring.loader import Catalog
from app.scoring.tirt import respond
from app.services.accounts import create_api_token
from app.services.retake import retake_view
from app.web.templating import templates
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, answer_for, create_organisation, create_user

BATTERY = "candidate-general"
SELF_REPORT = "sales_forced_choice"  # the candidate batteries' self-description (issue 13)
ANNA = {"full_name": "Anna Petrova", "email": "anna@example.com", "language": "en"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Org:
    headers: dict[Role, dict[str, str]]
    emails: dict[Role, str]


def _org(db: Session) -> Org:
    db.info.pop(ORGANISATION_KEY, None)  # a request may have scoped the test's session
    organisation = create_organisation(db)
    headers, emails = {}, {}
    for role in (Role.hr, Role.head_of_sales, Role.manager, Role.admin):
        user = create_user(db, organisation=organisation, role=role)
        _, token = create_api_token(db, email=user.email)
        headers[role], emails[role] = bearer(token), user.email
    db.commit()
    return Org(headers, emails)


@pytest.fixture
def org(db: Session) -> Org:
    return _org(db)


def unscoped(db: Session) -> Session:
    db.info.pop(ORGANISATION_KEY, None)
    return db


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def items_of(session: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for section in session["sections"] for item in section["items"]]


@dataclass
class Done:
    campaign_id: int
    invitation_id: int
    person_id: int
    token: str
    answers: dict[str, Any]
    sections: dict[str, list[str]]  # instrument id -> item ids


def _completed(client: TestClient, org: Org) -> Done:
    """A candidate who answered the forced-choice questionnaire without reading it: every
    attention check missed (a serious flag)."""
    hr = org.headers[Role.hr]
    body = {"name": "Spring", "target_role": "either", "battery": BATTERY, "language": "en"}
    campaign = client.post("/api/v1/campaigns", json=body, headers=hr).json()
    [invited] = client.post(
        f"/api/v1/campaigns/{campaign['id']}/invitations", json={"people": [ANNA]}, headers=hr
    ).json()
    token = token_of(invited["url"])
    assert client.post(f"/api/v1/sessions/{token}/consent", json={"accepted": True}).is_success
    session = client.get(f"/api/v1/sessions/{token}").json()
    answers = {item["id"]: answer_for(item) for item in items_of(session)}
    for item_id in answers:
        if item_id.startswith("fc_check_"):  # the instructed picks the other way round
            answers[item_id] = {"most": f"{item_id}_l", "least": f"{item_id}_m"}
    saved = client.put(f"/api/v1/sessions/{token}/answers", json={"answers": answers})
    assert saved.status_code == 200, saved.text
    done = client.post(f"/api/v1/sessions/{token}/complete")
    assert done.json() == {"status": "completed"}, done.text
    sections = {s["id"]: [i["id"] for i in s["items"]] for s in session["sections"]}
    return Done(
        campaign["id"], invited["invitation_id"], invited["person_id"], token, answers, sections
    )


@pytest.fixture
def done(client: TestClient, org: Org) -> Done:
    return _completed(client, org)


def _session_rows(db: Session, person_id: int) -> list[AssessmentSession]:
    return list(
        unscoped(db).exec(
            select(AssessmentSession)
            .where(AssessmentSession.person_id == person_id)
            .order_by(col(AssessmentSession.id))
        )
    )


# ----------------------------------------------------------------------------- API


def _latest(db: Session, invitation_id: int) -> ScoreSnapshot:
    snapshot = (
        unscoped(db)
        .exec(
            select(ScoreSnapshot)
            .where(ScoreSnapshot.invitation_id == invitation_id)
            .order_by(col(ScoreSnapshot.id).desc())
        )
        .first()
    )
    assert snapshot is not None
    return snapshot


def test_the_api_retakes_the_flagged_instrument_with_a_fresh_link(
    client: TestClient, db: Session, catalog: Catalog, org: Org, done: Done
) -> None:
    first = _latest(db, done.invitation_id)
    assert first.recommendation == "invalid"
    assert "failed_attention" in set(first.flags)
    before = {s.instrument_id: s.id for s in _session_rows(db, done.person_id)}
    response = client.post(
        f"/api/v1/invitations/{done.invitation_id}/retake", headers=org.headers[Role.hr]
    )
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["instruments"] == [SELF_REPORT]  # the default: the serious flags' instrument
    assert out["superseded_sessions"] == [before[SELF_REPORT]]
    assert out["mail_queued"] is True and out["status"] == "in_progress"
    new_token = token_of(out["url"])
    assert new_token != done.token and out["url"].startswith("http://testserver/a/")

    # the old link is dead, the new one works and asks only for the retaken instrument
    assert client.get(f"/api/v1/sessions/{done.token}").status_code == 404
    assert client.get(f"/a/{done.token}").status_code == 404
    assert client.get(f"/a/{new_token}").status_code == 200
    opened = client.get(f"/api/v1/sessions/{new_token}")
    assert opened.status_code == 200, opened.text
    kept = opened.json()["answers"]
    assert not set(kept) & set(done.sections[SELF_REPORT])
    others = {i for s, ids in done.sections.items() if s != SELF_REPORT for i in ids}
    assert set(kept) == others

    # the old answers are kept, on a superseded session detached from the invitation
    rows = _session_rows(db, done.person_id)
    old = next(s for s in rows if s.id == before[SELF_REPORT])
    assert old.status == SessionStatus.superseded and old.invitation_id is None
    old_answers = unscoped(db).exec(select(Answer).where(Answer.session_id == old.id)).all()
    assert {a.item_id: a.value for a in old_answers} == {
        i: done.answers[i] for i in done.sections[SELF_REPORT]
    }

    # the invitation mail went out again with the new link, and the step is audited
    mails = (
        unscoped(db)
        .exec(
            select(OutboxMessage).where(
                OutboxMessage.dedupe_key == f"retake:{done.invitation_id}:0"
            )
        )
        .all()
    )
    assert len(mails) == 1 and mails[0].to_address == ANNA["email"]
    assert out["url"] in mails[0].body_text and done.token not in mails[0].body_text
    [event] = (
        unscoped(db).exec(select(AuditEvent).where(AuditEvent.action == "invitation.retake")).all()
    )
    assert event.object_id == str(done.invitation_id) and event.person_id == done.person_id
    assert event.details["instruments"] == [SELF_REPORT]
    assert event.details["superseded_sessions"] == [before[SELF_REPORT]]

    # the person answers again (attentively this time) and finishes: a new, valid result
    definition = catalog.instruments[SELF_REPORT].definition
    assert isinstance(definition, ForcedChoice)
    again: dict[str, Any] = {
        item.id: pick
        for item, pick in zip(
            definition.items,
            respond(definition, {}, [0.0] * 3 * len(definition.blocks)),
            strict=True,
        )
    }
    saved = client.put(f"/api/v1/sessions/{new_token}/answers", json={"answers": again})
    assert saved.status_code == 200, saved.text
    finished = client.post(f"/api/v1/sessions/{new_token}/complete")
    assert finished.json() == {"status": "completed"}, finished.text
    rows = _session_rows(db, done.person_id)
    assert [s.instrument_id for s in rows].count(SELF_REPORT) == 2
    invitation = unscoped(db).get(Invitation, done.invitation_id)
    assert invitation is not None and invitation.completed_at is not None
    second = _latest(db, done.invitation_id)
    assert second.id != first.id and second.recommendation != "invalid"
    assert "failed_attention" not in set(second.flags)


def test_named_instruments_are_retaken_and_a_second_retake_numbers_its_mail(
    client: TestClient, db: Session, org: Org, done: Done
) -> None:
    url = f"/api/v1/invitations/{done.invitation_id}/retake"
    hr = org.headers[Role.admin]
    first = client.post(url, json={"instruments": ["sales_sjt", SELF_REPORT]}, headers=hr)
    assert first.status_code == 200, first.text
    assert first.json()["instruments"] == ["sales_sjt", SELF_REPORT]
    # nothing is flagged now (the flagged answers are superseded): name what to retake
    nothing = client.post(url, headers=hr)
    assert nothing.status_code == 409 and "instruments" in nothing.json()["detail"]
    second = client.post(url, json={"instruments": ["sales_method_knowledge"]}, headers=hr)
    assert second.status_code == 200, second.text
    keys = (
        unscoped(db)
        .exec(
            select(OutboxMessage.dedupe_key).where(col(OutboxMessage.dedupe_key).like("retake:%"))
        )
        .all()
    )
    assert sorted(keys) == [f"retake:{done.invitation_id}:0", f"retake:{done.invitation_id}:1"]
    assert client.get(f"/api/v1/sessions/{token_of(first.json()['url'])}").status_code == 404


@pytest.mark.parametrize(
    ("body", "status_code", "said"),
    [
        ({"instruments": ["no_such_test"]}, 422, "not part of this assessment"),
        ({"instruments": ["manager_rating"]}, 422, "not part of this assessment"),
        ({"instruments": []}, 422, "at least one"),
        ({"instruments": "sales_sjt"}, 422, None),
        ({"other": 1}, 422, None),
    ],
)
def test_a_bad_body_is_refused_and_changes_nothing(
    client: TestClient,
    db: Session,
    org: Org,
    done: Done,
    body: dict[str, Any],
    status_code: int,
    said: str | None,
) -> None:
    response = client.post(
        f"/api/v1/invitations/{done.invitation_id}/retake", json=body, headers=org.headers[Role.hr]
    )
    assert response.status_code == status_code, response.text
    if said:
        assert said in response.json()["detail"]
    assert client.get(f"/api/v1/sessions/{done.token}").status_code == 200
    assert all(s.status != SessionStatus.superseded for s in _session_rows(db, done.person_id))


def test_an_instrument_never_started_has_nothing_to_retake(client: TestClient, org: Org) -> None:
    hr = org.headers[Role.hr]
    body = {"name": "Autumn", "target_role": "either", "battery": BATTERY, "language": "en"}
    campaign = client.post("/api/v1/campaigns", json=body, headers=hr).json()
    [invited] = client.post(
        f"/api/v1/campaigns/{campaign['id']}/invitations", json={"people": [ANNA]}, headers=hr
    ).json()
    response = client.post(
        f"/api/v1/invitations/{invited['invitation_id']}/retake",
        json={"instruments": [SELF_REPORT]},
        headers=hr,
    )
    assert response.status_code == 409 and "not been started" in response.json()["detail"]


def test_a_revoked_invitation_cannot_be_retaken(
    client: TestClient, db: Session, org: Org, done: Done
) -> None:
    invitation = unscoped(db).get(Invitation, done.invitation_id)
    assert invitation is not None
    invitation.revoked_at = utcnow()
    db.add(invitation)
    db.commit()
    response = client.post(
        f"/api/v1/invitations/{done.invitation_id}/retake", headers=org.headers[Role.hr]
    )
    assert response.status_code == 409 and "revoked" in response.json()["detail"]


def test_only_hr_and_admins_of_the_organisation_may_retake(
    client: TestClient, db: Session, org: Org, done: Done
) -> None:
    url = f"/api/v1/invitations/{done.invitation_id}/retake"
    for role in (Role.head_of_sales, Role.manager):
        assert client.post(url, headers=org.headers[role]).status_code == 403
    other = _org(db)
    for role in (Role.hr, Role.admin):
        refused = client.post(url, headers=other.headers[role])
        assert refused.status_code == 404, refused.text
    assert client.post(url).status_code == 401
    # the candidate's own link token is no staff credential
    assert client.post(url, headers=bearer(done.token)).status_code == 401
    assert client.get(f"/api/v1/sessions/{done.token}").status_code == 200  # nothing changed


# ----------------------------------------------------------------------------- the form


def _signed_in(app_factory: Any, email: str) -> TestClient:
    browser: TestClient = app_factory()
    sign_in(browser, email, PASSWORD)
    return browser


def test_the_form_retakes_with_csrf_and_redirects_to_the_campaign(
    app_factory: Any, client: TestClient, db: Session, org: Org, done: Done
) -> None:
    browser = _signed_in(app_factory, org.emails[Role.hr])
    page = browser.get(f"/hr/campaigns/{done.campaign_id}")
    url = f"/hr/invitations/{done.invitation_id}/retake"
    no_csrf = browser.post(url, data={"instruments": SELF_REPORT}, follow_redirects=False)
    assert no_csrf.status_code == 403
    assert client.get(f"/api/v1/sessions/{done.token}").status_code == 200

    response = browser.post(
        url,
        data={"csrf_token": csrf_from(page.text), "instruments": [SELF_REPORT]},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/hr/campaigns/{done.campaign_id}?done=retake"
    assert client.get(f"/api/v1/sessions/{done.token}").status_code == 404
    superseded = [
        s for s in _session_rows(db, done.person_id) if s.status == SessionStatus.superseded
    ]
    assert [s.instrument_id for s in superseded] == [SELF_REPORT]
    notice = browser.get(response.headers["location"])
    assert "old link no longer works" in notice.text

    again = browser.post(url, data={"csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert again.status_code == 409 and "serious validity flag" in again.text


def test_the_form_is_refused_to_other_roles_and_organisations(
    app_factory: Any, client: TestClient, db: Session, org: Org, done: Done
) -> None:
    url = f"/hr/invitations/{done.invitation_id}/retake"
    manager = _signed_in(app_factory, org.emails[Role.manager])
    page = manager.get("/")
    refused = manager.post(url, data={"csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert refused.status_code == 403
    other = _org(db)
    stranger = _signed_in(app_factory, other.emails[Role.hr])
    page = stranger.get("/hr/campaigns")
    hidden = stranger.post(url, data={"csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert hidden.status_code == 404
    assert client.get(f"/api/v1/sessions/{done.token}").status_code == 200


# ----------------------------------------------------------------------------- the partial


def test_the_partial_offers_the_flagged_instrument_checked(
    client: TestClient, db: Session, catalog: Catalog, org: Org, done: Done
) -> None:
    invitation = unscoped(db).get(Invitation, done.invitation_id)
    assert invitation is not None
    view = retake_view(db, catalog, invitation, "ru")
    by_id = {i["id"]: i for i in view["instruments"]}
    assert view["invitation_id"] == done.invitation_id
    assert by_id[SELF_REPORT]["flagged"] is True
    assert {f["code"] for f in by_id[SELF_REPORT]["flags"]} >= {"failed_attention"}
    assert all(f["severity"] == "serious" for f in by_id[SELF_REPORT]["flags"])
    assert by_id["sales_sjt"]["flagged"] is False and "manager_rating" not in by_id

    class Request:  # what the partial uses of a request: url_for and the CSRF field
        def url_for(self, name: str, **params: Any) -> str:
            assert name == "retake:form"
            return f"/hr/invitations/{params['invitation_id']}/retake"

    html = templates.env.get_template("partials/retake.html").render(
        retake=view,
        request=Request(),
        url_for=Request().url_for,
        csrf_input=lambda _request: Markup('<input type="hidden" name="csrf_token" value="t">'),
    )
    assert f'action="/hr/invitations/{done.invitation_id}/retake"' in html
    assert f'value="{SELF_REPORT}" checked' in html
    assert 'value="sales_sjt">' in html
    assert 'name="csrf_token"' in html
