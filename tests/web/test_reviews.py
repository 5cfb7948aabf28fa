"""The reviewer's queue (work samples, manager ratings) and the results staff read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.db import ORGANISATION_KEY, scope_to_organisation, utcnow
from app.labels import recommendation_label
from app.models import (
    AssessmentSession,
    Invitation,
    ManagerRating,
    Organisation,
    Person,
    ReviewScore,
    Role,
    ScoreSnapshot,
    Team,
    User,
)
from app.scoring.definitions import ManagerRating as ManagerRatingDefinition
from app.scoring.definitions import WorkSample
from app.scoring.loader import Catalog
from app.scoring.validity import FLAGS
from app.services import campaigns as campaign_service
from app.services import results, reviews, sessions
from app.services.errors import Invalid
from app.services.people import add_person
from app.services.snapshot_view import interval_text
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, answer_for, create_organisation, create_user
from tests.services.test_candidate_flow import BASE, SECRET

EMAIL = (
    "Subject: Oka Foods and the supermarket's morning slots\n\n"
    "Dear Marina,\n\n"
    "I saw that you start supplying 60 supermarkets next month. <b>Late</b> deliveries "
    "there mean fines.\nA drinks distributor with 35 vans cut late deliveries from 12% to 3%."
    " Routes are built around each shop's delivery window, so your planners stop working "
    "evenings in spreadsheets."
    "\n\nTuesday at 11 or Thursday at 3?\nIvan, Flotika"
)
COLD_EMAIL = "work_sample_cold_email"


@dataclass
class Done:
    invitation: Invitation
    person: Person
    snapshot: ScoreSnapshot


def unscoped(db: Session) -> Session:
    db.info.pop(ORGANISATION_KEY, None)
    return db


def complete_battery(
    db: Session,
    catalog: Catalog,
    organisation: Organisation,
    *,
    battery: str,
    kind: str = "candidate",
    manager: User | None = None,
    team: Team | None = None,
    name: str | None = None,
    campaign_name: str | None = None,
    missed_checks: bool = False,
) -> Done:
    """Invite a new person to a campaign of `battery` and answer everything through the
    services, as the candidate's pages do."""
    scope_to_organisation(unscoped(db), organisation.id or 0)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name=campaign_name or f"{battery} round", battery=battery
    )
    person = add_person(
        db,
        full_name=name or f"Person {uuid.uuid4().hex[:6]}",
        email=f"{uuid.uuid4().hex[:10]}@example.com",
        language="en",
        kind=kind,
    )
    person.manager_id = manager.id if manager else None
    person.team_id = team.id if team else None
    db.add(person)
    done = campaign_service.invite(
        db, campaign=campaign, person=person, secret_key=SECRET, base_url=BASE
    )
    invitation = done.invitation
    sessions.record_consent(db, invitation, accepted=True, language="en")
    items = [i for s in sessions.sections(catalog, campaign, "en") for i in s["items"]]
    answers = {i["id"]: EMAIL if i["type"] == "text" else answer_for(i) for i in items}
    if missed_checks:  # the forced-choice attention checks answered the other way round
        for item_id in [i for i in answers if i.startswith("fc_check_")]:
            answers[item_id] = {"most": f"{item_id}_l", "least": f"{item_id}_m"}
    sessions.save_answers(db, invitation, catalog, answers)
    snapshot = results.complete(db, catalog, invitation)
    db.commit()
    unscoped(db)
    return Done(invitation, person, snapshot)


def work_session(db: Session, invitation: Invitation) -> AssessmentSession:
    return db.exec(
        select(AssessmentSession).where(
            AssessmentSession.invitation_id == invitation.id,
            AssessmentSession.instrument_id == COLD_EMAIL,
        )
    ).one()


def cold_email(catalog: Catalog) -> WorkSample:
    definition = catalog.instruments[COLD_EMAIL].definition
    assert isinstance(definition, WorkSample)
    return definition


def rating_scale(catalog: Catalog) -> ManagerRatingDefinition:
    definition = catalog.instruments["manager_rating"].definition
    assert isinstance(definition, ManagerRatingDefinition)
    return definition


