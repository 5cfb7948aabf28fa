"""The campaign ranking, the comparison of 2-4 people and the CSV/XLSX exports."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import openpyxl  # type: ignore[import-untyped]
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app import i18n
from app.db import ORGANISATION_KEY, scope_to_organisation
from app.models import (
    AssessmentSession,
    AuditEvent,
    Campaign,
    Invitation,
    Organisation,
    Person,
    Role,
    ScoreSnapshot,
    User,
)
from app.scoring.definitions import KnowledgeItem, LikertItem, SjtItem, WorkSample
from app.scoring.loader import Catalog
from app.scoring.validity import FLAGS
from app.services import campaigns as campaign_service
from app.services import results, reviews, sessions
from app.services.people import add_person
from app.services.ranking import neutralise
from app.services.snapshot_view import DECISIVE, OUTCOMES, interval_text, percent
from app.web.routes.reviews import confidence_label, recommendation_label
from tests.conftest import sign_in
from tests.factories import PASSWORD, answer_for, create_organisation, create_user
from tests.services.test_candidate_flow import BASE, SECRET
from tests.web.payload_v2 import payload_v2, stamp

BATTERY = "candidate-active"
COMPETENCIES = (
    "client_expertise",
    "product_knowledge",
    "communication",
    "persuasion",
    "negotiation",
    "objection_handling",
    "persistence",
)
# Answer patterns: a level per competency, in the order above.
PATTERNS: dict[str, dict[str, str] | None] = {
    "strong": dict.fromkeys(COMPETENCIES, "high"),
    "outbound": {
        **dict.fromkeys(COMPETENCIES, "high"),
        "client_expertise": "mid",
        "product_knowledge": "mid",
    },
    "inbound": {
        **dict.fromkeys(COMPETENCIES, "high"),
        "communication": "low_mid",
        "persuasion": "low_mid",
        "persistence": "low_mid",
    },
    "careless": None,  # the top of every scale: raises serious response-validity flags
}
HEADER_START = ["person_id", "full_name", "email", "status", "recommendation", "confidence"]
PROFILE_COLUMNS = [("probability", ""), ("fit", ""), ("fit", "_low"), ("fit", "_high")]
HEADER_END = ["flags", "flag_meanings", "provisional", "completed_at", "engine", "model_version"]
ALL = "&".join(f"recommendation={o}" for o in OUTCOMES)
"""Every outcome ticked: the ranking without its default of decisive results only."""


@dataclass
class Done:
    person: Person
    invitation: Invitation


@dataclass
class Ranked:
    organisation: Organisation
    campaign: Campaign
    people: dict[str, Done]


def unscoped(db: Session) -> Session:
    db.info.pop(ORGANISATION_KEY, None)
    return db


def soup_of(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def patterned_answers(catalog: Catalog, campaign: Campaign, pattern: str) -> dict[str, Any]:
    """Answers to every item of the campaign that put each competency at the pattern's level."""
    levels = PATTERNS[pattern]
    payload = [i for s in sessions.sections(catalog, campaign, "en") for i in s["items"]]
    if levels is None:
        return {item["id"]: answer_for(item) for item in payload}
    definitions = {}
    for instrument_id in catalog.batteries[campaign.battery_id].instruments:
        definition = catalog.instruments[instrument_id].definition
        definitions.update({item.id: item for item in getattr(definition, "items", [])})
    answers: dict[str, Any] = {}
    for n, shown in enumerate(payload):
        item = definitions[shown["id"]]
        level = levels.get(getattr(item, "scale", ""), "")
        if isinstance(item, LikertItem):
            if item.expected:  # attention items: answered attentively
                value = item.expected[0]
            elif level == "high":
                value = 5 - n % 2  # 5 and 4 alternate: no long run of the same answer
            elif level == "mid":
                value = 3
            elif level == "low_mid":
                value = 3 - n % 2
            else:  # impression management low, work preference neutral
                value = 2 if item.scale == "impression_management" else 3
            if level in ("high", "low_mid") and item.key == "reverse":
                value = 6 - value
            answers[item.id] = value
        elif isinstance(item, SjtItem):
            options = sorted(item.options, key=lambda o: -o.effectiveness)
            best, worst = {
                "high": (options[0], options[-1]),
                "mid": (options[1], options[-1]),
                "low_mid": (options[1], options[0]),
            }[level]
            answers[item.id] = {"best": best.id, "worst": worst.id}
        elif isinstance(item, KnowledgeItem):
            answers[item.id] = item.correct[0]
        else:
            answers[item.id] = answer_for(shown)
    return answers


def complete(
    db: Session,
    catalog: Catalog,
    organisation: Organisation,
    campaign: Campaign,
    name: str,
    pattern: str,
) -> Done:
    """Invite a new person to the campaign and answer everything as `pattern` says."""
    scope_to_organisation(unscoped(db), organisation.id or 0)
    person = add_person(
        db, full_name=name, email=f"{uuid.uuid4().hex[:10]}@example.com", language="en"
    )
    invitation = campaign_service.invite(
        db, campaign=campaign, person=person, secret_key=SECRET, base_url=BASE
    ).invitation
    sessions.record_consent(db, invitation, accepted=True, language="en")
    sessions.save_answers(db, invitation, catalog, patterned_answers(catalog, campaign, pattern))
    results.complete(db, catalog, invitation)
    db.commit()
    unscoped(db)
    return Done(person, invitation)


