"""The /api/v1 integration API: campaigns, invitations, results, reports and the candidate's
session, as an ATS would drive them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.db import ORGANISATION_KEY, utcnow
from app.models import Answer, Consent, Invitation, OutboxMessage, Person, Role, ScoreSnapshot
from app.scoring.loader import Catalog
from app.scoring.validity import FLAGS
from app.services.accounts import create_api_token
from app.services.snapshot_view import OUTCOMES
from tests.factories import answer_for, create_organisation, create_user
from tests.web.payload_v2 import payload_v2, stamp

BATTERY = "candidate-general"
FORBIDDEN_KEYS = {"effectiveness", "correct", "rationale", "key", "keys", "scoring"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Org:
    hr: dict[str, str]
    head: dict[str, str]
    manager: dict[str, str]
    admin: dict[str, str]


def _org(db: Session) -> Org:
    organisation = create_organisation(db)
    tokens = {}
    for role in (Role.hr, Role.head_of_sales, Role.manager, Role.admin):
        user = create_user(db, organisation=organisation, role=role)
        _, tokens[role] = create_api_token(db, email=user.email)
    db.commit()
    return Org(
        bearer(tokens[Role.hr]),
        bearer(tokens[Role.head_of_sales]),
        bearer(tokens[Role.manager]),
        bearer(tokens[Role.admin]),
    )


@pytest.fixture
def org(db: Session) -> Org:
    return _org(db)


def unscoped(db: Session) -> Session:
    """The test's session as it was before a request scoped it to an organisation."""
    db.info.pop(ORGANISATION_KEY, None)
    return db


