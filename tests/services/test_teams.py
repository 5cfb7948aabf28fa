"""Teams: current scores, the team map and the move from passive to active sales.

The hand-worked team (`build_team`) is an inbound desk (sales mode passive) whose answer is
plain from the scores alone, with the model's active profile (threshold 65; persistence
minimum 55, trainable by at most 15 points):

* two hunters, at or above every active target: fit active now (index 100);
* a grower, active fit 59.8 with no knock-out; developing persuasion 55 -> 70 (4 points a
  month, 3.75 months, rounded up to 4) lifts it to 69.8: developable in about 4 months;
* two inbound sellers with persistence 35 (below the active minimum even after the 15
  points development can add) but a passive fit of 92: kept in passive sales;
* a weak seller at 30 everywhere: knocked out of both roles;
* a newcomer with no assessment: not enough data.

A headcount of 6 in active sales therefore needs 6 - 2 - 1 = 3 hires.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pytest
from sqlmodel import Session

from app.db import ORGANISATION_KEY, scope_to_organisation, utcnow
from app.models import Organisation, Person, PersonKind, Role, ScoreSnapshot, Team, User
from app.scoring.decision import Estimate, components, decide
from app.scoring.definitions import CompetencyModel
from app.scoring.loader import Catalog
from app.services import teams
from app.services.errors import Invalid, NotFound
from tests.factories import create_organisation, create_user

COMPETENCIES = (
    "client_expertise",
    "product_knowledge",
    "communication",
    "persuasion",
    "negotiation",
    "objection_handling",
    "persistence",
)
HUNTER = dict(zip(COMPETENCIES, (65, 65, 85, 80, 75, 75, 85), strict=True))
GROWER = dict(zip(COMPETENCIES, (75, 80, 55, 55, 60, 70, 60), strict=True))
INBOUND = dict(zip(COMPETENCIES, (85, 85, 60, 50, 65, 75, 35), strict=True))
WEAK = dict.fromkeys(COMPETENCIES, 30)


def unscoped(db: Session) -> Session:
    db.info.pop(ORGANISATION_KEY, None)
    return db


def add_snapshot(
    db: Session,
    person: Person,
    scores: dict[str, float | None],
    *,
    age_days: int = 0,
) -> ScoreSnapshot:
    """A snapshot whose competency scores are set directly (no questionnaire)."""
    snapshot = ScoreSnapshot(
        organisation_id=person.organisation_id,
        person_id=person.id or 0,
        model_version="test",
        instrument_versions={},
        scores={
            "competencies": {
                cid: {"score": value, "band": None, "discrepancy": False, "methods": []}
                for cid, value in scores.items()
            },
            "summary": {"en": "set by the test", "ru": "задано тестом"},
        },
        created_at=utcnow() - timedelta(days=age_days),
    )
    db.add(snapshot)
    db.flush()
    return snapshot


def add_person(
    db: Session,
    organisation: Organisation,
    name: str,
    *,
    team: Team | None = None,
    manager: User | None = None,
    scores: dict[str, float | None] | None = None,
    kind: PersonKind = PersonKind.employee,
    current_role: str | None = None,
) -> Person:
    person = Person(
        organisation_id=organisation.id,
        kind=kind,
        full_name=name,
        team_id=team.id if team else None,
        manager_id=manager.id if manager else None,
        current_role=current_role,
    )
    db.add(person)
    db.flush()
    if scores is not None:
        add_snapshot(db, person, scores)
    return person


@dataclass
class Desk:
    organisation: Organisation
    team: Team
    other_team: Team
    manager: User
    people: dict[str, Person]


def build_team(db: Session) -> Desk:
    """The hand-worked inbound desk, plus people who must not be counted in it."""
    organisation = create_organisation(unscoped(db))
    manager = create_user(db, organisation=organisation, role=Role.manager)
    team = Team(
        organisation_id=organisation.id,
        name="Inbound desk",
        sales_mode="passive",
        manager_id=manager.id,
    )
    other_team = Team(organisation_id=organisation.id, name="Field sales", sales_mode="active")
    db.add_all([team, other_team])
    db.flush()
    people = {
        name: add_person(db, organisation, name, team=team, scores=scores)
        for name, scores in (
            ("Hanna Hunter", HUNTER),
            ("Harry Hunter", HUNTER),
            ("Greta Grower", GROWER),
            ("Inna Inbound", INBOUND),
            ("Ivan Inbound", INBOUND),
            ("Walter Weak", WEAK),
        )
    }
    people["Nina Newcomer"] = add_person(db, organisation, "Nina Newcomer", team=team)
    # Not part of the desk's answer: a candidate, an anonymised employee, another team.
    add_person(
        db, organisation, "Carl Candidate", team=team, scores=HUNTER, kind=PersonKind.candidate
    )
    gone = add_person(db, organisation, "Anon Ymous", team=team, scores=HUNTER)
    gone.anonymised_at = utcnow()
    db.add(gone)
    people["Fred Field"] = add_person(
        db, organisation, "Fred Field", team=other_team, scores=HUNTER, manager=manager
    )
    db.commit()
    return Desk(organisation, team, other_team, manager, people)


@pytest.fixture
def desk(db: Session) -> Desk:
    built = build_team(db)
    scope_to_organisation(db, built.organisation.id or 0)
    return built


def names(entries: list[teams.TransitionEntry]) -> list[str]:
    return [e.member.full_name for e in entries]


# ----------------------------------------------------------------------------- the planner


def test_the_hand_worked_desk_moving_to_active_sales(
    db: Session, catalog: Catalog, desk: Desk
) -> None:
    plan = teams.transition(db, catalog, role="active", headcount=6, team_id=desk.team.id)
    assert names(plan.fit_now) == ["Hanna Hunter", "Harry Hunter"]
    assert [e.fit for e in plan.fit_now] == [pytest.approx(100.0)] * 2
    assert names(plan.developable) == ["Greta Grower"]
    assert names(plan.keep_in_current_role) == ["Inna Inbound", "Ivan Inbound"]
    assert names(plan.not_a_fit) == ["Walter Weak"]
    assert names(plan.insufficient_data) == ["Nina Newcomer"]
    assert plan.hires_needed == 3
    assert plan.people == 7  # the desk's seven employees, each in exactly one list
    everyone = [e.member.person_id for group in _groups(plan) for e in group]
    assert sorted(everyone) == sorted(
        p.id for name, p in desk.people.items() if name != "Fred Field"
    )

    grower = plan.developable[0]
    assert grower.fit == pytest.approx(60.9375, abs=1e-3)  # 9.75 / 16 of the way
    assert grower.months == 4.0
    assert grower.projected_fit == pytest.approx(72.65625, abs=1e-3)
    [step] = grower.plan
    assert (step.competency, step.score, step.aim) == ("persuasion", 55.0, 70.0)
    assert step.months == pytest.approx(3.75)
    assert [a.id for a in step.activities]  # the model's development activities
    assert plan.months_to_staff == 4.0

    inbound = plan.keep_in_current_role[0]
    assert inbound.member.current_role == "passive"  # from the team's sales mode
    assert inbound.current_role_fit == pytest.approx(92.2414, abs=1e-3)
    assert plan.keep_by_role() == {"passive": plan.keep_in_current_role}
    # within the 6-month horizon neither reaches its minimum (communication 50, persistence 55)
    assert plan.not_a_fit[0].blocking == ["communication", "persistence"]
    assert plan.moved == {
        desk.people[n].id for n in ("Hanna Hunter", "Harry Hunter", "Greta Grower")
    }


def _groups(plan: teams.Transition) -> list[list[teams.TransitionEntry]]:
    return [
        plan.fit_now,
        plan.developable,
        plan.keep_in_current_role,
        plan.not_a_fit,
        plan.insufficient_data,
    ]


@pytest.mark.parametrize(("headcount", "hires"), [(0, 0), (2, 0), (3, 0), (4, 1), (10, 7)])
def test_hires_are_what_fit_now_and_development_cannot_cover(
    db: Session, catalog: Catalog, desk: Desk, headcount: int, hires: int
) -> None:
    plan = teams.transition(db, catalog, role="active", headcount=headcount, team_id=desk.team.id)
    assert plan.hires_needed == hires
    assert plan.people == 7
    assert len(plan.moved) == min(headcount, 3)
    # the development time counts only when development is needed for the headcount
    assert plan.months_to_staff == (4.0 if headcount > 2 else None)


def test_the_other_role_is_staffed_from_the_people_who_stay(
    db: Session, catalog: Catalog, desk: Desk
) -> None:
    plan = teams.transition(
        db, catalog, role="active", headcount=6, team_id=desk.team.id, other_headcount=4
    )
    assert plan.other is not None
    # hunters and the grower move; the two inbound sellers stay and fit passive sales
    assert (plan.other.role, plan.other.available, plan.other.hires_needed) == ("passive", 2, 2)
    plan = teams.transition(
        db, catalog, role="active", headcount=2, team_id=desk.team.id, other_headcount=4
    )
    assert plan.other is not None
    # only the hunters move; the grower fits passive sales too
    assert (plan.other.available, plan.other.hires_needed) == (3, 1)
    assert plan.to_develop == [] and plan.months_to_staff is None


def test_moving_to_passive_sales(db: Session, catalog: Catalog, desk: Desk) -> None:
    plan = teams.transition(db, catalog, role="passive", headcount=5, team_id=desk.team.id)
    assert names(plan.fit_now) == [
        "Greta Grower",
        "Inna Inbound",
        "Ivan Inbound",
        "Hanna Hunter",
        "Harry Hunter",
    ]
    assert names(plan.developable) == ["Walter Weak"]
    assert plan.keep_in_current_role == [] and plan.not_a_fit == []
    assert plan.hires_needed == 0


def test_scopes_narrow_the_people(db: Session, catalog: Catalog, desk: Desk) -> None:
    whole = teams.transition(db, catalog, role="active", headcount=0)
    assert whole.people == 8  # the desk and Fred Field; no candidate, no anonymised person
    assert "Fred Field" in names(whole.fit_now)
    managed = teams.transition(db, catalog, role="active", headcount=0, manager_id=desk.manager.id)
    assert managed.people == 8  # the desk through the team he leads, Fred as a direct report
    both = teams.transition(
        db,
        catalog,
        role="active",
        headcount=0,
        manager_id=desk.manager.id,
        team_id=desk.other_team.id,
    )
    assert names(both.fit_now) == ["Fred Field"] and both.people == 1


def test_bad_requests_are_refused_naming_the_field(
    db: Session, catalog: Catalog, desk: Desk
) -> None:
    with pytest.raises(Invalid, match="Unknown role “hunting”") as bad_role:
        teams.transition(db, catalog, role="hunting", headcount=3)
    assert bad_role.value.field == "role"
    with pytest.raises(Invalid, match="0 or more") as negative:
        teams.transition(db, catalog, role="active", headcount=-1)
    assert negative.value.field == "headcount"
    with pytest.raises(NotFound):
        teams.transition(db, catalog, role="active", headcount=1, team_id=10**8)


def test_another_organisations_team_is_not_found(db: Session, catalog: Catalog, desk: Desk) -> None:
    other = build_team(unscoped(db))
    scope_to_organisation(db, desk.organisation.id or 0)
    with pytest.raises(NotFound):
        teams.transition(db, catalog, role="active", headcount=1, team_id=other.team.id)
    with pytest.raises(NotFound):
        teams.team_map(db, catalog, team_id=other.team.id)
    with pytest.raises(NotFound):
        teams.team_map(db, catalog, manager_id=other.manager.id)
    whole = teams.team_map(db, catalog)
    assert {row.member.person_id for row in whole.rows} == {p.id for p in desk.people.values()}


# ----------------------------------------------------------------------------- the map


def test_the_team_map_has_every_person_and_competency(
    db: Session, catalog: Catalog, desk: Desk
) -> None:
    found = teams.team_map(db, catalog, team_id=desk.team.id)
    assert found.competencies == list(COMPETENCIES)
    assert found.profiles == ["active", "passive"]
    rows = {row.member.full_name: row for row in found.rows}
    assert list(rows) == [
        "Greta Grower",
        "Hanna Hunter",
        "Harry Hunter",
        "Inna Inbound",
        "Ivan Inbound",
        "Nina Newcomer",
        "Walter Weak",
    ]
    assert found.assessed == 6
    # the profile scales (sales_orientation) ride along, None where not stored
    assert rows["Hanna Hunter"].member.scores == {
        **{c: float(v) for c, v in HUNTER.items()},
        "sales_orientation": None,
    }
    assert rows["Nina Newcomer"].member.scores == dict.fromkeys(
        teams.fit_columns(catalog.model.definition)
    )
    assert {name: row.recommendation for name, row in rows.items()} == {
        "Greta Grower": "passive",
        "Hanna Hunter": "both",
        "Harry Hunter": "both",
        "Inna Inbound": "passive",
        "Ivan Inbound": "passive",
        "Nina Newcomer": None,
        "Walter Weak": "neither",
    }
    weak = rows["Walter Weak"].fits["active"]
    assert weak.qualifies is False and weak.fit == pytest.approx(0.0)
    assert weak.knockouts == COMPETENCIES  # 30 is under every active minimum
    assert rows["Nina Newcomer"].fits["active"] == teams.FitNow(None, None, ())
    summary = found.summary["persistence"]
    assert summary.scored == 6
    assert summary.median == pytest.approx((60 + 35) / 2)  # 30 35 35 60 85 85
    assert summary.levels == {"low": 3, "middle": 1, "high": 2}


def test_a_score_missing_from_the_snapshot_is_none(
    db: Session, catalog: Catalog, desk: Desk
) -> None:
    partial = {**HUNTER, "negotiation": None}
    person = add_person(db, desk.organisation, "Pat Partial", team=desk.team, scores=partial)
    row = next(
        r
        for r in teams.team_map(db, catalog, team_id=desk.team.id).rows
        if r.member.person_id == person.id
    )
    assert row.member.scores["negotiation"] is None
    model = catalog.model.definition
    exact = _engine_fit(model, "active", partial)
    assert exact is not None
    assert row.fits["active"].fit == pytest.approx(exact)
    assert row.fits["active"].qualifies is (exact >= model.profiles["active"].fit_threshold)


# ----------------------------------------------------------------------------- current scores


def test_current_scores_are_the_latest_snapshot_that_has_scores(
    db: Session, catalog: Catalog, desk: Desk
) -> None:
    grower = desk.people["Greta Grower"]
    newer = add_snapshot(db, grower, {**GROWER, "persuasion": 72})
    hunter = desk.people["Hanna Hunter"]
    add_snapshot(db, hunter, dict.fromkeys(COMPETENCIES))  # a later result with no score
    found = teams.current_scores(db, COMPETENCIES, [grower.id or 0, hunter.id or 0])
    assert found[grower.id or 0].snapshot_id == newer.id
    assert found[grower.id or 0].scores["persuasion"] == 72.0
    assert found[hunter.id or 0].scores == {c: float(v) for c, v in HUNTER.items()}
    assert desk.people["Nina Newcomer"].id not in teams.current_scores(
        db, COMPETENCIES, [desk.people["Nina Newcomer"].id or 0]
    )
    # with the better score the grower now fits active sales
    plan = teams.transition(db, catalog, role="active", headcount=6, team_id=desk.team.id)
    assert "Greta Grower" in names(plan.fit_now)


def test_a_person_with_only_empty_snapshots_has_no_current_scores(
    db: Session, catalog: Catalog, desk: Desk
) -> None:
    person = add_person(db, desk.organisation, "Eve Empty", team=desk.team)
    add_snapshot(db, person, dict.fromkeys(COMPETENCIES))
    assert teams.current_scores(db, COMPETENCIES, [person.id or 0]) == {}
    plan = teams.transition(db, catalog, role="active", headcount=1, team_id=desk.team.id)
    assert "Eve Empty" in names(plan.insufficient_data)


# ----------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, "low"),
        (39.99, "low"),
        (39.995, "low"),
        (40, "middle"),
        (69.99, "middle"),
        (70, "high"),
        (100, "high"),
        (None, None),
        (math.nan, None),
    ],
)
def test_levels_follow_the_model(catalog: Catalog, score: float | None, level: str | None) -> None:
    assert teams.level_of(catalog.model.definition, score) == level


def _member(scores: dict[str, float | None]) -> teams.Member:
    return teams.Member(0, "x", None, None, None, scores)


def _engine_fit(model: CompetencyModel, pid: str, scores: dict[str, float | None]) -> float | None:
    """The fit point the engine stores with a result (`decision.decide`), for these scores."""
    estimates = {c: Estimate(v, 0.0) for c, v in scores.items() if v is not None}
    return decide(model, estimates).roles[pid].fit


def test_the_vectorised_fit_is_the_engines_fit(catalog: Catalog) -> None:
    """Random people, some scores missing, many near minimums and targets; the profile
    scales (sales_orientation) count as in the engine, so the team map's fit is the one
    stored with each result."""
    model = catalog.model.definition
    columns = teams.fit_columns(model)
    assert "sales_orientation" in columns
    rng = random.Random(7)  # noqa: S311 - test data, not secrets
    grid = [0, 25, 30, 35, 45, 50, 55, 60, 65, 70, 75, 100]
    people = []
    for _ in range(300):
        scores: dict[str, float | None] = {}
        for cid in columns:
            roll = rng.random()
            scores[cid] = (
                None if roll < 0.12 else rng.choice(grid) if roll < 0.5 else rng.uniform(0, 100)
            )
        people.append(_member(scores))
    matrix = teams.score_matrix(people, columns)
    assert np.isnan(matrix).sum() == sum(v is None for p in people for v in p.scores.values())
    for pid, profile in model.profiles.items():
        fast = teams.profile_fits(pid, profile, columns, matrix, people)
        parts = components(profile)
        for person, got in zip(people, fast, strict=True):
            expected = _engine_fit(model, pid, person.scores)
            below = tuple(
                c.id
                for c in parts
                if person.scores.get(c.id) is not None and (person.scores[c.id] or 0.0) < c.minimum
            )
            assert got.knockouts == below
            if expected is None:
                assert got.fit is None
                assert got.qualifies is (False if below else None)  # a knock-out still counts
            else:
                assert got.fit == pytest.approx(expected, abs=1e-9)
                assert got.qualifies is (not below and expected >= profile.fit_threshold)


def test_the_team_map_reads_the_stored_profile_scales(db: Session, catalog: Catalog) -> None:
    """A result's sales orientation (stored under `profile_scales`) enters the team map's
    active fit exactly as it entered the fit stored with the result."""
    model = catalog.model.definition
    organisation = create_organisation(db)
    scope_to_organisation(db, organisation.id or 0)
    person = add_person(db, organisation, "Outbound Olga", scores=HUNTER)
    snapshot = db.get(ScoreSnapshot, person.id and add_snapshot(db, person, HUNTER).id)
    assert snapshot is not None
    snapshot.scores = {
        **snapshot.scores,
        "profile_scales": {"sales_orientation": {"score": 20.0, "low": 12.0, "high": 28.0}},
    }
    db.add(snapshot)
    db.flush()
    found = teams.team_map(db, catalog)
    [row] = [r for r in found.rows if r.member.person_id == person.id]
    with_scale = _engine_fit(model, "active", {**HUNTER, "sales_orientation": 20.0})
    without = _engine_fit(model, "active", dict(HUNTER))
    assert with_scale is not None and without is not None and with_scale < without
    assert row.fits["active"].fit == pytest.approx(with_scale, abs=1e-9)
    assert row.member.scores["sales_orientation"] == 20.0


def test_a_fit_exactly_at_the_threshold_qualifies(catalog: Catalog) -> None:
    """Borderline fits are decided in plain floats, so rounding cannot flip them."""
    model = catalog.model.definition
    profile = model.profiles["active"]
    # every competency at the point where attainment is 0.65: fit is exactly the threshold
    scores = {
        c: profile.minimums[c] + 0.65 * (profile.targets[c] - profile.minimums[c])
        for c in COMPETENCIES
    }
    scores |= {sid: s.minimum + 0.65 * (s.target - s.minimum) for sid, s in profile.scales.items()}
    columns = teams.fit_columns(model)
    exact = _engine_fit(model, "active", scores)
    people = [_member(scores)]
    [got] = teams.profile_fits(
        "active", profile, columns, teams.score_matrix(people, columns), people
    )
    assert exact is not None
    assert got.qualifies is (exact >= profile.fit_threshold)
    assert got.fit == exact