def review_work_sample(
    db: Session, catalog: Catalog, organisation: Organisation, done: Done
) -> None:
    """Give every rubric criterion full points, so the result is no longer provisional."""
    scope_to_organisation(unscoped(db), organisation.id or 0)
    instrument_session = db.exec(
        select(AssessmentSession).where(
            AssessmentSession.invitation_id == done.invitation.id,
            AssessmentSession.instrument_id == "work_sample_cold_email",
        )
    ).one()
    definition = catalog.instruments["work_sample_cold_email"].definition
    assert isinstance(definition, WorkSample)
    points = {c.id: c.max_points for c in reviews.criteria_of(definition)}
    reviews.save_review(
        db, catalog, instrument_session=instrument_session, points=points, reviewer_id=None
    )
    db.commit()
    unscoped(db)


def latest(db: Session, done: Done) -> ScoreSnapshot:
    return (
        unscoped(db)
        .exec(
            select(ScoreSnapshot)
            .where(ScoreSnapshot.invitation_id == done.invitation.id)
            .order_by(col(ScoreSnapshot.id).desc())
        )
        .first()
    )  # type: ignore[return-value]


@pytest.fixture
def organisation(db: Session) -> Organisation:
    return create_organisation(db)


@pytest.fixture
def hr(db: Session, organisation: Organisation) -> User:
    return create_user(unscoped(db), organisation=organisation, role=Role.hr)


@pytest.fixture
def ranked(db: Session, catalog: Catalog, organisation: Organisation, hr: User) -> Ranked:
    scope_to_organisation(unscoped(db), organisation.id or 0)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name="Весна: active sales", battery=BATTERY, target_role="active"
    )
    db.commit()
    people = {
        "Alla Strong": complete(db, catalog, organisation, campaign, "Alla Strong", "strong"),
        "Boris Outbound": complete(
            db, catalog, organisation, campaign, "Boris Outbound", "outbound"
        ),
        "Вера Входящая": complete(db, catalog, organisation, campaign, "Вера Входящая", "inbound"),
        "Gleb Careless": complete(db, catalog, organisation, campaign, "Gleb Careless", "careless"),
    }
    review_work_sample(db, catalog, organisation, people["Alla Strong"])
    # Outcomes, intervals and probabilities known exactly (payload v2), whatever the engine
    # makes of the answer patterns: the pages are checked against these.
    persistence_minimum = catalog.model.definition.profiles["active"].minimums["persistence"]
    stored = {
        "Alla Strong": payload_v2(
            catalog,
            outcome="both",
            confidence="high",
            scores=dict.fromkeys(COMPETENCIES, 85.0),
            fit={"active": 88.0, "passive": 84.0},
            probabilities={"active": 0.92, "passive": 0.81},
            differential=(4.0, -3.0, 11.0),
        ),
        "Boris Outbound": payload_v2(
            catalog,
            outcome="active",
            scores={**dict.fromkeys(COMPETENCIES, 78.0), "product_knowledge": 52.0},
            fit={"active": 76.5, "passive": 58.0},
            probabilities={"active": 0.745, "passive": 0.22},
            flags=["method_discrepancy"],
            differential=(18.5, 10.0, 27.0),
        ),
        "Вера Входящая": payload_v2(
            catalog,
            outcome="uncertain",
            confidence="low",
            scores={**dict.fromkeys(COMPETENCIES, 70.0), "persistence": persistence_minimum - 10},
            fit={"active": 55.0, "passive": 63.0},
            probabilities={"active": 0.03, "passive": 0.58},
            knockouts={"active": ["persistence"]},
            open_competencies=["client_expertise"],
            next_steps=["interview", "manager_rating"],
        ),
        "Gleb Careless": payload_v2(
            catalog,
            outcome="invalid",
            confidence="low",
            scores=dict.fromkeys(COMPETENCIES, 99.0),
            fit={"active": 97.0, "passive": 97.0},
            probabilities={"active": None, "passive": None},
            flags=["straight_lining", "failed_attention"],
        ),
    }
    for name, payload in stored.items():
        stamp(unscoped(db), latest(db, people[name]), payload)
    return Ranked(organisation, campaign, people)


def url(ranked: Ranked, page: str = "ranking", query: str = "") -> str:
    return f"/campaigns/{ranked.campaign.id}/{page}" + (f"?{query}" if query else "")


def names_on(page: BeautifulSoup) -> list[str]:
    return [td.get_text(strip=True) for td in page.select("#ranking tbody td.name")]


def shows(cell: Any, value: float) -> bool:
    """Whether a cell begins with `value` rounded to a whole number."""
    return abs(float(cell.get_text(" ", strip=True).split()[0]) - value) <= 0.5


def by_value(db: Session, ranked: Ranked, value: Any, *, descending: bool) -> list[str]:
    """Names ordered by `value(snapshot)` (None last), ties by name: the expected order."""
    snapshots = {name: latest(db, done) for name, done in ranked.people.items()}
    known = sorted((n for n in snapshots if value(snapshots[n]) is not None), key=str.casefold)
    known.sort(key=lambda n: value(snapshots[n]), reverse=descending)
    return known + sorted((n for n in snapshots if value(snapshots[n]) is None), key=str.casefold)


# ----------------------------------------------------------------------------- the ranking


