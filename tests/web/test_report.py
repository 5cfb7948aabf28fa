"""A person's report (page and JSON) and the feedback a candidate sees after finishing."""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, replace
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.db import scope_to_organisation
from app.models import Invitation, Organisation, Person, Role, ScoreSnapshot, Team, User
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.definitions import ForcedChoice, Knowledge, SelfReport, Sjt
from app.scoring.loader import Catalog, load_catalog
from app.scoring.tirt import respond
from app.scoring.validity import FLAGS
from app.services import campaigns as campaign_service
from app.services import results, sessions
from app.services.people import add_person
from app.services.report import candidate_feedback
from app.services.snapshot_view import OUTCOMES, interval_text, percent
from app.web.routes import candidate as candidate_routes
from app.web.routes.reviews import recommendation_label
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, create_organisation, create_user
from tests.services.test_candidate_flow import BASE, SECRET
from tests.web.payload_v2 import payload_v2, stamp
from tests.web.test_reviews import unscoped

HIGH, MIDDLE, LOW = 100, 50, 25

# A hunter: contact with strangers, creating interest, terms, objections and persistence at
# the top; product knowledge middling (self-report only: no shipped test measures it, so its
# interval is wide); client expertise lower. Scored on the battery candidate-general with the
# Likert self-report (the `catalog` fixture below), every competency is the weighted mean of
# its methods (self-report weight 0.5, the SJT and the knowledge test 1):
#   persistence etc.    self-report 100, SJT 100, knowledge 100 (where it measures them) -> 100
#   client_expertise    self-report  25, SJT  50, knowledge  50 (picks unrelated to the key)
#   product_knowledge   self-report  50 only (content 1.1)                               ->  50
# Active (minimums 35; fit threshold 65): no knock-out, fits.
# Passive: client expertise under its minimum of 55 → knocked out.
# So the recommendation is "active".
HUNTER = {
    "client_expertise": LOW,
    "product_knowledge": MIDDLE,
    "communication": HIGH,
    "persuasion": HIGH,
    "negotiation": HIGH,
    "objection_handling": HIGH,
    "persistence": HIGH,
}


def _likert(item: Any, instrument: SelfReport, levels: dict[str, int]) -> int:
    scale = instrument.response_scale
    if item.expected:  # attention items: the instructed answer
        return int(item.expected[0])
    kind = instrument.scales[item.scale].kind.value if item.scale in instrument.scales else ""
    if kind == "impression_management":
        return scale.min + 1  # honest: nobody is perfect
    level = levels.get(item.scale, HIGH)
    keyed = scale.min + round((scale.max - scale.min) * level / 100)
    return scale.min + scale.max - keyed if item.key.value == "reverse" else keyed


def _sjt(item: Any, level: int) -> dict[str, str]:
    ranked = sorted(item.options, key=lambda o: o.effectiveness)
    if level >= HIGH:
        return {"best": ranked[-1].id, "worst": ranked[0].id}
    return {"best": ranked[-2].id, "worst": ranked[1].id}  # picks unrelated to the key: 50


def _knowledge(item: Any, level: int, seen: dict[str, int]) -> Any:
    count = seen[item.scale] = seen.get(item.scale, 0) + 1
    right = level >= HIGH or (level == MIDDLE and count % 2 == 1) or (level == LOW and count == 1)
    wrong = [o.id for o in item.options if o.id not in item.correct]
    picks = list(item.correct) if right else wrong[:1]
    return picks if len(item.correct) > 1 else picks[0]


def answers_as(catalog: Catalog, battery: str, levels: dict[str, int]) -> dict[str, Any]:
    """Answers that put each competency at about `levels[cid]` (HIGH, MIDDLE or LOW)."""
    answers: dict[str, Any] = {}
    for instrument_id in catalog.batteries[battery].instruments:
        instrument = catalog.instruments[instrument_id].definition
        seen: dict[str, int] = {}
        if isinstance(instrument, SelfReport):
            for item in instrument.items:
                answers[item.id] = _likert(item, instrument, levels)
        elif isinstance(instrument, Sjt):
            for sjt_item in instrument.items:
                answers[sjt_item.id] = _sjt(sjt_item, levels.get(sjt_item.scale, HIGH))
        elif isinstance(instrument, Knowledge):
            for k_item in instrument.items:
                answers[k_item.id] = _knowledge(k_item, levels.get(k_item.scale, HIGH), seen)
        elif isinstance(instrument, ForcedChoice):  # the candidate batteries (issue 13)
            traits = {cid: (level - 50) / 16 for cid, level in levels.items()}
            picks = respond(instrument, traits, [0.0] * 3 * len(instrument.blocks))
            answers.update({item.id: p for item, p in zip(instrument.items, picks, strict=True)})
    return answers