def new_campaign(client: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body = {"name": "Spring hiring", "target_role": "either", "battery": BATTERY, "language": "en"}
    body.update(overrides)
    response = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def invite(
    client: TestClient, headers: dict[str, str], campaign_id: int, *people: dict[str, str]
) -> list[dict[str, Any]]:
    response = client.post(
        f"/api/v1/campaigns/{campaign_id}/invitations",
        json={"people": list(people)},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


ANNA = {
    "full_name": "Anna Petrova",
    "email": "anna@example.com",
    "language": "ru",
    "kind": "candidate",
}
BORIS = {
    "full_name": "Boris Ivanov",
    "email": "boris@example.com",
    "language": "en",
    "kind": "candidate",
}


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def items_of(session: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for section in session["sections"] for item in section["items"]]


def keys_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


@pytest.fixture
def started(client: TestClient, org: Org) -> tuple[str, list[dict[str, Any]]]:
    """A consenting candidate's token and the items of the questionnaire."""
    campaign = new_campaign(client, org.hr)
    [invited] = invite(client, org.hr, campaign["id"], ANNA)
    token = token_of(invited["url"])
    assert (
        client.post(f"/api/v1/sessions/{token}/consent", json={"accepted": True}).status_code == 200
    )
    return token, items_of(client.get(f"/api/v1/sessions/{token}").json())


# ----------------------------------------------------------------------------- the whole flow


def test_an_integrator_runs_a_campaign_from_creation_to_report(
    client: TestClient, db: Session, catalog: Catalog, org: Org
) -> None:
    deadline = (utcnow().date() + timedelta(days=30)).isoformat()
    campaign = new_campaign(
        client, org.hr, target_role="active", deadline=deadline, candidate_feedback=True
    )
    assert {k: campaign[k] for k in ("name", "target_role", "battery", "language")} == {
        "name": "Spring hiring",
        "target_role": "active",
        "battery": BATTERY,
        "language": "en",
    }
    assert campaign["deadline"] == deadline and campaign["candidate_feedback"] is True
    assert campaign["status"] == "open" and campaign["created_at"]
    assert set(campaign["counts"].values()) == {0} and "completed" in campaign["counts"]
    assert client.get(f"/api/v1/campaigns/{campaign['id']}", headers=org.hr).json() == campaign

    anna, boris = invite(client, org.hr, campaign["id"], ANNA, BORIS)
    for invited in (anna, boris):
        assert invited["url"].startswith("http://testserver/a/") and invited["created"] is True
        assert invited["expires_at"].startswith(deadline)
    mails = unscoped(db).exec(select(OutboxMessage.to_address)).all()
    assert sorted(mails) == ["anna@example.com", "boris@example.com"]

    # the candidate's side: no Bearer, the token from the link
    token = token_of(anna["url"])
    session = client.get(f"/api/v1/sessions/{token}").json()
    assert session["status"] == "opened" and session["consent_required"] is True
    assert session["language"] == "ru" and session["answers"] == {}
    assert [s["id"] for s in session["sections"]] == list(catalog.batteries[BATTERY].instruments)
    assert not FORBIDDEN_KEYS & keys_in(session["sections"])
    for item in items_of(session):
        for option in item["options"] or []:
            assert set(option) == {"id", "label"}
    items = items_of(session)

    refused = client.put(f"/api/v1/sessions/{token}/answers", json={"answers": {}})
    assert refused.status_code == 409 and "согласие" in refused.json()["detail"]  # her language
    consent = client.post(f"/api/v1/sessions/{token}/consent", json={"accepted": True})
    assert consent.status_code == 200
    assert consent.json() == {"status": "opened", "consent_required": False}

    half = len(items) // 2
    first = {i["id"]: answer_for(i) for i in items[:half]}
    saved = client.put(
        f"/api/v1/sessions/{token}/answers",
        json={"answers": first, "seconds": dict.fromkeys(first, 7.5)},
    )
    assert saved.status_code == 200 and saved.json() == {"saved": half}
    early = client.post(f"/api/v1/sessions/{token}/complete")
    assert early.status_code == 409 and early.json()["detail"]
    english = client.post(f"/api/v1/sessions/{token}/complete?lang=en")
    assert "unanswered" in english.json()["detail"]
    client.cookies.clear()
    # another device resumes where the person stopped
    resumed = client.get(f"/api/v1/sessions/{token}").json()
    assert resumed["status"] == "in_progress" and set(resumed["answers"]) == set(first)

    rest = {i["id"]: answer_for(i) for i in items[half:]}
    assert client.put(f"/api/v1/sessions/{token}/answers", json={"answers": rest}).json() == {
        "saved": len(rest)
    }
    done = client.post(f"/api/v1/sessions/{token}/complete")
    assert done.status_code == 200 and done.json() == {"status": "completed"}
    assert client.post(f"/api/v1/sessions/{token}/complete").json() == {"status": "completed"}
    late = client.put(f"/api/v1/sessions/{token}/answers", json={"answers": first})
    assert late.status_code == 409 and late.json()["detail"]
    closed = client.get(f"/api/v1/sessions/{token}").json()
    assert closed["status"] == "completed" and closed["sections"] == [] and closed["answers"] == {}

    results = client.get(f"/api/v1/campaigns/{campaign['id']}/results", headers=org.head)
    assert results.status_code == 200
    by_person = {r["person_id"]: r for r in results.json()}
    assert set(by_person) == {anna["person_id"], boris["person_id"]}
    result = by_person[anna["person_id"]]
    assert result["status"] == "completed" and result["provisional"] is False
    assert set(result["competencies"]) == set(catalog.model.competency_ids)
    measured = {k: c for k, c in result["competencies"].items() if c["measured"]}
    # product knowledge rests on the self-report alone without a company product test (content
    # 1.1), and Anna's all-top answers trip impression management, which sets it aside
    assert set(result["competencies"]) - set(measured) <= {"product_knowledge"}
    assert all(0 <= c["score"] <= 100 for c in measured.values())
    for c in measured.values():  # every score with its interval
        assert c["low"] <= c["score"] <= c["high"] and c["se"] > 0
    assert set(result["fit"]) == set(catalog.model.profile_ids)
    assert set(result["fit_low"]) == set(result["fit_high"]) == set(result["probabilities"])
    assert result["engine"] == 2 and result["level"] == 0.8
    assert result["recommendation"] in OUTCOMES and result["outcome"] == result["recommendation"]
    assert result["confidence"] and result["confidence_text"]
    assert isinstance(result["flags"], list)
    assert [f["code"] for f in result["flag_details"]] == result["flags"]
    assert by_person[boris["person_id"]] == {
        "person_id": boris["person_id"],
        "status": "invited",
        "engine": None,
        "model_version": None,
        "level": None,
        "competencies": {},
        "fit": {},
        "fit_low": {},
        "fit_high": {},
        "probabilities": {},
        "differential": None,
        "recommendation": None,
        "outcome": None,
        "confidence": None,
        "confidence_text": None,
        "open_competencies": [],
        "next_steps": [],
        "invalid_reasons": [],
        "flags": [],
        "flag_details": [],
        "provisional": False,
    }
    counts = client.get(f"/api/v1/campaigns/{campaign['id']}", headers=org.hr).json()["counts"]
    assert counts["completed"] == 1 and counts["invited"] == 1

    report = client.get(f"/api/v1/people/{anna['person_id']}/report", headers=org.hr).json()
    assert report["person"] == {
        "id": anna["person_id"],
        "full_name": "Anna Petrova",
        "email": "anna@example.com",
        "kind": "candidate",
        "language": "ru",
    }
    [entry] = report["invitations"]
    assert entry["invitation_id"] == anna["invitation_id"] and entry["status"] == "completed"
    assert entry["campaign"] == {"id": campaign["id"], "name": "Spring hiring"}
    snapshot = entry["result"]
    assert snapshot["model_version"] == catalog.model.version
    assert set(snapshot["instrument_versions"]) == set(catalog.batteries[BATTERY].instruments)
    assert snapshot["scores"]["recommendation"] == result["recommendation"]
    assert snapshot["provisional"] is False and snapshot["created_at"]
    assert snapshot["engine"] == 2
    # the same report model as the page and report.json: fit with reasons, interview guide,
    # development plan, intervals and the outcome
    full = report["report"]
    assert full["recommendation"]["code"] == result["recommendation"]
    assert full["invitation_id"] == anna["invitation_id"]
    assert {f["profile"] for f in full["fit"]} == set(catalog.model.profile_ids)
    for f in full["fit"]:
        assert f["probability"] == round(result["probabilities"][f["profile"]], 3)
        assert "strengths" in f and "gaps" in f and "knockouts" in f
    assert "interview" in full and "development" in full
    assert [c["id"] for c in full["competencies"]] == list(catalog.model.competency_ids)
    for c in full["competencies"]:
        low = result["competencies"][c["id"]]["low"]
        assert c["low"] == (None if low is None else round(low, 1))
    client.cookies.clear()
    page = client.get(f"/api/v1/people/{anna['person_id']}/report", headers=org.hr)
    assert page.json()["report"]["caveats"] == full["caveats"]
    empty = client.get(f"/api/v1/people/{boris['person_id']}/report", headers=org.hr).json()
    assert empty["invitations"][0]["result"] is None
    assert empty["report"] is None


def test_results_mark_each_flag_with_its_severity_and_meaning(
    client: TestClient,
    db: Session,
    catalog: Catalog,
    org: Org,
    started: tuple[str, list[dict[str, Any]]],
) -> None:
    token, items = started
    client.put(
        f"/api/v1/sessions/{token}/answers",
        json={"answers": {i["id"]: answer_for(i) for i in items}},
    )
    assert client.post(f"/api/v1/sessions/{token}/complete").status_code == 200
    snapshot = unscoped(db).exec(select(ScoreSnapshot)).one()
    stamp(
        db,
        snapshot,
        payload_v2(
            catalog,
            outcome="invalid",
            confidence="low",
            flags=["failed_attention", "method_discrepancy"],
        ),
    )
    campaign_id = snapshot.campaign_id
    [result] = client.get(f"/api/v1/campaigns/{campaign_id}/results?lang=en", headers=org.hr).json()
    assert result["recommendation"] == result["outcome"] == "invalid"
    assert result["invalid_reasons"] == ["failed_attention"]
    assert result["flag_details"] == [
        {
            "code": "failed_attention",
            "severity": "serious",
            "title": "Attention check failed",
            "text": FLAGS["failed_attention"].en,
        },
        {
            "code": "method_discrepancy",
            "severity": "caution",
            "title": "Methods disagree",
            "text": FLAGS["method_discrepancy"].en,
        },
    ]
    person_id = result["person_id"]
    report = client.get(f"/api/v1/people/{person_id}/report?lang=en", headers=org.hr).json()
    assert [f["severity"] for f in report["invitations"][0]["result"]["flag_details"]] == [
        "serious",
        "caution",
    ]
    assert report["report"]["recommendation"]["code"] == "invalid"
    assert [f["severity"] for f in report["report"]["flags"]] == ["serious", "caution"]


# ----------------------------------------------------------------------------- answers


@pytest.mark.parametrize(
    "bad",
    [
        {"value": 99},
        {"value": "many"},
        {"value": None},
        {"value": True},
        {"value": 10**30},
        {"value": [1, 2]},
        {"value": {"a": 1}},
        {"unknown": "no_such_item"},
    ],
)
def test_a_bad_answer_refuses_the_whole_request_and_stores_nothing(
    client: TestClient, db: Session, started: tuple[str, list[dict[str, Any]]], bad: dict[str, Any]
) -> None:
    token, items = started
    block = next(i for i in items if i["type"] == "forced_choice")
    good = items[-1]
    answers = {good["id"]: answer_for(good)}
    if "unknown" in bad:
        answers[bad["unknown"]] = 3
        at_fault = bad["unknown"]
    else:
        answers[block["id"]] = bad["value"]
        at_fault = block["id"]
    response = client.put(f"/api/v1/sessions/{token}/answers", json={"answers": answers})
    assert response.status_code == 422, response.text
    assert response.json()["item"] == at_fault and at_fault in response.json()["detail"]
    assert client.get(f"/api/v1/sessions/{token}").json()["answers"] == {}
    assert unscoped(db).exec(select(Answer)).all() == []


def test_text_with_a_nul_character_is_refused(
    client: TestClient, started: tuple[str, list[dict[str, Any]]]
) -> None:
    token, items = started
    choice = next(i for i in items if i["options"])
    response = client.put(
        f"/api/v1/sessions/{token}/answers", json={"answers": {choice["id"]: "a\u0000b"}}
    )
    # refused like any invalid request body, by the app-wide guard (app/web/input_guard.py)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "answers", choice["id"]]


def test_a_malformed_body_gets_422_not_500(
    client: TestClient, started: tuple[str, list[dict[str, Any]]]
) -> None:
    token, _ = started
    url = f"/api/v1/sessions/{token}/answers"
    for content in [
        b"{",
        b"[]",
        b'{"answers": 5}',
        b'{"answers": {}, "seconds": {"x": -1}}',
        b'{"answers": {}, "seconds": {"x": NaN}}',  # an error response cannot echo NaN
    ]:
        response = client.put(url, content=content, headers={"Content-Type": "application/json"})
        assert response.status_code == 422, content
    assert client.put(url, json={"answers": {}, "extra": 1}).status_code == 422


def test_saving_again_is_idempotent_and_the_last_write_wins(
    client: TestClient, db: Session, started: tuple[str, list[dict[str, Any]]]
) -> None:
    token, items = started
    block = next(i for i in items if i["type"] == "forced_choice")
    a, b = (o["id"] for o in block["options"][:2])
    first, last = {"most": a, "least": b}, {"most": b, "least": a}
    url = f"/api/v1/sessions/{token}/answers"
    for _ in range(2):
        assert client.put(url, json={"answers": {block["id"]: first}}).json() == {"saved": 1}
    assert client.put(url, json={"answers": {block["id"]: last}}).status_code == 200
    assert client.get(f"/api/v1/sessions/{token}").json()["answers"] == {block["id"]: last}
    [stored] = unscoped(db).exec(select(Answer).where(Answer.item_id == block["id"])).all()
    assert stored.value == last and stored.revision == 3


def test_a_timed_section_reports_its_time_left(
    client: TestClient, catalog: Catalog, started: tuple[str, list[dict[str, Any]]]
) -> None:
    token, _ = started
    session = client.get(f"/api/v1/sessions/{token}").json()
    timed = next(s for s in session["sections"] if s["time_limit_s"])
    assert session["remaining_s"] == {}
    response = client.post(f"/api/v1/sessions/{token}/sections/{timed['id']}/start")
    assert response.status_code == 200
    assert timed["time_limit_s"] - 5 <= response.json()["remaining_s"] <= timed["time_limit_s"]
    again = client.get(f"/api/v1/sessions/{token}").json()["remaining_s"]
    assert set(again) == {timed["id"]}
    assert client.post(f"/api/v1/sessions/{token}/sections/nope/start").status_code == 404


def test_an_expired_link_gets_410_and_a_declined_one_409(
    client: TestClient, db: Session, org: Org
) -> None:
    campaign = new_campaign(client, org.hr)
    first, second = invite(client, org.hr, campaign["id"], BORIS, ANNA)
    expired, declined = token_of(first["url"]), token_of(second["url"])
    assert (
        client.post(f"/api/v1/sessions/{expired}/consent", json={"accepted": True}).status_code
        == 200
    )
    invitation = unscoped(db).get(Invitation, first["invitation_id"])
    assert invitation is not None
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.add(invitation)
    db.commit()
    response = client.put(f"/api/v1/sessions/{expired}/answers", json={"answers": {}})
    assert response.status_code == 410 and "expired" in response.json()["detail"]
    assert client.get(f"/api/v1/sessions/{expired}").json()["status"] == "expired"

    response = client.post(f"/api/v1/sessions/{declined}/consent", json={"accepted": False})
    assert response.status_code == 200
    assert response.json() == {"status": "declined", "consent_required": True}
    refused = client.put(f"/api/v1/sessions/{declined}/answers", json={"answers": {}})
    assert refused.status_code == 409 and refused.json()["detail"]
    assert client.post(f"/api/v1/sessions/{declined}/complete").status_code == 409
    again = client.post(f"/api/v1/sessions/{declined}/consent", json={"accepted": True})
    assert again.status_code == 409
    consents = (
        unscoped(db)
        .exec(select(Consent.accepted).where(Consent.invitation_id == second["invitation_id"]))
        .all()
    )
    assert consents == [False]
    assert client.get(f"/api/v1/sessions/{declined}").json()["sections"] == []


def test_consent_must_be_a_real_boolean(client: TestClient, org: Org) -> None:
    campaign = new_campaign(client, org.hr)
    [invited] = invite(client, org.hr, campaign["id"], ANNA)
    url = f"/api/v1/sessions/{token_of(invited['url'])}/consent"
    for body in [{}, {"accepted": "yes"}, {"accepted": 1}]:
        assert client.post(url, json=body).status_code == 422


def test_every_bad_token_gets_the_same_404(client: TestClient, org: Org) -> None:
    campaign = new_campaign(client, org.hr)
    [invited] = invite(client, org.hr, campaign["id"], ANNA)
    real = token_of(invited["url"])
    for token in ["x", real[:-1] + ("A" if real[-1] != "A" else "B"), "a" * 300, "%20"]:
        calls = [
            client.get(f"/api/v1/sessions/{token}"),
            client.post(f"/api/v1/sessions/{token}/consent", json={"accepted": True}),
            client.put(f"/api/v1/sessions/{token}/answers", json={"answers": {}}),
            client.post(f"/api/v1/sessions/{token}/complete"),
        ]
        for response in calls:
            assert response.status_code == 404 and response.json() == {"detail": "not found"}


# ----------------------------------------------------------------------------- staff side


def test_invitations_are_checked_first_and_never_duplicated(
    client: TestClient, db: Session, org: Org
) -> None:
    campaign = new_campaign(client, org.hr)
    response = client.post(
        f"/api/v1/campaigns/{campaign['id']}/invitations",
        json={"people": [ANNA, {**BORIS, "email": "not-an-email"}, {**BORIS, "language": "de"}]},
        headers=org.hr,
    )
    assert response.status_code == 422
    body = response.json()
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "email"), (2, "language")]
    assert "not-an-email" in body["detail"]
    assert unscoped(db).exec(select(Person)).all() == []
    assert db.exec(select(OutboxMessage)).all() == []

    [first] = invite(client, org.hr, campaign["id"], ANNA)
    [again] = invite(client, org.hr, campaign["id"], {**ANNA, "email": "ANNA@example.com"})
    assert again["invitation_id"] == first["invitation_id"] and again["url"] == first["url"]
    assert again["created"] is False
    assert len(unscoped(db).exec(select(Invitation)).all()) == 1
    assert len(db.exec(select(OutboxMessage)).all()) == 1
    # language and kind may be left out: the campaign's language, a candidate
    [carl] = invite(client, org.hr, campaign["id"], {"full_name": "Carl", "email": "c@example.com"})
    person = unscoped(db).get(Person, carl["person_id"])
    assert person is not None and person.language == "en" and person.kind == "candidate"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"battery": "no-such-battery"}, "battery"),
        ({"name": "   "}, "name"),
        ({"deadline": "2001-01-01"}, "deadline"),
    ],
)
def test_a_bad_campaign_is_refused_naming_the_field(
    client: TestClient, db: Session, org: Org, changes: dict[str, Any], field: str
) -> None:
    body = {"name": "X", "target_role": "either", "battery": BATTERY, "language": "en", **changes}
    response = client.post("/api/v1/campaigns", json=body, headers=org.hr)
    assert response.status_code == 422 and response.json()["field"] == field
    assert response.json()["detail"]


