"""The structured interview filled in by API and on its page: each interviewer's ratings kept
apart, the result scored again with the interview as a method, what it changed on the
report, and an `uncertain` result proposing the interview for its open competencies."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.db import scope_to_organisation
from app.models import InterviewRating, Organisation, Role, ScoreSnapshot, Team
from app.scoring.definitions import Interview
from app.scoring.loader import Catalog
from app.services.results import interview_proposal
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, create_organisation, create_user
from tests.web.test_api_staff_work import token_for
from tests.web.test_reviews import Done, complete_battery, snapshots, soup_of, unscoped

IV = "structured_interview"


def questions(catalog: Catalog) -> list[str]:
    definition = catalog.instruments[IV].definition
    assert isinstance(definition, Interview)
    return [item.id for item in definition.items]


def ratings(db: Session) -> list[InterviewRating]:
    return list(unscoped(db).exec(select(InterviewRating).order_by(col(InterviewRating.id))))


@pytest.fixture
def organisation(db: Session) -> Organisation:
    return create_organisation(db)


@pytest.fixture
def done(db: Session, catalog: Catalog, organisation: Organisation) -> Done:
    return complete_battery(
        db, catalog, organisation, battery="candidate-general", name="Olga Interviewed"
    )


def latest(db: Session, done: Done) -> ScoreSnapshot:
    return snapshots(unscoped(db), done.invitation)[-1]


def test_a_panel_rates_by_api_each_interviewer_apart_and_the_result_is_scored_again(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, done: Done
) -> None:
    hr_user, hr = token_for(db, organisation, Role.hr)
    head_user, head = token_for(db, organisation, Role.head_of_sales)
    path = f"/api/v1/interviews/{done.invitation.id}"
    shown = client.get(path, headers=hr)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert [q["id"] for q in body["questions"]] == questions(catalog)
    assert body["interviewers"] == [] and body["proposal"] is None
    assert set(body["questions"][0]["anchors"]) >= {"1", "3", "5"}
    before = latest(db, done)

    ids = questions(catalog)
    first = dict.fromkeys(ids, 4)
    second: dict[str, int | None] = {q: (5 if n % 3 == 0 else 4) for n, q in enumerate(ids)}
    second[ids[-1]] = None  # not asked
    saved = client.put(path, json={"values": first}, headers=hr)
    assert saved.status_code == 200, saved.text
    assert saved.json()["snapshot_id"] > (before.id or 0)
    saved = client.put(path, json={"values": second}, headers=head)
    assert saved.status_code == 200, saved.text

    stored = ratings(db)
    assert {r.interviewer_id for r in stored} == {hr_user.id, head_user.id}
    assert sum(1 for r in stored if r.interviewer_id == head_user.id) == len(ids) - 1
    after = latest(db, done)
    assert after.instrument_versions.get(IV)
    given = after.scores["interviews"][IV]
    assert given["interviewers"] == 2 and given["icc"] is not None
    methods = {m["instrument"]: m for m in after.scores["competencies"]["negotiation"]["methods"]}
    assert methods[IV]["reliability_source"] == "inter_rater"
    assert methods[IV]["score"] == pytest.approx((75 + 75 + 75 + 100) / 4, abs=0.01)
    effect = after.scores["interview_effect"]
    neg = effect["competencies"]["negotiation"]
    assert neg["before"] == {
        k: before.scores["competencies"]["negotiation"][k] for k in ("score", "low", "high")
    }
    # the panel's rating (81.25) pulls the combined score toward it; the interval does not
    # always narrow: with declared weights above a method's precision share the combined
    # error can grow a little (docs/scoring.md §3b)
    interview = methods[IV]["score"]
    assert neg["before"]["score"] < neg["after"]["score"] < interview

    again = client.get(path, headers=hr).json()
    by_user = {i["user_id"]: i["ratings"] for i in again["interviewers"]}
    assert by_user[hr_user.id] == first
    assert ids[-1] not in by_user[head_user.id]

    # Saving again replaces only this interviewer's ratings.
    assert client.put(path, json={"values": {ids[0]: 2}}, headers=hr).status_code == 200
    mine = [r for r in ratings(db) if r.interviewer_id == hr_user.id]
    assert [(r.item_id, r.value) for r in mine] == [(ids[0], 2)]
    assert sum(1 for r in ratings(db) if r.interviewer_id == head_user.id) == len(ids) - 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"iv_ng_past": 7}, "values.iv_ng_past"),
        ({"iv_ng_past": 0}, "values.iv_ng_past"),
        ({"no_such_question": 3}, "values.no_such_question"),
        ({"iv_ng_past": None}, "values"),
    ],
)
def test_a_refused_rating_names_its_field_and_stores_nothing(
    client: TestClient,
    db: Session,
    organisation: Organisation,
    done: Done,
    values: dict[str, Any],
    field: str,
) -> None:
    _, hr = token_for(db, organisation, Role.hr)
    count = len(snapshots(unscoped(db), done.invitation))
    response = client.put(
        f"/api/v1/interviews/{done.invitation.id}", json={"values": values}, headers=hr
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert ratings(db) == []
    assert len(snapshots(unscoped(db), done.invitation)) == count


def test_managers_interview_only_their_own_people_and_other_organisations_see_nothing(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation
) -> None:
    manager, as_manager = token_for(db, organisation, Role.manager)
    team = Team(organisation_id=organisation.id, name="Inbound", manager_id=manager.id)
    db.add(team)
    db.commit()
    theirs = complete_battery(
        db, catalog, organisation, battery="employee", kind="employee", team=team
    )
    stranger = complete_battery(db, catalog, organisation, battery="employee", kind="employee")
    _, elsewhere = token_for(db, create_organisation(db), Role.hr)
    own = f"/api/v1/interviews/{theirs.invitation.id}"
    other = f"/api/v1/interviews/{stranger.invitation.id}"
    assert client.get(own, headers=as_manager).status_code == 200
    assert (
        client.put(own, json={"values": {"iv_pr_past": 4}}, headers=as_manager).status_code == 200
    )
    assert client.get(other, headers=as_manager).status_code == 404
    assert (
        client.put(other, json={"values": {"iv_pr_past": 4}}, headers=as_manager).status_code == 404
    )
    assert client.get(own, headers=elsewhere).status_code == 404
    assert client.put(own, json={"values": {"iv_pr_past": 4}}, headers=elsewhere).status_code == 404
    assert [r.interviewer_id for r in ratings(db)] == [manager.id]


def test_the_page_saves_a_rating_and_the_report_shows_what_the_interview_changed(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, done: Done
) -> None:
    head = create_user(unscoped(db), organisation=organisation, role=Role.head_of_sales)
    sign_in(client, head.email, PASSWORD)
    report_path = f"/people/{done.person.id}/report"
    report = soup_of(client.get(report_path))
    link = report.select_one("#interview-link")
    assert link is not None and link["href"] == f"/interviews/{done.invitation.id}"
    assert report.select_one("#interview-effect") is None

    page = client.get(link["href"])
    assert page.status_code == 200
    form = soup_of(page)
    assert len(form.select("fieldset.criterion")) == len(questions(catalog))
    assert form.select_one('input[name="q_iv_ng_past"][value="5"]') is not None
    data = {f"q_{q}": "5" for q in questions(catalog)}
    saved = client.post(
        link["href"], data={**data, "csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    shown = soup_of(client.get(saved.headers["location"]))
    assert shown.select_one("#saved") is not None
    assert shown.select_one('input[name="q_iv_ng_past"][value="5"]').has_attr("checked")
    assert [r.interviewer_id for r in ratings(db)][:1] == [head.id]

    after = soup_of(client.get(report_path))
    effect = after.select_one("#interview-effect")
    assert effect is not None
    changed = {tr["data-competency"] for tr in effect.select("tr[data-competency]")}
    assert changed == set(catalog.model.competency_ids)


def test_a_bad_value_on_the_page_is_explained_and_nothing_is_stored(
    client: TestClient, db: Session, organisation: Organisation, done: Done
) -> None:
    hr = create_user(unscoped(db), organisation=organisation, role=Role.hr)
    sign_in(client, hr.email, PASSWORD)
    page = client.get(f"/interviews/{done.invitation.id}")
    response = client.post(
        f"/interviews/{done.invitation.id}",
        data={"q_iv_ng_past": "9", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 422
    error = soup_of(response).select_one("#form-error")
    assert error is not None and "iv_ng_past" in error.get_text()
    assert soup_of(response).select_one("#question-iv_ng_past.invalid") is not None
    assert ratings(db) == []


def _make_uncertain(db: Session, catalog: Catalog, done: Done, open_: list[str]) -> None:
    """Store the result as `uncertain` with these open competencies (as the engine does for
    a person whose intervals straddle the profiles' cut-offs)."""
    db = unscoped(db)
    current = latest(db, done)
    scope_to_organisation(db, done.invitation.organisation_id or 0)
    scores = {
        **current.scores,
        "outcome": "uncertain",
        "next_steps": ["interview"],
        "open_competencies": open_,
    }
    proposal = interview_proposal(catalog, done.invitation, scores)
    assert proposal is not None
    scores["interview_proposal"] = proposal
    db.add(
        ScoreSnapshot(
            person_id=current.person_id,
            campaign_id=current.campaign_id,
            invitation_id=current.invitation_id,
            recommendation="uncertain",
            confidence="low",
            model_version=current.model_version,
            instrument_versions=current.instrument_versions,
            scores=scores,
            flags=[],
        )
    )
    db.commit()
    unscoped(db)


def test_an_uncertain_result_proposes_the_interview_for_exactly_its_open_competencies(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, done: Done
) -> None:
    open_ = ["persistence", "negotiation"]
    _make_uncertain(db, catalog, done, open_)
    _, hr_token = token_for(db, organisation, Role.hr)
    body = client.get(f"/api/v1/interviews/{done.invitation.id}", headers=hr_token).json()
    assert body["proposal"]["competencies"] == open_
    assert body["proposal"]["path"] == (
        f"/interviews/{done.invitation.id}?focus=persistence,negotiation"
    )
    first = body["questions"][:4]
    assert [q["competency"] for q in first] == [
        "persistence",
        "persistence",
        "negotiation",
        "negotiation",
    ]
    assert all(q["proposed"] for q in first)
    assert not any(q["proposed"] for q in body["questions"][4:])
    report = client.get(f"/api/v1/people/{done.person.id}/report", headers=hr_token).json()
    offered = report["report"]["structured_interview"]["proposal"]
    assert [c["id"] for c in offered["competencies"]] == open_
    assert offered["path"] == f"/interviews/{done.invitation.id}?focus=persistence,negotiation"

    hr = create_user(unscoped(db), organisation=organisation, role=Role.hr)
    sign_in(client, hr.email, PASSWORD)
    report = soup_of(client.get(f"/people/{done.person.id}/report"))
    proposal = report.select_one("#interview-proposal")
    assert proposal is not None
    names = [s.get_text() for s in proposal.select("strong")]
    model = catalog.model.definition
    assert names == [model.competencies[c].name.en for c in open_]
    link = report.select_one("#interview-link")
    assert link is not None and "focus=" in link["href"]
    page = soup_of(client.get(link["href"]))
    legends = [f["id"] for f in page.select("fieldset.criterion")][:4]
    assert legends == [
        "question-iv_pr_past",
        "question-iv_pr_situation",
        "question-iv_ng_past",
        "question-iv_ng_situation",
    ]


def test_signing_in_is_required(client: TestClient, done: Done) -> None:
    assert client.get(f"/api/v1/interviews/{done.invitation.id}").status_code == 401
    page = client.get(f"/interviews/{done.invitation.id}", follow_redirects=False)
    assert page.status_code in (302, 303, 401)


def test_the_persons_export_holds_the_interview_ratings(
    client: TestClient, db: Session, organisation: Organisation, done: Done
) -> None:
    user, hr = token_for(db, organisation, Role.hr)
    path = f"/api/v1/interviews/{done.invitation.id}"
    assert client.put(path, json={"values": {"iv_ng_past": 4}}, headers=hr).status_code == 200
    exported = client.get(f"/api/v1/people/{done.person.id}/export", headers=hr)
    assert exported.status_code == 200, exported.text
    rows = exported.json()["interview_ratings"]
    assert [(r["item"], r["value"], r["interviewer_id"]) for r in rows] == [
        ("iv_ng_past", 4, user.id)
    ]


def test_the_ranking_links_to_each_persons_interview(
    client: TestClient, db: Session, organisation: Organisation, done: Done
) -> None:
    head = create_user(unscoped(db), organisation=organisation, role=Role.head_of_sales)
    sign_in(client, head.email, PASSWORD)
    ranking = soup_of(client.get(f"/campaigns/{done.invitation.campaign_id}/ranking"))
    pages = [ranking] + [  # results without a decision to rank are one click away
        soup_of(client.get(a["href"])) for a in ranking.select("#hidden-outcomes a")
    ]
    links = [a["href"] for page in pages for a in page.select("a.interview-link")]
    assert links == [f"/interviews/{done.invitation.id}"]