@dataclass
class Assessed:
    invitation: Invitation
    person: Person
    snapshot: ScoreSnapshot
    token: str


def assess(
    db: Session,
    catalog: Catalog,
    organisation: Organisation,
    *,
    levels: dict[str, int] = HUNTER,
    target_role: str = "either",
    feedback: bool = False,
    name: str | None = None,
    manager: User | None = None,
    team: Team | None = None,
    complete: bool = True,
) -> Assessed:
    """A person who took the battery candidate-general with answers at `levels`."""
    scope_to_organisation(unscoped(db), organisation.id or 0)
    campaign = campaign_service.create_campaign(
        db,
        catalog=catalog,
        name=f"Round {uuid.uuid4().hex[:4]}",
        battery="candidate-general",
        target_role=target_role,
        candidate_feedback=feedback,
    )
    person = add_person(
        db,
        full_name=name or f"Person {uuid.uuid4().hex[:6]}",
        email=f"{uuid.uuid4().hex[:10]}@example.com",
        language="en",
    )
    person.manager_id = manager.id if manager else None
    person.team_id = team.id if team else None
    db.add(person)
    invited = campaign_service.invite(
        db, campaign=campaign, person=person, secret_key=SECRET, base_url=BASE
    )
    invitation = invited.invitation
    sessions.record_consent(db, invitation, accepted=True, language="en")
    sessions.save_answers(db, invitation, catalog, answers_as(catalog, "candidate-general", levels))
    snapshot = results.complete(db, catalog, invitation) if complete else None
    db.commit()
    unscoped(db)
    return Assessed(invitation, person, snapshot, invited.url.rsplit("/", 1)[1])  # type: ignore[arg-type]