def test_the_request_shape_is_checked_too(client: TestClient, org: Org) -> None:
    body = {"name": "X", "target_role": "either", "battery": BATTERY, "language": "en"}
    for bad in [
        {"target_role": "hunter"},
        {"language": "de"},
        {"deadline": "soon"},
        {"candidate_feeback": True},
        {"name": "a\u0000b"},
    ]:
        response = client.post("/api/v1/campaigns", json={**body, **bad}, headers=org.hr)
        assert response.status_code == 422, bad
    assert client.get("/api/v1/campaigns/abc", headers=org.hr).status_code == 422
    assert client.get(f"/api/v1/campaigns/{10**12}", headers=org.hr).status_code == 422


def test_roles_limit_the_staff_endpoints(client: TestClient, org: Org) -> None:
    campaign = new_campaign(client, org.admin)
    [invited] = invite(client, org.hr, campaign["id"], ANNA)
    body = {"name": "X", "target_role": "either", "battery": BATTERY, "language": "en"}
    for headers in (org.manager, org.head):
        assert client.post("/api/v1/campaigns", json=body, headers=headers).status_code == 403
        # a head of sales reads campaigns (as results); a manager does not
        expected = 200 if headers is org.head else 403
        assert (
            client.get(f"/api/v1/campaigns/{campaign['id']}", headers=headers).status_code
            == expected
        )
        refused = client.post(
            f"/api/v1/campaigns/{campaign['id']}/invitations",
            json={"people": [BORIS]},
            headers=headers,
        )
        assert refused.status_code == 403 and refused.json()["detail"]
    results = f"/api/v1/campaigns/{campaign['id']}/results"
    report = f"/api/v1/people/{invited['person_id']}/report"
    assert client.get(results, headers=org.manager).status_code == 403
    assert client.get(report, headers=org.manager).status_code == 403
    for headers in (org.head, org.hr, org.admin):
        assert client.get(results, headers=headers).status_code == 200
        assert client.get(report, headers=headers).status_code == 200
    assert client.get(results).status_code == 401
    assert client.post("/api/v1/campaigns", json=body).status_code == 401