def test_the_ranking_shows_decisive_results_by_probability_for_the_target_role(
    client: TestClient, db: Session, catalog: Catalog, hr: User, ranked: Ranked
) -> None:
    sign_in(client, hr.email, PASSWORD)
    response = client.get(url(ranked))
    assert response.status_code == 200
    page = soup_of(response)
    # invalid and undecided results are left out by default; the most likely first
    expected = by_value(db, ranked, lambda s: s.scores["probabilities"]["active"], descending=True)
    expected = [n for n in expected if latest(db, ranked.people[n]).recommendation in DECISIVE]
    assert names_on(page) == expected == ["Alla Strong", "Boris Outbound"]
    header = page.select_one("#ranking th[data-sort='probability:active']")
    assert header["aria-sort"] == "descending"
    # the sorted column's link turns the order round; another column starts at its natural order
    assert header.find("a")["href"].endswith("sort=probability%3Aactive&order=asc")
    assert page.select_one("th[data-sort='name'] a")["href"].endswith("sort=name&order=asc")
    assert page.select_one("th[data-sort='flags'] a")["href"].endswith("sort=flags&order=asc")
    assert "Showing 2 of 4 people." in page.select_one("#summary").get_text(" ", strip=True)
    hidden = page.select("#hidden-outcomes a")
    assert [(a["data-outcome"], a.get_text(strip=True)) for a in hidden] == [
        ("uncertain", "Undecided: the evidence does not decide: 1"),
        ("invalid", "Invalid: the answers cannot be relied on: 1"),
    ]
    assert dict(parse_qsl(urlsplit(hidden[1]["href"]).query))["recommendation"] == "invalid"
    # competency detail lives in the comparison, so the table fits the page
    assert page.select("#ranking td.competency") == []

    model = catalog.model.definition
    for name in expected:
        done = ranked.people[name]
        snapshot = latest(db, done)
        row = page.select_one(f"#person-{done.person.id}")
        link = row.select_one("td.name a")
        assert link.get_text() == name and link["href"] == f"/results/{done.invitation.id}"
        assert row.select_one("td.recommendation")["data-value"] == snapshot.recommendation
        assert row.select_one("td.confidence").get_text(strip=True) == snapshot.confidence
        for pid in model.profiles:
            cell = row.select_one(f"td.fit[data-profile='{pid}']")
            stored = snapshot.scores
            assert cell.select_one(".probability").get_text() == percent(
                stored["probabilities"][pid]
            )
            assert cell.select_one(".fit-text").get_text() == interval_text(
                stored["fit"][pid], stored["fit_low"][pid], stored["fit_high"][pid]
            )
            assert (cell.select_one(".badge.good") is not None) == stored["qualifies"][pid]
        flags = row.select_one("td.flags")
        assert flags.select_one(".count").get_text() == str(len(snapshot.flags))
        assert [li["data-flag"] for li in flags.select("li")] == snapshot.flags
        assert [li["title"] for li in flags.select("li")] == [
            FLAGS[c].text("en") for c in snapshot.flags
        ]
        assert (row.select_one(".badge.provisional") is not None) == snapshot.provisional
    boris = page.select_one(f"#person-{ranked.people['Boris Outbound'].person.id}")
    # rounded as the engine's sentences round ({:.0f}, a half to even): 74.5 -> 74, 76.5 -> 76
    assert boris.select_one("td.fit[data-profile='active'] .probability").get_text() == "74%"
    assert boris.select_one("td.fit[data-profile='active'] .fit-text").get_text() == "76 (70–82)"

    invalid = soup_of(client.get(url(ranked, query="recommendation=invalid")))
    assert names_on(invalid) == ["Gleb Careless"]
    careless = invalid.select_one(f"#person-{ranked.people['Gleb Careless'].person.id}")
    assert "Same answer in a row" in careless.select_one("td.flags").get_text()
    assert [li["data-severity"] for li in careless.select("td.flags li")] == ["serious"] * 2
    assert careless.select_one("td.fit .probability").get_text() == "—"

    # the outcome and confidence in words, in the page's language
    alla = f"#person-{ranked.people['Alla Strong'].person.id}"
    cell = page.select_one(f"{alla} td.recommendation")
    assert cell.get_text(strip=True) == "Both"
    assert cell.find("span")["title"] == recommendation_label("both")
    russian = soup_of(client.get(url(ranked, query="lang=ru")))
    with i18n.language("ru"):
        words = (recommendation_label("both"), confidence_label("high"))
    assert words[0] != recommendation_label("both")
    assert russian.select_one(f"{alla} td.recommendation span")["title"] == words[0]
    assert russian.select_one(f"{alla} td.confidence").get_text(strip=True) == words[1]


def test_a_result_of_the_earlier_engine_stays_readable_and_is_labelled(
    client: TestClient, db: Session, hr: User, ranked: Ranked
) -> None:
    snapshot = latest(db, ranked.people["Boris Outbound"])
    old = {
        key: value
        for key, value in snapshot.scores.items()
        if key not in ("engine", "fit_low", "fit_high", "probabilities", "outcome")
    }
    old["competencies"] = {
        cid: {"score": entry["score"], "discrepancy": False, "methods": []}
        for cid, entry in old["competencies"].items()
    }
    old["recommendation"] = "active"
    stamp(unscoped(db), snapshot, old)
    sign_in(client, hr.email, PASSWORD)
    page = soup_of(client.get(url(ranked)))
    row = page.select_one(f"#person-{ranked.people['Boris Outbound'].person.id}")
    badge = row.select_one(".badge.old-engine")
    assert badge is not None
    assert badge["title"] == (
        f"Scored by the earlier engine (model version {snapshot.model_version})."
    )
    cell = row.select_one("td.fit[data-profile='active']")
    assert cell.select_one(".probability").get_text() == "—"
    assert cell.select_one(".fit-text").get_text() == "76"  # no interval: the number alone
    assert names_on(page)[-1] == "Boris Outbound"  # no probability: last