def soup_of(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def words(node: Any) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


def plain(node: Any) -> str:
    """The text as read, tags dropped without adding spaces."""
    return " ".join(node.get_text().split())


def with_likert_self_report(catalog: Catalog) -> Catalog:
    """The catalog with the candidate batteries as they were before issue 13: the Likert
    self-report instead of the forced-choice questionnaire."""
    batteries = {
        bid: battery.model_copy(
            update={
                "instruments": [
                    "sales_self_report" if i == "sales_forced_choice" else i
                    for i in battery.instruments
                ]
            }
        )
        for bid, battery in catalog.batteries.items()
    }
    return replace(catalog, batteries=batteries)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The hand-worked scores of these tests were written for the Likert self-report, which
    gives exact scores from chosen answers; the forced-choice questionnaire's report is
    tested in tests/web/test_forced_choice_pages.py."""
    return with_likert_self_report(load_catalog(MODEL_FILE, ASSESSMENTS_DIR))


@pytest.fixture
def organisation(db: Session) -> Organisation:
    return create_organisation(db)


@pytest.fixture
def head(db: Session, organisation: Organisation) -> User:
    return create_user(unscoped(db), organisation=organisation, role=Role.head_of_sales)


@pytest.fixture
def hunter(db: Session, catalog: Catalog, organisation: Organisation, head: User) -> Assessed:
    return assess(db, catalog, organisation, name="Ivan <Hunter>")


# ----------------------------------------------------------------------------- the answers


def test_the_hunter_answers_give_the_expected_shape_of_scores(hunter: Assessed) -> None:
    scores = hunter.snapshot.scores
    assert scores["engine"] == 2
    competencies = {cid: entry["score"] for cid, entry in scores["competencies"].items()}
    for cid in ("communication", "persuasion", "negotiation", "objection_handling", "persistence"):
        assert competencies[cid] == pytest.approx(100.0)
    assert competencies["client_expertise"] < competencies["product_knowledge"] < 100
    assert "client_expertise" in scores["knockouts"]["passive"]
    # no company product test in the battery: said so, never proxied by other items
    assert scores["product_test"]["tested"] is False
    assert "not_tested:product_knowledge" in scores["cautions"]
    methods = scores["competencies"]["product_knowledge"]["methods"]
    assert [m["type"] for m in methods] == ["self_report"]
    assert scores["knockouts"]["active"] == []
    assert hunter.snapshot.recommendation in OUTCOMES
    assert hunter.snapshot.flags == []


# ----------------------------------------------------------------------------- the page


def test_the_report_puts_the_decision_first_with_its_reasons(
    client: TestClient, catalog: Catalog, head: User, hunter: Assessed
) -> None:
    sign_in(client, head.email, PASSWORD)
    response = client.get(f"/people/{hunter.person.id}/report")
    assert response.status_code == 200
    page = soup_of(response)
    assert words(page.select_one("h1")) == "Ivan <Hunter>"
    assert "<Hunter>" not in response.text.replace("&lt;Hunter&gt;", "")  # escaped everywhere
    sections = [s["id"] for s in page.select("article.report section")]
    assert sections == [
        "recommendation",
        "chart",
        "competencies",
        "fit",
        "flags",
        "interview",
        "structured-interview",
        "development",
        "caveats",
    ]
    decision = page.select_one("#recommendation")
    snapshot = hunter.snapshot
    stored = snapshot.scores
    assert words(decision.select_one(".recommendation strong")) == recommendation_label(
        snapshot.recommendation
    )
    assert f"confidence: {snapshot.confidence}" in words(decision)
    assert words(decision.select_one(".confidence-text")) == stored["confidence_text"]["en"]
    assert words(decision.select_one(".summary")) == stored["summary"]["en"]
    assert page.select_one("#engine-note") is None  # the current engine: no label

    passive = page.select_one("#fit-passive")
    assert "Client expertise" in words(passive.select_one("li.knockout"))
    threshold = catalog.model.definition.profiles["passive"].fit_threshold
    assert words(passive.select("td.num")[1]) == f"{threshold:g}"
    for pid in ("active", "passive"):
        row = page.select_one(f"#fit-{pid}")
        assert words(row.select_one("td.fit-index")) == interval_text(
            stored["fit"][pid], stored["fit_low"][pid], stored["fit_high"][pid]
        )
        assert words(row.select_one("td.probability")) == percent(stored["probabilities"][pid])

    rows = page.select("#competencies tbody tr")
    assert [r["id"] for r in rows] == [
        f"competency-{c}" for c in catalog.model.definition.competencies
    ]
    for row in rows:  # each score with its interval, rounded as everywhere else
        entry = stored["competencies"][row["id"].removeprefix("competency-")]
        expected = interval_text(entry["score"], entry["low"], entry["high"])
        assert words(row.select_one("td.score")) == expected
    assert words(page.select_one("#competency-persistence td.score")).startswith("100 (")
    assert "self-report 100" in words(page.select_one("#competency-persistence"))
    # the stop factor prints the same number as the competency's row
    knocked = words(passive.select_one("li.knockout"))
    knowledge = words(page.select_one("#competency-client_expertise td.score"))
    assert f": {knowledge}, minimum" in knocked
    assert words(page.select_one("#flags")).startswith("Response-validity flags No flags")
    caveats = words(page.select_one("#caveats"))
    assert "not yet been validated" in caveats
    assert "80% interval" in caveats
    # staff read the declared versions and the instruments' titles; the full versions (with
    # the content hash) stay for audits, in the title attributes and the JSON
    versions = page.select_one(".versions")
    declared = snapshot.model_version.split("+")[0]
    assert f"Competency model version {declared}." in words(versions)
    assert snapshot.model_version not in words(versions)
    assert snapshot.model_version in [span.get("title") for span in versions.select("span")]
    assert "sales_self_report" not in words(versions)


def test_the_chart_has_seven_axes_both_profiles_and_the_person(
    client: TestClient, catalog: Catalog, head: User, hunter: Assessed
) -> None:
    sign_in(client, head.email, PASSWORD)
    page = soup_of(client.get(f"/people/{hunter.person.id}/report"))
    svg = page.select_one("#chart svg")
    assert svg["role"] == "img" and svg["aria-label"].startswith("Ivan <Hunter>")
    model = catalog.model.definition
    assert len(svg.select("line.axis")) == 7
    labels = [label.find("title").get_text() for label in svg.select("text.axis-label")]
    assert labels == [c.name.en for c in model.competencies.values()]
    outlines = svg.select("g.series")
    names = [g.find("polygon").find("title").get_text() for g in outlines]
    assert names == ["Active sales: target", "Passive sales: target", "Ivan <Hunter>"]
    for g in outlines:
        assert len(g.find("polygon")["points"].split()) == 7
    dashes = [g.find("polygon").get("stroke-dasharray") for g in outlines]
    assert dashes[0] and dashes[1] and dashes[0] != dashes[1] and dashes[2] is None


def test_the_interview_guide_asks_about_the_weak_competencies(
    client: TestClient, catalog: Catalog, head: User, hunter: Assessed
) -> None:
    sign_in(client, head.email, PASSWORD)
    page = soup_of(client.get(f"/people/{hunter.person.id}/report"))
    blocks = page.select("#interview .interview-block")
    assert [b["id"] for b in blocks] == [
        "interview-client_expertise",  # a knock-out comes first
        "interview-product_knowledge",
    ]
    model = catalog.model.definition
    knowledge = blocks[0]
    assert "Below the minimum for Passive sales:" in words(knowledge)
    questions = knowledge.select("li[data-question]")
    expected = model.competencies["client_expertise"].interview_questions
    assert [q["data-question"] for q in questions] == [q.id for q in expected]
    assert expected[0].text.en in words(questions[0])
    assert f"Listen for: {expected[0].look_for.en}" in words(questions[0])
    assert not page.select("#interview-persistence")  # strong and certain: no questions


def test_a_development_plan_with_months_for_the_campaigns_role(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, head: User
) -> None:
    inbound = assess(db, catalog, organisation, target_role="passive", name="Olga")
    sign_in(client, head.email, PASSWORD)
    page = soup_of(client.get(f"/people/{inbound.person.id}/report"))
    plan = page.select_one("#development")
    status = plan.select_one(".development-status")
    assert status["data-status"] == "develop"
    assert re.search(r"Can be developed for Passive sales in about \d+(\.5)? months", words(status))
    assert "The campaign assesses for Passive sales." in words(plan)
    steps = plan.select(".steps > li")
    knocked = inbound.snapshot.scores["knockouts"]["passive"]
    planned = [step["id"].removeprefix("step-") for step in steps]
    assert knocked and set(knocked) <= set(planned)  # the plan aims at every knock-out
    first = planned[0]
    activity = catalog.model.definition.competencies[first].development[0]
    assert activity.title.en in words(steps[0])

    closer = assess(db, catalog, organisation)  # target role "either"
    either = soup_of(client.get(f"/people/{closer.person.id}/report"))
    status = either.select_one("#development .development-status")
    assert status["data-status"] in ("fit_now", "develop")
    assert "the plan is for Active sales, the closer fit" in words(
        either.select_one("#development")
    )


def test_the_json_has_the_same_data(
    client: TestClient, catalog: Catalog, head: User, hunter: Assessed
) -> None:
    sign_in(client, head.email, PASSWORD)
    response = client.get(f"/people/{hunter.person.id}/report.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    data = response.json()
    assert data["person"]["name"] == "Ivan <Hunter>"
    assert data["recommendation"]["code"] == hunter.snapshot.recommendation
    assert data["recommendation"]["label"] == recommendation_label(hunter.snapshot.recommendation)
    assert data["recommendation"]["summary"] == hunter.snapshot.scores["summary"]["en"]
    assert data["engine"] == {"version": 2, "current": True, "label": None}
    assert [c["id"] for c in data["competencies"]] == list(catalog.model.definition.competencies)
    for c in data["competencies"]:
        stored = hunter.snapshot.scores["competencies"][c["id"]]
        assert (c["low"], c["high"]) == (round(stored["low"], 1), round(stored["high"], 1))
        assert c["measured"] is True and c["text"]
    assert [f["probability"] for f in data["fit"]] == [
        round(hunter.snapshot.scores["probabilities"][p], 3) for p in ("active", "passive")
    ]
    assert data["differential"]["value"] == round(
        hunter.snapshot.scores["differential"]["value"], 1
    )
    assert {f["profile"]: f["knockouts"] for f in data["fit"]}["passive"][0]["competency"] == (
        "client_expertise"
    )
    assert [b["competency"] for b in data["interview"]][:1] == ["client_expertise"]
    assert data["development"]["profile"] == "active"
    assert data["chart"]["axes"] == [c["name"] for c in data["competencies"]]
    assert len(data["chart"]["series"]) == 3 and data["chart"]["svg"].startswith("<svg")
    assert data["reference_group"] == {"size": 1, "minimum": 30, "enough": False}
    page = soup_of(client.get(f"/people/{hunter.person.id}/report"))
    assert words(page.select_one("#caveats ul")) == " ".join(data["caveats"])

    russian = client.get(f"/people/{hunter.person.id}/report.json?lang=ru").json()
    assert russian["recommendation"]["summary"] == hunter.snapshot.scores["summary"]["ru"]
    assert russian["competencies"][0]["name"] == "Экспертиза в клиенте"


def stamped(db: Session, catalog: Catalog, organisation: Organisation, **payload: Any) -> Assessed:
    """A person whose latest result is replaced by a hand-made payload v2."""
    assessed = assess(db, catalog, organisation)
    scope_to_organisation(db, organisation.id or 0)
    stamp(db, assessed.snapshot, payload_v2(catalog, **payload))
    unscoped(db)
    return assessed


def test_flags_appear_with_their_severity_and_sentences(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, head: User
) -> None:
    flagged = stamped(
        db,
        catalog,
        organisation,
        outcome="active",
        flags=["impression_management", "method_discrepancy"],
    )
    sign_in(client, head.email, PASSWORD)
    page = soup_of(client.get(f"/people/{flagged.person.id}/report"))
    items = page.select("#flags li")
    assert [li["data-flag"] for li in items] == ["impression_management", "method_discrepancy"]
    assert [li["data-severity"] for li in items] == ["caution", "caution"]
    assert plain(items[0]) == (
        f"Too favourable self-report (caution): {FLAGS['impression_management'].text('en')}"
    )
    assert "Response-validity flags: 2" in words(page.select_one("#recommendation"))


def test_an_invalid_result_says_why_and_offers_a_fresh_link(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, head: User
) -> None:
    careless = stamped(
        db,
        catalog,
        organisation,
        outcome="invalid",
        confidence="low",
        flags=["inconsistent", "straight_lining", "failed_attention"],
    )
    sign_in(client, head.email, PASSWORD)
    page = soup_of(client.get(f"/people/{careless.person.id}/report"))
    decision = page.select_one("#recommendation")
    assert words(decision.select_one(".recommendation strong")) == (
        "Invalid: the answers cannot be relied on"
    )
    reasons = decision.select("#invalid-reasons li")
    assert [li["data-flag"] for li in reasons] == ["straight_lining", "failed_attention"]
    assert plain(reasons[1]) == (f"Attention check failed: {FLAGS['failed_attention'].text('en')}")
    # serious flags first, each marked
    severities = [li["data-severity"] for li in page.select("#flags li")]
    assert severities == ["serious", "serious", "caution"]
    data = client.get(f"/people/{careless.person.id}/report.json").json()
    assert data["recommendation"]["code"] == "invalid"
    assert [r["code"] for r in data["recommendation"]["invalid_reasons"]] == [
        "straight_lining",
        "failed_attention",
    ]
    assert data["recommendation"]["decisive"] is False


def test_the_outbound_orientation_is_shown_and_named_where_it_knocks_out(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, head: User
) -> None:
    """The self-report's sales orientation is part of the active fit: the report shows it
    under the role with its interval and names it (never by its id) when it knocks out."""
    assessed = assess(db, catalog, organisation)
    scope_to_organisation(db, organisation.id or 0)
    payload = payload_v2(catalog, outcome="passive", knockouts={"active": ["sales_orientation"]})
    payload["profile_scales"] = {"sales_orientation": {"score": 22.0, "low": 14.0, "high": 30.0}}
    stamp(db, assessed.snapshot, payload)
    unscoped(db)
    sign_in(client, head.email, PASSWORD)
    page = soup_of(client.get(f"/people/{assessed.person.id}/report"))
    minimum = catalog.model.definition.profiles["active"].scales["sales_orientation"].minimum
    shown = page.select_one('#fit-active .profile-scale[data-scale="sales_orientation"]')
    assert plain(shown) == f"Outbound orientation: 22 (14–30), minimum {minimum:.0f}"
    knocked = page.select_one('#fit-active .knockout[data-competency="sales_orientation"]')
    assert plain(knocked) == f"Outbound orientation: 22 (14–30), minimum {minimum:.0f}"
    assert page.select_one("#fit-passive .profile-scale") is None
    # the staff result page names it too (it answered 500 on a scale's knock-out)
    result = client.get(f"/results/{assessed.invitation.id}")
    assert result.status_code == 200
    item = soup_of(result).select_one("#fit-active li")
    assert plain(item) == f"Outbound orientation: 22 (14–30), minimum {minimum:.0f}"


def test_an_undecided_result_names_what_would_decide_it(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, head: User
) -> None:
    minimum = catalog.model.definition.profiles["active"].minimums["persistence"]
    undecided = stamped(
        db,
        catalog,
        organisation,
        outcome="uncertain",
        confidence="low",
        scores={"persistence": minimum - 12.5, "product_knowledge": None},
        probabilities={"active": 0.02, "passive": 0.55},
        knockouts={"active": ["persistence"]},
        open_competencies=["client_expertise"],
        next_steps=["interview", "manager_rating", "retest"],
        differential=(-6.5, -14.0, 1.0),
    )
    scope_to_organisation(db, organisation.id or 0)
    snapshot = undecided.snapshot
    # the engine's caution about the minimum must not repeat a stop factor
    snapshot.scores = {
        **snapshot.scores,
        "cautions": ["near_minimum:active:persistence", "near_minimum:passive:communication"],
    }
    db.add(snapshot)
    db.commit()
    unscoped(db)
    sign_in(client, head.email, PASSWORD)
    page = soup_of(client.get(f"/people/{undecided.person.id}/report"))
    decision = page.select_one("#recommendation")
    assert words(decision.select_one(".recommendation strong")) == (
        "Undecided: the evidence does not decide"
    )
    steps = decision.select("#what-decides li")
    assert [li["data-step"] for li in steps] == ["interview", "manager_rating", "retest"]
    assert words(steps[0]) == ("a structured interview on the competencies named: Client expertise")
    assert words(decision.select_one(".confidence-text")) == (
        "Confidence low: a plain-words explanation."
    )
    cautions = [words(li) for li in decision.select(".cautions li")]
    communication = catalog.model.definition.competencies["communication"].name.en
    assert cautions == [f"“{communication}” is close to the minimum of “Passive sales”."]
    assert words(decision.select_one("#differential")) == (
        "Active minus passive fit: -6 (-14…1). "
        "Not clearly closer to either role: the interval includes zero."
    )
    # not measured is said so, never 0 and never a stop factor
    knowledge = page.select_one("#competency-product_knowledge td.score")
    assert knowledge["data-measured"] == "no" and words(knowledge) == "not measured"
    # one number everywhere: the stop factor and the table agree, rounded as the engine's
    # own sentences round ({:.0f}: a half to even)
    persistence = words(page.select_one("#competency-persistence td.score"))
    expected = f"{minimum - 12.5:.0f} ({minimum - 19.5:.0f}–{minimum - 5.5:.0f})"
    assert persistence == expected
    knockout = words(page.select_one("#fit-active li.knockout"))
    assert f": {persistence}, minimum {minimum:g}" in knockout
    assert words(page.select_one("#fit-active td.probability")) == "2%"
    assert words(page.select_one("#fit-passive td.probability")) == "55%"
    guide = [b["id"] for b in page.select("#interview .interview-block")]
    assert guide[0] == "interview-persistence" and "interview-client_expertise" in guide
    assert "interview-product_knowledge" in guide  # no score: asked about in the interview


def test_too_little_data_is_not_a_rejection(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, head: User
) -> None:
    empty = stamped(
        db,
        catalog,
        organisation,
        outcome="insufficient_data",
        confidence="low",
        scores=dict.fromkeys(HUNTER),
        probabilities={"active": None, "passive": None},
    )
    sign_in(client, head.email, PASSWORD)
    page = soup_of(client.get(f"/people/{empty.person.id}/report"))
    assert words(page.select_one("#recommendation .recommendation strong")) == (
        "Not enough data to decide"
    )
    assert "this is not a rejection" in words(page.select_one("#insufficient"))
    cells = page.select("#competencies td.score")
    assert {words(c) for c in cells} == {"not measured"}
    assert page.select("li.knockout") == []


def test_a_result_of_the_earlier_engine_is_labelled_with_its_model_version(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, head: User
) -> None:
    old = assess(db, catalog, organisation)
    scope_to_organisation(db, organisation.id or 0)
    snapshot = old.snapshot
    payload = {
        key: value
        for key, value in snapshot.scores.items()
        if key
        not in (
            "engine",
            "level",
            "fit_low",
            "fit_high",
            "probabilities",
            "differential",
            "outcome",
        )
    }
    payload["competencies"] = {
        cid: {"score": entry["score"], "discrepancy": False, "methods": []}
        for cid, entry in snapshot.scores["competencies"].items()
    }
    payload["recommendation"] = "active"
    snapshot.model_version = "2025.3"
    stamp(db, snapshot, payload)
    unscoped(db)
    sign_in(client, head.email, PASSWORD)
    page = soup_of(client.get(f"/people/{old.person.id}/report"))
    assert words(page.select_one("#engine-note")) == (
        "Scored by the earlier engine (model version 2025.3)."
    )
    assert words(page.select_one(".recommendation strong")) == "Active sales"
    score = payload["competencies"]["persistence"]["score"]
    assert words(page.select_one("#competency-persistence td.score")) == interval_text(
        score, None, None
    )
    assert words(page.select_one("#fit-active td.probability")) == "—"
    assert any(
        "salesfit rescore" in c
        for c in client.get(f"/people/{old.person.id}/report.json").json()["caveats"]
    )


# ----------------------------------------------------------------------------- who sees it


def test_roles_and_managers(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, hunter: Assessed
) -> None:
    manager = create_user(unscoped(db), organisation=organisation, role=Role.manager)
    team = Team(organisation_id=organisation.id, name="Field team", manager_id=manager.id)
    db.add(team)
    db.commit()
    mine = assess(db, catalog, organisation, team=team, name="Team Member")
    for role in (Role.admin, Role.hr):
        user = create_user(unscoped(db), organisation=organisation, role=role)
        sign_in(client, user.email, PASSWORD)
        assert client.get(f"/people/{hunter.person.id}/report").status_code == 200
        assert client.get(f"/people/{hunter.person.id}/report.json").status_code == 200
        client.cookies.clear()
    sign_in(client, manager.email, PASSWORD)
    assert client.get(f"/people/{mine.person.id}/report").status_code == 200
    assert client.get(f"/people/{mine.person.id}/report.json").status_code == 200
    assert client.get(f"/people/{hunter.person.id}/report").status_code == 404
    assert client.get(f"/people/{hunter.person.id}/report.json").status_code == 404
    client.cookies.clear()
    page = client.get(f"/people/{hunter.person.id}/report", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert client.get(f"/people/{hunter.person.id}/report.json").status_code == 401


def test_no_completed_assessment_or_a_wrong_invitation_is_not_found(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, head: User
) -> None:
    started = assess(db, catalog, organisation, complete=False)
    other = assess(db, catalog, organisation)
    sign_in(client, head.email, PASSWORD)
    assert client.get(f"/people/{started.person.id}/report").status_code == 404
    assert client.get(f"/people/{started.person.id}/report.json").status_code == 404
    assert client.get("/people/999999/report").status_code == 404
    wrong = f"/people/{other.person.id}/report?invitation={started.invitation.id}"
    assert client.get(wrong).status_code == 404
    assert client.get(f"/people/{other.person.id}/report?invitation=abc").status_code == 404
    right = f"/people/{other.person.id}/report?invitation={other.invitation.id}"
    assert client.get(right).status_code == 200


def test_another_organisations_person_is_not_found(
    client: TestClient, db: Session, catalog: Catalog, head: User, hunter: Assessed
) -> None:
    theirs = assess(db, catalog, create_organisation(unscoped(db)))
    sign_in(client, head.email, PASSWORD)
    assert client.get(f"/people/{hunter.person.id}/report").status_code == 200
    assert client.get(f"/people/{theirs.person.id}/report").status_code == 404
    assert client.get(f"/people/{theirs.person.id}/report.json").status_code == 404
    sneaky = f"/people/{hunter.person.id}/report?invitation={theirs.invitation.id}"
    assert client.get(sneaky).status_code == 404


def test_the_result_page_links_to_the_full_report(
    client: TestClient, head: User, hunter: Assessed
) -> None:
    sign_in(client, head.email, PASSWORD)
    page = soup_of(client.get(f"/results/{hunter.invitation.id}"))
    link = page.select_one(".full-report a")
    assert words(link) == "Full report"
    assert link["href"] == f"/people/{hunter.person.id}/report?invitation={hunter.invitation.id}"
    assert client.get(link["href"]).status_code == 200


# ----------------------------------------------------------------------------- candidates


def test_feedback_names_the_highest_and_lowest_competencies_without_numbers(
    db: Session, catalog: Catalog, organisation: Organisation
) -> None:
    snapshot = ScoreSnapshot(
        person_id=1,
        model_version="x",
        scores={
            "competencies": {
                "client_expertise": {"score": 61.0},
                "product_knowledge": {"score": 20.0},
                "communication": {"score": 88.0},
                "persuasion": {"score": 74.0},
                "negotiation": {"score": 45.0},
                "objection_handling": {"score": 90.0},
                "persistence": {"score": None},
            },
            "fit": {"active": 70.0},
            "recommendation": "active",
        },
    )
    feedback = candidate_feedback(snapshot, catalog, "en")
    assert feedback is not None
    assert [s["competency"] for s in feedback["strengths"]] == [
        "objection_handling",
        "communication",
        "persuasion",
    ]
    assert [d["competency"] for d in feedback["development"]] == [
        "product_knowledge",
        "negotiation",
    ]
    text = " ".join(
        [feedback["caveat"]]
        + [f"{a['name']} {a['example']}" for a in feedback["strengths"] + feedback["development"]]
    )
    assert not re.search(r"\d", text)
    assert "not a hiring decision" in feedback["caveat"]
    russian = candidate_feedback(snapshot, catalog, "ru")
    assert russian is not None
    assert russian["strengths"][0]["name"] == "Работа с возражениями"
    few = ScoreSnapshot(
        person_id=1,
        model_version="x",
        scores={"competencies": {"persuasion": {"score": 50.0}, "persistence": {"score": 60.0}}},
    )
    assert candidate_feedback(few, catalog, "en") is None


@pytest.fixture
def fast_links(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(candidate_routes, "INVALID_LINK_MIN_SECONDS", 0.0)


@pytest.mark.parametrize("feedback", [True, False])
def test_the_thank_you_page_shows_strengths_without_numbers_or_a_decision(
    client: TestClient,
    db: Session,
    catalog: Catalog,
    organisation: Organisation,
    fast_links: None,
    feedback: bool,
) -> None:
    person = assess(db, catalog, organisation, feedback=feedback, complete=False)
    finish = client.get(f"/a/{person.token}/finish")
    done = client.post(
        f"/a/{person.token}/complete",
        data={"csrf_token": csrf_from(finish.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = soup_of(client.get(done.headers["location"]))
    if not feedback:
        assert page.select_one("#feedback") is None
        return
    section = page.select_one("#feedback")
    text = words(section)
    assert not re.search(r"\d", text), text
    strengths = [li["data-competency"] for li in section.select("#strengths li")]
    assert len(strengths) == 3
    assert set(strengths) <= {
        "communication",
        "persuasion",
        "negotiation",
        "objection_handling",
        "persistence",
    }
    areas = [li["data-competency"] for li in section.select("#development li")]
    assert areas == ["client_expertise", "product_knowledge"]  # the weakest first
    assert "Product and market knowledge" in text
    for forbidden in ("fit", "index", "threshold", "recommend", "Active sales", "Passive sales"):
        assert forbidden not in text
    assert "not a hiring decision" in text

    russian = soup_of(client.get(done.headers["location"] + "?lang=ru"))
    russian_text = words(russian.select_one("#feedback"))
    assert "Знание продукта и рынка" in russian_text and not re.search(r"\d", russian_text)


# ----------------------------------------------------------------------------- print


def test_a_typical_report_prints_on_at_most_two_a4_pages(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, head: User
) -> None:
    """Chromium's Print → Save as PDF of the page and its stylesheets, fetched by the client.

    The browser runs in its own thread: a session-wide Playwright (the e2e tests') may
    already own this thread's event loop."""
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _require_chromium

    _require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    person = assess(db, catalog, organisation, target_role="passive", name="Olga Printed")
    sign_in(client, head.email, PASSWORD)
    path = f"/people/{person.person.id}/report"
    page_response = client.get(path)
    served = {path: (page_response.headers["content-type"], page_response.content)}
    for link in soup_of(page_response).select("link[rel=stylesheet]"):
        css = client.get(link["href"])
        assert css.status_code == 200
        served[link["href"]] = ("text/css", css.content)
    outcome: dict[str, Any] = {}

    def answer(route: Any) -> None:
        found = served.get(route.request.url.removeprefix("http://testserver"))
        if found is None:
            route.fulfill(status=404, body=b"")
        else:
            route.fulfill(status=200, headers={"content-type": found[0]}, body=found[1])

    def print_it() -> None:
        try:
            with sync_api.sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page()
                    page.route("**/*", answer)
                    page.goto(f"http://testserver{path}")
                    outcome["axes"] = page.locator("#chart svg line.axis").count()
                    page.emulate_media(media="print")
                    outcome["nav_hidden"] = page.locator("header.topbar").is_hidden()
                    outcome["chart_visible"] = page.locator("#chart svg").is_visible()
                    outcome["pdf"] = page.pdf(format="A4")
                finally:
                    browser.close()
        except Exception as exc:  # reported by the test below
            outcome["error"] = exc

    worker = threading.Thread(target=print_it)
    worker.start()
    worker.join(timeout=120)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["axes"] == 7 and outcome["nav_hidden"] and outcome["chart_visible"]
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", outcome["pdf"]))
    assert 1 <= pages <= 2, f"the report printed on {pages} pages"