def soup_of(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]


def snapshots(db: Session, invitation: Invitation) -> list[ScoreSnapshot]:
    return list(
        db.exec(
            select(ScoreSnapshot)
            .where(ScoreSnapshot.invitation_id == invitation.id)
            .order_by(col(ScoreSnapshot.id))
        )
    )


@pytest.fixture
def organisation(db: Session) -> Organisation:
    return create_organisation(db)


@pytest.fixture
def hr(db: Session, organisation: Organisation) -> User:
    return create_user(unscoped(db), organisation=organisation, role=Role.hr)


@pytest.fixture
def candidate(db: Session, catalog: Catalog, organisation: Organisation, hr: User) -> Done:
    return complete_battery(
        db, catalog, organisation, battery="candidate-active", name="Anna Petrova"
    )


# ----------------------------------------------------------------------------- work samples


def test_a_work_sample_leaves_the_result_provisional_and_waits_in_the_queue(
    client: TestClient, db: Session, catalog: Catalog, hr: User, candidate: Done
) -> None:
    assert candidate.snapshot.provisional is True
    assert candidate.snapshot.scores["pending"] == [{"instrument": COLD_EMAIL, "kind": "review"}]
    scope_to_organisation(db, hr.organisation_id or 0)
    waiting = reviews.pending_reviews(db, catalog)
    assert [(w.person.full_name, w.scored, w.criteria) for w in waiting] == [("Anna Petrova", 0, 4)]
    assert waiting[0].answers == {"cold_email": EMAIL}

    sign_in(client, hr.email, PASSWORD)
    page = soup_of(client.get("/reviews"))
    rows = page.select("#work-samples tbody tr")
    assert len(rows) == 1 and "Anna Petrova" in rows[0].get_text()
    link = rows[0].find("a")["href"]
    assert link == f"/reviews/work/{work_session(db, candidate.invitation).id}"
    assert "Work samples to score: 1" in page.get_text()
    assert "Manager ratings to give: 0" in page.get_text()

    listing = soup_of(client.get("/results"))
    row = next(tr for tr in listing.select("tbody tr") if "Anna Petrova" in tr.get_text())
    assert row.select_one(".badge.provisional") is not None

    result = soup_of(client.get(f"/results/{candidate.invitation.id}"))
    notice = result.select_one("#provisional").get_text(" ", strip=True)
    assert "This result is provisional." in notice
    assert f"“{cold_email(catalog).title.en}” has not been scored yet" in notice
    assert result.select_one("#provisional a")["href"] == link


def test_the_review_page_shows_the_answer_beside_the_rubric(
    client: TestClient, db: Session, catalog: Catalog, hr: User, candidate: Done
) -> None:
    sign_in(client, hr.email, PASSWORD)
    response = client.get(f"/reviews/work/{work_session(db, candidate.invitation).id}")
    assert response.status_code == 200
    assert "<b>Late</b>" not in response.text and "&lt;b&gt;Late&lt;/b&gt;" in response.text
    page = soup_of(response)
    grid = page.select_one(".review-grid")
    answer = grid.select_one(".review-answer .answer-text")
    assert answer.get_text() == EMAIL  # line breaks kept, markup shown as text
    task = cold_email(catalog).items[0]
    prompt = grid.select_one(".review-answer details")
    assert task.prompt.en.splitlines()[0] in prompt.get_text()
    fieldsets = grid.select(".review-rubric fieldset")
    assert len(fieldsets) == len(task.rubric)
    for fieldset, criterion in zip(fieldsets, task.rubric, strict=True):
        assert criterion.criterion.en in fieldset.get_text()
        radios = fieldset.select("input[type=radio]")
        assert [r["name"] for r in radios] == [f"points_{criterion.id}"] * (
            criterion.max_points + 1
        )
        assert [int(r["value"]) for r in radios] == list(range(criterion.max_points + 1))
        for radio in radios:
            anchor = criterion.anchors[int(radio["value"])].en
            assert radio.find_parent("label").select_one(".anchor-text").get_text() == anchor