SORTS: list[tuple[str, Any, bool]] = [
    ("sort=probability:passive&order=desc", lambda s: s.scores["probabilities"]["passive"], True),
    ("sort=fit:passive&order=desc", lambda s: s.scores["fit"]["passive"], True),
    ("sort=fit:passive&order=asc", lambda s: s.scores["fit"]["passive"], False),
    (
        "sort=competency:persistence",
        lambda s: s.scores["competencies"]["persistence"]["score"],
        True,
    ),
    (
        "sort=competency:product_knowledge&order=asc",
        lambda s: s.scores["competencies"]["product_knowledge"]["score"],
        False,
    ),
    ("sort=confidence", lambda s: ["low", "medium", "high"].index(s.confidence), True),
]


def test_the_ranking_sorts_by_any_column(
    client: TestClient, db: Session, hr: User, ranked: Ranked
) -> None:
    sign_in(client, hr.email, PASSWORD)
    for query, value, descending in SORTS:
        names = names_on(soup_of(client.get(url(ranked, query=f"{query}&{ALL}"))))
        assert names == by_value(db, ranked, value, descending=descending), query
    by_name = names_on(soup_of(client.get(url(ranked, query=f"sort=name&order=desc&{ALL}"))))
    assert by_name == sorted(ranked.people, key=str.casefold, reverse=True)


def test_sorting_by_flags_and_outcome(
    client: TestClient, db: Session, hr: User, ranked: Ranked
) -> None:
    sign_in(client, hr.email, PASSWORD)
    by_flags = names_on(soup_of(client.get(url(ranked, query=f"sort=flags&{ALL}"))))
    assert by_flags[-1] == "Gleb Careless"  # the serious flags come last
    assert by_flags[0] in ("Alla Strong", "Вера Входящая")  # no flags at all
    best_first = names_on(soup_of(client.get(url(ranked, query=f"sort=recommendation&{ALL}"))))
    assert best_first == ["Alla Strong", "Boris Outbound", "Вера Входящая", "Gleb Careless"]


SERIOUS = {"too_fast", "straight_lining", "failed_attention"}
FILTERS: list[tuple[str, Any]] = [
    ("recommendation=both", lambda s: s.recommendation == "both"),
    (
        "recommendation=uncertain&recommendation=invalid",
        lambda s: s.recommendation in ("uncertain", "invalid"),
    ),
    ("confidence=medium", lambda s: s.confidence in ("medium", "high")),
    ("confidence=high", lambda s: s.confidence == "high"),
    ("no_serious_flags=1", lambda s: not SERIOUS & set(s.flags)),
    ("provisional=yes", lambda s: s.provisional),
    ("provisional=no", lambda s: not s.provisional),
    ("provisional=yes&no_serious_flags=1", lambda s: s.provisional and not SERIOUS & set(s.flags)),
    (f"provisional=yes&{ALL}", lambda s: s.provisional),
]


def test_the_filters_keep_only_the_matching_people(
    client: TestClient, db: Session, hr: User, ranked: Ranked
) -> None:
    sign_in(client, hr.email, PASSWORD)
    snapshots = {name: latest(db, done) for name, done in ranked.people.items()}
    for query, keep in FILTERS:
        page = soup_of(client.get(url(ranked, query=query + "&sort=name&order=asc")))
        outcomes = [v for k, v in parse_qsl(query) if k == "recommendation"] or DECISIVE
        expected = sorted(
            (n for n, s in snapshots.items() if keep(s) and s.recommendation in outcomes),
            key=str.casefold,
        )
        assert names_on(page) == expected, query
        assert 0 < len(expected) < 4, f"{query} should keep some people and drop others"
        summary = page.select_one("#summary").get_text(" ", strip=True)
        assert f"Showing {len(expected)} of 4 people." in summary
        # the form offers to clear the filter, and the exports carry it
        assert page.select_one("#filters").find("a", string="Clear the filters") is not None
        for link in page.select("#exports a"):
            asked = parse_qsl(query + "&sort=name&order=asc")
            assert sorted(parse_qsl(urlsplit(link["href"]).query)) == sorted(asked)


def test_the_filter_form_shows_its_choices(client: TestClient, hr: User, ranked: Ranked) -> None:
    sign_in(client, hr.email, PASSWORD)
    page = soup_of(
        client.get(
            url(
                ranked,
                query="recommendation=both&recommendation=uncertain&confidence=high"
                "&provisional=no&no_serious_flags=1",
            )
        )
    )
    form = page.select_one("#filters")
    boxes = form.select("input[name=recommendation]")
    assert [b["value"] for b in boxes] == list(OUTCOMES)
    assert [b["value"] for b in boxes if b.has_attr("checked")] == ["both", "uncertain"]
    assert form.select_one("#confidence option[value=high]").has_attr("selected")
    assert form.select_one("#provisional option[value=no]").has_attr("selected")
    assert form.select_one("input[name=no_serious_flags]").has_attr("checked")
    assert form.select_one("#sort option[value='probability:active']").has_attr("selected")
    assert page.select_one("#hidden-outcomes") is None  # the user chose the outcomes