def test_another_organisations_objects_are_not_found(
    client: TestClient, db: Session, org: Org
) -> None:
    other = _org(unscoped(db))
    campaign = new_campaign(client, other.hr)
    [invited] = invite(client, other.hr, campaign["id"], ANNA)
    paths = [
        f"/api/v1/campaigns/{campaign['id']}",
        f"/api/v1/campaigns/{campaign['id']}/results",
        f"/api/v1/people/{invited['person_id']}/report",
    ]
    for path in paths:
        response = client.get(path, headers=org.hr)
        assert response.status_code == 404 and response.json()["detail"], path
    response = client.post(
        f"/api/v1/campaigns/{campaign['id']}/invitations", json={"people": [BORIS]}, headers=org.hr
    )
    assert response.status_code == 404
    assert unscoped(db).exec(select(Person).where(col(Person.email) == BORIS["email"])).all() == []


def test_the_openapi_document_describes_every_endpoint(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    expected = {
        ("/api/v1/campaigns", "post"): "campaigns",
        ("/api/v1/campaigns/{campaign_id}", "get"): "campaigns",
        ("/api/v1/campaigns/{campaign_id}/invitations", "post"): "campaigns",
        ("/api/v1/campaigns/{campaign_id}/results", "get"): "results",
        ("/api/v1/people/{person_id}/report", "get"): "results",
        ("/api/v1/sessions/{token}", "get"): "candidate sessions",
        ("/api/v1/sessions/{token}/consent", "post"): "candidate sessions",
        ("/api/v1/sessions/{token}/answers", "put"): "candidate sessions",
        ("/api/v1/sessions/{token}/complete", "post"): "candidate sessions",
    }
    for (path, method), tag in expected.items():
        operation = spec["paths"][path][method]
        assert operation["tags"] == [tag] and operation["summary"], path
        success = operation["responses"][
            "201" if method == "post" and tag == "campaigns" else "200"
        ]
        assert "$ref" in str(success["content"]["application/json"]["schema"]), path
        if tag == "candidate sessions":
            assert "security" not in operation, path
        else:
            assert operation["security"], path