def _points(catalog: Catalog, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        f"points_{c.id}": c.max_points for t in cold_email(catalog).items for c in t.rubric
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"points_email_example": None}, "Choose the points for criterion 2 (email_example)."),
        ({"points_email_clarity": 4}, "Criterion 3 (email_clarity): “4” is not allowed"),
        ({"points_email_relevance": "-1"}, "Criterion 1 (email_relevance): “-1” is not allowed"),
        ({"points_email_next_step": "three"}, "Criterion 4 (email_next_step): “three”"),
    ],
)
def test_a_review_with_a_missing_or_bad_criterion_stores_nothing(
    client: TestClient,
    db: Session,
    catalog: Catalog,
    hr: User,
    candidate: Done,
    overrides: dict[str, object],
    message: str,
) -> None:
    sign_in(client, hr.email, PASSWORD)
    url = f"/reviews/work/{work_session(db, candidate.invitation).id}"
    token = csrf_from(client.get(url).text)
    response = client.post(url, data={**_points(catalog, **overrides), "csrf_token": token})
    assert response.status_code == 422
    page = soup_of(response)
    assert message in page.select_one("[role=alert]").get_text()
    field = next(iter(overrides)).removeprefix("points_")
    assert "invalid" in page.select_one(f"#criterion-{field}")["class"]
    assert len(page.select("input[type=radio][checked]")) == 3  # the other choices are kept
    assert db.exec(select(ReviewScore)).all() == []
    assert len(snapshots(db, candidate.invitation)) == 1