def test_filters_that_exclude_everyone_and_values_not_understood(
    client: TestClient, hr: User, ranked: Ranked
) -> None:
    sign_in(client, hr.email, PASSWORD)
    none = soup_of(client.get(url(ranked, query="recommendation=passive")))
    assert names_on(none) == []
    assert "No one matches these filters." in none.select_one("#empty").get_text()

    response = client.get(
        url(ranked, query="sort=salary&order=up&confidence=sure&provisional=maybe&recommendation=x")
    )
    assert response.status_code == 200
    page = soup_of(response)
    problems = [li.get_text() for li in page.select("#problems li")]
    assert len(problems) == 5
    assert problems[0].startswith("Cannot sort by “salary”; choose one of: probability:active")
    text = " ".join(problems)
    for word in ("“up”", "“sure”", "“maybe”", "“x”", "insufficient_data"):
        assert word in text
    assert len(names_on(page)) == 2  # the rest still applies: the default sort and outcomes
    assert page.select_one("th[data-sort='probability:active']")["aria-sort"] == "descending"


def test_nobody_completed_yet(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation, hr: User
) -> None:
    scope_to_organisation(unscoped(db), organisation.id or 0)
    campaign = campaign_service.create_campaign(db, catalog=catalog, name="Empty", battery=BATTERY)
    db.commit()
    sign_in(client, hr.email, PASSWORD)
    page = soup_of(client.get(f"/campaigns/{campaign.id}/ranking"))
    assert "Nobody has completed" in page.select_one("#empty").get_text()
    assert page.select_one("#ranking") is None


# ----------------------------------------------------------------------------- comparison


def test_the_ranking_form_leads_to_the_comparison(
    client: TestClient, hr: User, ranked: Ranked
) -> None:
    sign_in(client, hr.email, PASSWORD)
    page = soup_of(client.get(url(ranked, query=ALL)))
    form = page.select_one("#compare-form")
    assert form["method"] == "get" and form["action"] == url(ranked, "compare")
    boxes = form.select("input[type=checkbox][name=people]")
    assert sorted(int(b["value"]) for b in boxes) == sorted(
        d.person.id for d in ranked.people.values()
    )


def test_the_comparison_shows_people_side_by_side(
    client: TestClient, db: Session, catalog: Catalog, hr: User, ranked: Ranked
) -> None:
    chosen = [ranked.people[n] for n in ("Вера Входящая", "Alla Strong", "Gleb Careless")]
    sign_in(client, hr.email, PASSWORD)
    ids = ",".join(str(d.person.id) for d in chosen)
    response = client.get(url(ranked, "compare", f"people={ids}"))
    assert response.status_code == 200
    page = soup_of(response)
    heads = page.select("#comparison thead th.person")
    assert [h.get_text(strip=True) for h in heads] == [d.person.full_name for d in chosen]
    assert [h.find("a")["href"] for h in heads] == [f"/results/{d.invitation.id}" for d in chosen]

    snapshots = [latest(db, d) for d in chosen]
    model = catalog.model.definition

    def cells(row_id: str) -> list[Any]:
        return page.select(f"#{row_id} td")

    for cell, snapshot in zip(cells("row-outcome"), snapshots, strict=True):
        assert cell.find("strong").get_text() == recommendation_label(snapshot.recommendation)
        assert (cell.select_one(".badge.provisional") is not None) == snapshot.provisional
    assert [c.get_text(strip=True) for c in cells("row-confidence")] == [
        s.confidence for s in snapshots
    ]
    for pid in model.profiles:
        for cell, snapshot in zip(cells(f"fit-{pid}"), snapshots, strict=True):
            stored = snapshot.scores
            assert cell.select_one(".probability").get_text() == percent(
                stored["probabilities"][pid]
            )
            assert cell.select_one(".fit-text").get_text() == interval_text(
                stored["fit"][pid], stored["fit_low"][pid], stored["fit_high"][pid]
            )
            assert (cell.select_one(".badge.good") is not None) == stored["qualifies"][pid]
    for cid in model.competencies:
        row = cells(f"competency-{cid}")
        entries = [s.scores["competencies"][cid] for s in snapshots]
        scores = [e["score"] for e in entries]
        assert [c.select_one(".value").get_text() for c in row] == [
            interval_text(e["score"], e["low"], e["high"]) for e in entries
        ]
        bars = [float(c.select_one("svg.bar rect.fill")["width"]) for c in row]
        assert bars == [round(x, 1) for x in scores]
        bold = [("best" in c["class"]) for c in row]
        assert bold == [x == max(scores) for x in scores] or len(set(scores)) == 1
    flags = cells("row-flags")
    for cell, snapshot in zip(flags, snapshots, strict=True):
        assert [li.get_text(strip=True).lstrip("⚠ ") for li in cell.select("li")] == [
            FLAGS[c].text("en") for c in snapshot.flags
        ]
        assert [li["data-severity"] for li in cell.select("li")] == [
            FLAGS[c].severity for c in snapshot.flags
        ]
    assert flags[1].get_text(strip=True) == "none"
    for pid in model.profiles:
        for cell, snapshot in zip(cells(f"knockouts-{pid}"), snapshots, strict=True):
            knocked = [li["data-competency"] for li in cell.select("li")]
            assert knocked == snapshot.scores["knockouts"][pid]
    # the stop factor prints the same number, with its interval, as the competency row
    minimum = model.profiles["active"].minimums["persistence"]
    vera = cells("knockouts-active")[0].get_text(" ", strip=True)
    persistence = cells("competency-persistence")[0].select_one(".value").get_text()
    assert f"{persistence}, minimum {minimum:g}" in vera

    # the form's repeated parameter works the same way as the comma-separated list
    repeated = "&".join(f"people={d.person.id}" for d in chosen)
    again = soup_of(client.get(url(ranked, "compare", repeated)))
    assert [h.get_text(strip=True) for h in again.select("#comparison thead th.person")] == [
        d.person.full_name for d in chosen
    ]