def test_a_valid_review_scores_the_result_again(
    client: TestClient, db: Session, catalog: Catalog, hr: User, candidate: Done
) -> None:
    sign_in(client, hr.email, PASSWORD)
    instrument_session = work_session(db, candidate.invitation)
    url = f"/reviews/work/{instrument_session.id}"
    token = csrf_from(client.get(url).text)
    points = _points(catalog, points_email_example=2, points_email_clarity=0)
    response = client.post(url, data={**points, "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/reviews?saved=review"

    stored = {
        r.criterion_id: (r.points, r.reviewer_id)
        for r in db.exec(select(ReviewScore).where(ReviewScore.session_id == instrument_session.id))
    }
    assert stored == {
        "email_relevance": (3, hr.id),
        "email_example": (2, hr.id),
        "email_clarity": (0, hr.id),
        "email_next_step": (3, hr.id),
    }
    first, latest = snapshots(db, candidate.invitation)
    assert first.provisional and not latest.provisional
    assert latest.scores["pending"] == []
    persuasion = latest.scores["competencies"]["persuasion"]["methods"]
    from_work = [
        {k: m[k] for k in ("instrument", "type", "weight", "score")}
        for m in persuasion
        if m["instrument"] == COLD_EMAIL
    ]
    assert from_work == [
        {
            "instrument": COLD_EMAIL,
            "type": "work_sample",
            "weight": 1.0,
            "score": pytest.approx(200 / 3, abs=0.01),
        }
    ]
    assert latest.scores["scales"][COLD_EMAIL]["communication"] == 0

    queue = soup_of(client.get(response.headers["location"]))
    assert "The points are saved and the result has been scored again." in queue.get_text()
    assert queue.select("#work-samples tbody tr") == []
    result = soup_of(client.get(f"/results/{candidate.invitation.id}"))
    assert result.select_one("#provisional") is None

    # scoring again replaces the points, never duplicates them
    token = csrf_from(client.get(url).text)
    page = soup_of(client.get(url))
    assert page.select_one("input[name=points_email_example][value='2']").has_attr("checked")
    client.post(url, data={**_points(catalog), "csrf_token": token})
    assert len(db.exec(select(ReviewScore)).all()) == 4
    assert len(snapshots(db, candidate.invitation)) == 3


def test_save_review_names_an_unknown_criterion(
    db: Session, catalog: Catalog, hr: User, candidate: Done
) -> None:
    scope_to_organisation(db, hr.organisation_id or 0)
    instrument_session = work_session(db, candidate.invitation)
    points = {c.id: 1 for c in reviews.criteria_of(cold_email(catalog))}
    with pytest.raises(Invalid, match="Unknown criterion “tone”"):
        reviews.save_review(
            db,
            catalog,
            instrument_session=instrument_session,
            points={**points, "tone": 1},
            reviewer_id=hr.id,
        )
    assert db.exec(select(ReviewScore)).all() == []


# ----------------------------------------------------------------------------- manager ratings


def test_an_employee_waits_for_the_managers_rating_and_is_scored_again(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, hr: User
) -> None:
    employee = complete_battery(
        db, catalog, organisation, battery="employee", kind="employee", name="Oleg Ivanov"
    )
    assert {p["kind"] for p in employee.snapshot.scores["pending"]} == {"review", "manager_rating"}
    scope_to_organisation(db, organisation.id or 0)
    waiting = reviews.pending_ratings(db, catalog)
    assert [(w.person.full_name, w.instrument.id) for w in waiting] == [
        ("Oleg Ivanov", "manager_rating")
    ]

    sign_in(client, hr.email, PASSWORD)
    queue = soup_of(client.get("/reviews"))
    row = queue.select_one("#ratings tbody tr")
    assert "Oleg Ivanov" in row.get_text()
    url = row.find("a")["href"]
    assert url == f"/reviews/rating/{employee.invitation.id}"

    instrument = rating_scale(catalog)
    page = soup_of(client.get(url))
    fieldsets = page.select("form fieldset")
    assert len(fieldsets) == len(instrument.items) == 7
    for fieldset, item in zip(fieldsets, instrument.items, strict=True):
        radios = fieldset.select("input[type=radio]")
        assert [r["value"] for r in radios] == ["1", "2", "3", "4", "5", ""]
        assert radios[-1].has_attr("checked")  # "not observed" until the manager chooses
        for radio in radios[:-1]:
            assert item.anchors[int(radio["value"])].en in radio.find_parent("label").get_text()

    token = csrf_from(client.get(url).text)
    nothing = client.post(url, data={"csrf_token": token})
    assert nothing.status_code == 422
    assert "Rate at least one scale" in soup_of(nothing).select_one("[role=alert]").get_text()
    too_high = client.post(
        url, data={"rating_mr_persuasion": "9", "rating_mr_persistence": "4", "csrf_token": token}
    )
    assert too_high.status_code == 422
    assert "Scale 4 (mr_persuasion): “9” is not allowed" in soup_of(too_high).get_text()
    assert db.exec(select(ManagerRating)).all() == []
    assert len(snapshots(db, employee.invitation)) == 1

    given = {"mr_persuasion": "4", "mr_persistence": "2", "mr_negotiation": "5"}
    response = client.post(
        url,
        data={**{f"rating_{k}": v for k, v in given.items()}, "rating_mr_communication": ""}
        | {"csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/reviews?saved=rating"
    rows = db.exec(select(ManagerRating).order_by(col(ManagerRating.item_id))).all()
    assert {r.item_id: r.value for r in rows} == {k: int(v) for k, v in given.items()}
    assert {(r.rater_id, r.rated_on, r.instrument_id, r.person_id) for r in rows} == {
        (hr.id, utcnow().date(), "manager_rating", employee.person.id)
    }
    assert rows[0].instrument_version == catalog.instruments["manager_rating"].version

    latest = snapshots(db, employee.invitation)[-1]
    assert latest.provisional  # the work sample still waits
    assert latest.scores["pending"] == [{"instrument": COLD_EMAIL, "kind": "review"}]
    methods = latest.scores["competencies"]["persuasion"]["methods"]
    assert any(m["instrument"] == "manager_rating" for m in methods)
    assert soup_of(client.get("/reviews")).select("#ratings tbody tr") == []

    # rating again replaces the earlier rating as a whole
    page = soup_of(client.get(url))
    assert page.select_one("input[name=rating_mr_persuasion][value='4']").has_attr("checked")
    client.post(url, data={"rating_mr_persuasion": "3", "csrf_token": token})
    again = db.exec(select(ManagerRating)).all()
    assert [(r.item_id, r.value) for r in again] == [("mr_persuasion", 3)]


# ----------------------------------------------------------------------------- results


def test_the_result_page_reads_as_a_head_of_sales_needs_it(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, hr: User
) -> None:
    candidate = complete_battery(
        db, catalog, organisation, battery="candidate-active", missed_checks=True
    )
    head = create_user(unscoped(db), organisation=organisation, role=Role.head_of_sales)
    snapshot = candidate.snapshot
    assert snapshot.flags, "the missed attention checks should raise a response-validity flag"
    sign_in(client, head.email, PASSWORD)
    response = client.get(f"/results/{candidate.invitation.id}")
    assert response.status_code == 200
    page = soup_of(response)
    text = page.get_text(" ", strip=True)
    recommendation = page.select_one("#recommendation .recommendation").get_text(" ", strip=True)
    assert recommendation_label(snapshot.recommendation) in recommendation
    assert f"confidence: {snapshot.confidence}" in recommendation
    assert snapshot.scores["summary"]["en"] in text
    model = catalog.model.definition
    rows = page.select("#competencies tbody tr")
    assert [r["id"] for r in rows] == [f"competency-{c}" for c in model.competencies]
    persuasion = page.select_one("#competency-persuasion")
    entry = snapshot.scores["competencies"]["persuasion"]
    assert persuasion.select_one("td.num").get_text(strip=True) == interval_text(
        entry["score"], entry["low"], entry["high"]
    )
    assert "forced-choice questionnaire" in persuasion.get_text()
    assert [r["id"] for r in page.select("#fit tbody tr")] == [f"fit-{p}" for p in model.profiles]
    threshold = model.profiles["active"].fit_threshold
    assert page.select("#fit-active td.num")[1].get_text(strip=True) == f"{threshold:g}"
    flags = [li.get_text(" ", strip=True) for li in page.select("#flags li")]
    assert [f.split("): ", 1)[1] for f in flags] == [FLAGS[c].text("en") for c in snapshot.flags]
    assert [li["data-severity"] for li in page.select("#flags li")] == [
        FLAGS[c].severity for c in snapshot.flags
    ]
    assert "80% interval" in text and "not yet been validated" in text
    versions = page.select_one(".versions")
    shown = versions.get_text()
    # the declared versions in words staff read; the exact ones (with the files' hashes) stay
    # on record, in the tooltip
    assert f"model version {snapshot.model_version.split('+')[0]};" in shown
    assert "+" not in shown and "_" not in shown
    assert versions["title"] == " ".join(
        [snapshot.model_version]
        + [f"{k}={v}" for k, v in sorted(snapshot.instrument_versions.items())]
    )
    assert snapshot.instrument_versions[COLD_EMAIL] in versions["title"]

    russian = soup_of(client.get(f"/results/{candidate.invitation.id}?lang=ru"))
    assert [
        li.get_text(" ", strip=True).split("): ", 1)[1] for li in russian.select("#flags li")
    ] == [FLAGS[code].text("ru") for code in snapshot.flags]
    assert snapshot.scores["summary"]["ru"] in russian.get_text(" ", strip=True)


def test_results_are_listed_newest_first_and_filtered_by_campaign(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, hr: User
) -> None:
    first = complete_battery(
        db, catalog, organisation, battery="candidate-general", name="First", campaign_name="A"
    )
    complete_battery(
        db, catalog, organisation, battery="candidate-general", name="Second", campaign_name="B"
    )
    sign_in(client, hr.email, PASSWORD)
    names = [
        tr.find("a").get_text(strip=True)
        for tr in soup_of(client.get("/results")).select("tbody tr")
    ]
    assert names == ["Second", "First"]
    campaign = first.invitation.campaign_id
    page = soup_of(client.get(f"/results?campaign={campaign}"))
    assert [tr.find("a").get_text(strip=True) for tr in page.select("tbody tr")] == ["First"]
    assert page.select_one(f"option[value='{campaign}']").has_attr("selected")
    cells = [td.get_text(strip=True) for td in page.select_one("tbody tr").find_all("td")]
    assert cells[-1] == str(len(first.snapshot.flags))
    assert cells[-2] == first.snapshot.confidence
    # an empty filter shows everything; a nonsense one says so and shows everything
    assert len(soup_of(client.get("/results?campaign=")).select("tbody tr")) == 2
    bad = client.get("/results?campaign=abc")
    assert bad.status_code == 200 and "showing all campaigns" in bad.text


# ----------------------------------------------------------------------------- who sees what


def test_a_manager_sees_and_rates_only_their_own_people(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation
) -> None:
    manager = create_user(unscoped(db), organisation=organisation, role=Role.manager)
    team = Team(organisation_id=organisation.id, name="Field team", manager_id=manager.id)
    db.add(team)
    db.commit()
    direct = complete_battery(
        db,
        catalog,
        organisation,
        battery="employee",
        kind="employee",
        manager=manager,
        name="Direct Report",
    )
    in_team = complete_battery(
        db,
        catalog,
        organisation,
        battery="employee",
        kind="employee",
        team=team,
        name="Team Member",
    )
    other = complete_battery(
        db, catalog, organisation, battery="employee", kind="employee", name="Someone Else"
    )
    sign_in(client, manager.email, PASSWORD)

    queue = soup_of(client.get("/reviews"))
    rated = {tr.find("td").get_text(strip=True) for tr in queue.select("#ratings tbody tr")}
    assert rated == {"Direct Report", "Team Member"}
    scored = {tr.find("td").get_text(strip=True) for tr in queue.select("#work-samples tbody tr")}
    assert scored == {"Direct Report", "Team Member"}
    listed = {
        tr.find("a").get_text(strip=True)
        for tr in soup_of(client.get("/results")).select("tbody tr")
    }
    assert listed == {"Direct Report", "Team Member"}
    assert len(soup_of(client.get("/results")).select("#campaign option")) == 3  # all, and 2 of 3

    assert client.get(f"/results/{direct.invitation.id}").status_code == 200
    assert client.get(f"/reviews/rating/{in_team.invitation.id}").status_code == 200
    assert client.get(f"/results/{other.invitation.id}").status_code == 404
    assert client.get(f"/reviews/rating/{other.invitation.id}").status_code == 404
    assert client.get(f"/reviews/work/{work_session(db, other.invitation).id}").status_code == 404
    token = csrf_from(client.get("/reviews").text)
    refused = client.post(
        f"/reviews/rating/{other.invitation.id}",
        data={"rating_mr_persuasion": "5", "csrf_token": token},
    )
    assert refused.status_code == 404
    assert db.exec(select(ManagerRating)).all() == []

    response = client.post(
        f"/reviews/rating/{direct.invitation.id}",
        data={"rating_mr_persuasion": "5", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert [r.rater_id for r in db.exec(select(ManagerRating))] == [manager.id]


def test_another_organisations_result_is_not_found(
    client: TestClient, db: Session, catalog: Catalog, hr: User, candidate: Done
) -> None:
    elsewhere = create_organisation(unscoped(db))
    theirs = complete_battery(db, catalog, elsewhere, battery="candidate-active")
    sign_in(client, hr.email, PASSWORD)
    assert client.get(f"/results/{candidate.invitation.id}").status_code == 200
    assert client.get(f"/results/{theirs.invitation.id}").status_code == 404
    assert (
        client.get(f"/reviews/work/{work_session(unscoped(db), theirs.invitation).id}").status_code
        == 404
    )
    names = {
        tr.find("td").get_text(strip=True)
        for tr in soup_of(client.get("/reviews")).select("#work-samples tbody tr")
    }
    assert names == {"Anna Petrova"}
    token = csrf_from(client.get("/reviews").text)
    refused = client.post(
        f"/reviews/work/{work_session(unscoped(db), theirs.invitation).id}",
        data={**_points(catalog), "csrf_token": token},
    )
    assert refused.status_code == 404
    assert unscoped(db).exec(select(ReviewScore)).all() == []


def test_signing_in_is_required(client: TestClient) -> None:
    for path in ("/reviews", "/results", "/results/1", "/reviews/work/1", "/reviews/rating/1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