def test_fewer_than_two_or_more_than_four_people_are_refused(
    client: TestClient,
    db: Session,
    catalog: Catalog,
    organisation: Organisation,
    hr: User,
    ranked: Ranked,
) -> None:
    complete(db, catalog, organisation, ranked.campaign, "Dmitri Fifth", "outbound")
    everyone = [
        str(i)
        for i in db.exec(
            select(Invitation.person_id).where(Invitation.campaign_id == ranked.campaign.id)
        ).all()
    ]
    assert len(everyone) == 5
    sign_in(client, hr.email, PASSWORD)
    for count in (0, 1, 5):
        response = client.get(url(ranked, "compare", "people=" + ",".join(everyone[:count])))
        assert response.status_code == 422
        page = soup_of(response)
        message = page.select_one("#compare-error").get_text(" ", strip=True)
        assert f"Choose from 2 to 4 people to compare; {count} were chosen." in message
        assert page.select_one("#comparison") is None
        assert page.select_one("#compare-error a")["href"] == url(ranked)
    assert client.get(url(ranked, "compare", "people=" + ",".join(everyone[:4]))).is_success


def test_a_comparison_of_unknown_or_garbled_people_is_refused(
    client: TestClient, hr: User, ranked: Ranked
) -> None:
    alla = ranked.people["Alla Strong"].person.id
    sign_in(client, hr.email, PASSWORD)
    twice = client.get(url(ranked, "compare", f"people={alla},{alla}"))
    assert twice.status_code == 422 and "1 were chosen" in twice.text
    garbled = client.get(url(ranked, "compare", f"people={alla},abc"))
    assert garbled.status_code == 422
    assert "“abc” is not a person's number" in soup_of(garbled).select_one("#compare-error").text
    unknown = client.get(url(ranked, "compare", f"people={alla},999999"))
    assert unknown.status_code == 404
    assert "person number 999999" in soup_of(unknown).select_one("#compare-error").text


# ----------------------------------------------------------------------------- exports


def expected_row(db: Session, catalog: Catalog, done: Done) -> list[str]:
    """A CSV row worked out from the stored snapshot (payload v2), column by column."""
    snapshot = latest(db, done)
    stored = snapshot.scores
    model = catalog.model.definition
    completed = done.invitation.completed_at
    assert completed is not None

    def text(value: float | None, digits: int = 1) -> str:
        return "" if value is None else str(round(value, digits))

    differential = stored.get("differential") or {}
    return [
        str(done.person.id),
        done.person.full_name,
        done.person.email or "",
        "completed",
        snapshot.recommendation or "",
        snapshot.confidence or "",
        *(
            cell
            for p in model.profiles
            for cell in (
                text(stored["probabilities"][p], 3),
                text(stored["fit"][p]),
                text(stored["fit_low"][p]),
                text(stored["fit_high"][p]),
            )
        ),
        *(text(differential.get(key)) for key in ("value", "low", "high")),
        *(
            text(stored["competencies"][c][key])
            for c in model.competencies
            for key in ("score", "low", "high")
        ),
        ";".join(f"{c}:{FLAGS[c].severity}" for c in snapshot.flags),
        " | ".join(FLAGS[c].text("en") for c in snapshot.flags),
        "true" if snapshot.provisional else "false",
        completed.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "2",
        snapshot.model_version,
    ]


def read_csv(response: Any) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response: Any) -> tuple[list[list[Any]], Any]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    return [list(row) for row in sheet.iter_rows(values_only=True)], sheet


def test_the_csv_has_the_expected_columns_and_rows(
    client: TestClient, db: Session, catalog: Catalog, hr: User, ranked: Ranked
) -> None:
    model = catalog.model.definition
    header = [
        *HEADER_START,
        *(f"{k}_{p}" + s for p in model.profiles for k, s in PROFILE_COLUMNS),
        "differential",
        "differential_low",
        "differential_high",
        *(c + s for c in model.competencies for s in ("", "_low", "_high")),
        *HEADER_END,
    ]
    assert header[6:10] == ["probability_active", "fit_active", "fit_active_low", "fit_active_high"]
    sign_in(client, hr.email, PASSWORD)
    response = client.get(url(ranked, "ranking.csv", f"sort=fit:passive&order=desc&{ALL}"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="ranking-active-sales-20')
    assert ".csv\"; filename*=UTF-8''ranking-%D0%92%D0%B5%D1%81%D0%BD%D0%B0-active-sales-" in (
        disposition
    )
    assert response.headers["cache-control"] == "no-store"
    rows = read_csv(response)
    assert rows[0] == header
    order = by_value(db, ranked, lambda s: s.scores["fit"]["passive"], descending=True)
    assert rows[1:] == [expected_row(db, catalog, ranked.people[name]) for name in order]
    assert "Вера Входящая" in [r[1] for r in rows]
    boris = next(r for r in rows if r[1] == "Boris Outbound")
    assert boris[header.index("flags")] == "method_discrepancy:caution"
    gleb = next(r for r in rows if r[1] == "Gleb Careless")
    assert gleb[header.index("recommendation")] == "invalid"
    assert gleb[header.index("flags")] == "straight_lining:serious;failed_attention:serious"

    # the same filters as the page: decisive outcomes by default, only the final result,
    # then only serious-flag-free people
    default = read_csv(client.get(url(ranked, "ranking.csv")))
    assert [r[1] for r in default[1:]] == ["Alla Strong", "Boris Outbound"]
    final = read_csv(client.get(url(ranked, "ranking.csv", "provisional=no")))
    assert [r[1] for r in final[1:]] == ["Alla Strong"]
    page = soup_of(client.get(url(ranked, query="no_serious_flags=1&sort=name&order=desc")))
    clean = read_csv(client.get(page.select_one("#exports a")["href"]))
    assert [r[1] for r in clean[1:]] == names_on(page)
    assert "Gleb Careless" not in names_on(page)

    audit = (
        unscoped(db).exec(select(AuditEvent).where(AuditEvent.action == "ranking.exported")).all()
    )
    assert next((e.actor_user_id, e.object_id, e.details["format"]) for e in audit) == (
        hr.id,
        str(ranked.campaign.id),
        "csv",
    )


def test_the_xlsx_has_the_same_columns_and_rows_as_the_csv(
    client: TestClient, db: Session, catalog: Catalog, hr: User, ranked: Ranked
) -> None:
    sign_in(client, hr.email, PASSWORD)
    query = "sort=competency:persistence&order=desc&recommendation=both&recommendation=invalid"
    csv_rows = read_csv(client.get(url(ranked, "ranking.csv", query)))
    response = client.get(url(ranked, "ranking.xlsx", query))
    assert response.status_code == 200
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["content-disposition"].startswith('attachment; filename="ranking-')
    assert ".xlsx" in response.headers["content-disposition"]
    rows, sheet = read_xlsx(response)
    assert rows[0] == csv_rows[0]
    assert len(rows) == len(csv_rows) >= 3
    header = rows[0]
    for xlsx_row, csv_row in zip(rows[1:], csv_rows[1:], strict=True):
        as_text = []
        for name, value in zip(header, xlsx_row, strict=True):
            if value is None:
                as_text.append("")
            elif isinstance(value, bool):
                as_text.append("true" if value else "false")
            elif name == "completed_at":
                as_text.append(value.strftime("%Y-%m-%dT%H:%M:%SZ"))
            elif isinstance(value, float | int) and name not in ("person_id", "engine"):
                as_text.append(str(float(value)))  # Excel keeps 100.0 as the number 100
            else:
                as_text.append(str(value))
        assert as_text == csv_row
    first = rows[1]
    assert isinstance(first[header.index("person_id")], int)
    assert isinstance(first[header.index("fit_active")], float | int)
    assert isinstance(first[header.index("fit_active_low")], float | int)
    assert isinstance(first[header.index("persistence")], float | int)
    assert isinstance(first[header.index("provisional")], bool)
    assert sheet.freeze_panes == "C2"


def test_cells_that_could_start_a_formula_are_neutralised(
    client: TestClient,
    db: Session,
    catalog: Catalog,
    organisation: Organisation,
    hr: User,
    ranked: Ranked,
) -> None:
    dangerous = ["=SUM(1+1)", "@cmd", "-2+3", '=HYPERLINK("http://evil.example","x")']
    for name in dangerous:
        complete(db, catalog, organisation, ranked.campaign, name, "outbound")
    sign_in(client, hr.email, PASSWORD)
    query = f"sort=name&order=asc&{ALL}"

    page = client.get(url(ranked, query=query))
    assert names_on(soup_of(page))[:4] == sorted(dangerous, key=str.casefold)  # shown as typed

    csv_rows = read_csv(client.get(url(ranked, "ranking.csv", query)))
    names = [row[1] for row in csv_rows[1:]]
    for name in dangerous:
        assert "'" + name in names and name not in names
    assert "Alla Strong" in names  # ordinary names are left alone
    numeric = {"differential", "differential_low", "differential_high"}  # may be negative
    for row in csv_rows[1:]:
        for name, value in zip(csv_rows[0], row, strict=True):
            if name in numeric and value:
                float(value)  # a number, never text
                continue
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value

    response = client.get(url(ranked, "ranking.xlsx", query))
    rows, sheet = read_xlsx(response)
    xlsx_names = [row[1] for row in rows[1:]]
    assert xlsx_names == names
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert cell.data_type == "s"
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=SUM(1+1)", "'=SUM(1+1)"),
        ("+7 999", "'+7 999"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("Anna Petrova", "Anna Petrova"),
        ("Анна = 1", "Анна = 1"),
        ("", ""),
    ],
)
def test_neutralise(text: str, safe: str) -> None:
    assert neutralise(text) == safe


def test_an_export_with_a_value_not_understood_is_refused(
    client: TestClient, db: Session, hr: User, ranked: Ranked
) -> None:
    sign_in(client, hr.email, PASSWORD)
    for page in ("ranking.csv", "ranking.xlsx"):
        response = client.get(url(ranked, page, "sort=salary"))
        assert response.status_code == 400
        assert "Cannot sort by “salary”" in response.text
        assert "Nothing was exported" in response.text
        assert "content-disposition" not in response.headers
    assert (
        unscoped(db).exec(select(AuditEvent).where(AuditEvent.action == "ranking.exported")).all()
        == []
    )


# ----------------------------------------------------------------------------- who sees what


def test_admins_and_heads_of_sales_see_the_ranking(
    client: TestClient, db: Session, organisation: Organisation, ranked: Ranked
) -> None:
    ids = ",".join(str(d.person.id) for d in list(ranked.people.values())[:2])
    for role in (Role.admin, Role.head_of_sales):
        user = create_user(unscoped(db), organisation=organisation, role=role)
        client.cookies.clear()
        sign_in(client, user.email, PASSWORD)
        assert len(names_on(soup_of(client.get(url(ranked, query=ALL))))) == 4
        assert client.get(url(ranked, "compare", f"people={ids}")).status_code == 200
        assert client.get(url(ranked, "ranking.csv")).status_code == 200
        assert client.get(url(ranked, "ranking.xlsx")).status_code == 200


def test_a_manager_sees_only_their_own_people(
    client: TestClient, db: Session, organisation: Organisation, ranked: Ranked
) -> None:
    manager = create_user(unscoped(db), organisation=organisation, role=Role.manager)
    mine = [ranked.people["Boris Outbound"], ranked.people["Вера Входящая"]]
    for done in mine:
        person = unscoped(db).get(Person, done.person.id)
        assert person is not None
        person.manager_id = manager.id
        db.add(person)
    db.commit()
    sign_in(client, manager.email, PASSWORD)
    assert names_on(soup_of(client.get(url(ranked)))) == ["Boris Outbound"]  # Вера: undecided
    mine_all = sorted(names_on(soup_of(client.get(url(ranked, query=ALL)))))
    assert mine_all == ["Boris Outbound", "Вера Входящая"]
    rows = read_csv(client.get(url(ranked, "ranking.csv", ALL)))
    assert sorted(r[1] for r in rows[1:]) == ["Boris Outbound", "Вера Входящая"]
    xlsx_rows, _sheet = read_xlsx(client.get(url(ranked, "ranking.xlsx", ALL)))
    assert len(xlsx_rows) == 3
    ids = ",".join(str(d.person.id) for d in mine)
    assert client.get(url(ranked, "compare", f"people={ids}")).status_code == 200
    other = ranked.people["Alla Strong"].person.id
    refused = client.get(url(ranked, "compare", f"people={mine[0].person.id},{other}"))
    assert refused.status_code == 404
    assert "Alla Strong" not in refused.text

    # a manager with nobody in the campaign does not learn that it exists
    stranger = create_user(unscoped(db), organisation=organisation, role=Role.manager)
    client.cookies.clear()
    sign_in(client, stranger.email, PASSWORD)
    for page in ("ranking", "ranking.csv", "ranking.xlsx"):
        assert client.get(url(ranked, page)).status_code == 404
    assert client.get(url(ranked, "compare", f"people={ids}")).status_code == 404


def test_another_organisations_campaign_is_not_found(
    client: TestClient, db: Session, catalog: Catalog, hr: User, ranked: Ranked
) -> None:
    elsewhere = create_organisation(unscoped(db))
    scope_to_organisation(db, elsewhere.id or 0)
    theirs = campaign_service.create_campaign(db, catalog=catalog, name="Theirs", battery=BATTERY)
    db.commit()
    a = complete(db, catalog, elsewhere, theirs, "Their One", "strong")
    b = complete(db, catalog, elsewhere, theirs, "Their Two", "outbound")
    base, one, two = f"/campaigns/{theirs.id}", a.person.id, b.person.id
    alla, ours = ranked.people["Alla Strong"].person.id, f"/campaigns/{ranked.campaign.id}"
    email = hr.email
    # A real request starts with an empty session. The test's session is shared, and
    # `session.get` answers from its identity map (or refreshes an expired object) without
    # the organisation's criteria: forget what the set-up loaded.
    db.expunge_all()
    sign_in(client, email, PASSWORD)
    assert client.get(ours + "/ranking").status_code == 200
    for path in (
        "/ranking",
        "/ranking.csv",
        "/ranking.xlsx",
        f"/compare?people={one},{two}",
    ):
        response = client.get(base + path)
        assert response.status_code == 404, path
        assert "Their One" not in response.text
    # their people cannot be slipped into a comparison of this campaign either
    assert client.get(f"{ours}/compare?people={alla},{one}").status_code == 404
    assert client.get("/campaigns/999999/ranking").status_code == 404


def test_signing_in_is_required(client: TestClient, ranked: Ranked) -> None:
    for page in ("ranking", "ranking.csv", "ranking.xlsx", "compare?people=1,2"):
        response = client.get(url(ranked, page), follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
