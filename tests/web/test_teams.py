"""The team map and the role-move planner: pages, JSON and who may see what.

The people are the hand-worked inbound desk of tests/services/test_teams.py.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Role, ScoreSnapshot, User
from app.scoring.fit import profile_fit
from app.scoring.loader import Catalog
from app.services.accounts import create_api_token
from app.services.snapshot_view import points
from app.web.routes.teams import TransitionOut
from tests.conftest import sign_in
from tests.factories import PASSWORD, create_user
from tests.services.test_teams import (
    COMPETENCIES,
    GROWER,
    HUNTER,
    INBOUND,
    Desk,
    build_team,
    unscoped,
)
from tests.web.payload_v2 import payload_v2

LISTS = ("fit_now", "developable", "keep_in_current_role", "not_a_fit", "insufficient_data")


@pytest.fixture
def desk(db: Session) -> Desk:
    return build_team(db)


def staff(db: Session, desk: Desk, role: Role) -> User:
    return create_user(unscoped(db), organisation=desk.organisation, role=role)


def soup_of(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")  # type: ignore[attr-defined]


def signed_in(client: TestClient, db: Session, desk: Desk, role: Role = Role.head_of_sales) -> User:
    user = desk.manager if role == Role.manager else staff(db, desk, role)
    sign_in(client, user.email, PASSWORD)
    return user


def token(db: Session, desk: Desk, role: Role) -> dict[str, str]:
    user = staff(db, desk, role)
    _, plain = create_api_token(unscoped(db), email=user.email)
    db.commit()
    return {"Authorization": f"Bearer {plain}"}


def rows_by_name(page: BeautifulSoup) -> dict[str, object]:
    return {
        row.select_one("th.person").get_text(" ", strip=True).split(" not assessed")[0]: row
        for row in page.select("#heatmap tbody tr")
    }


# ----------------------------------------------------------------------------- the heat map


def test_the_heat_map_shows_people_by_competencies_with_levels(
    client: TestClient, db: Session, catalog: Catalog, desk: Desk
) -> None:
    signed_in(client, db, desk)
    response = client.get(f"/teams/map?team={desk.team.id}")
    assert response.status_code == 200
    page = soup_of(response)
    headers = page.select("#heatmap thead th.competency")
    assert [th["data-competency"] for th in headers] == list(COMPETENCIES)
    model = catalog.model.definition
    # long words carry soft hyphens so that the narrow headings wrap inside their columns
    assert [th.get_text(strip=True).replace("\u00ad", "") for th in headers] == [
        model.competencies[c].name.en for c in COMPETENCIES
    ]
    assert "\u00ad" in headers[0].get_text()
    rows = rows_by_name(page)
    assert list(rows) == [
        "Greta Grower",
        "Hanna Hunter",
        "Harry Hunter",
        "Inna Inbound",
        "Ivan Inbound",
        "Nina Newcomer",
        "Walter Weak",
    ]
    for row in rows.values():
        cells = row.select("td.score")  # type: ignore[attr-defined]
        assert [td["data-competency"] for td in cells] == list(COMPETENCIES)

    def cell(name: str, competency: str) -> tuple[list[str], str]:
        td = rows[name].select_one(f'td.score[data-competency="{competency}"]')  # type: ignore[attr-defined]
        return td["class"], td.get_text(" ", strip=True)

    # 85 is high, 55 and 65 medium, 35 and 30 low; the letter is in the cell with the number
    assert cell("Hanna Hunter", "communication") == (["score", "level-high"], "H 85")
    assert cell("Hanna Hunter", "client_expertise") == (["score", "level-middle"], "M 65")
    assert cell("Greta Grower", "persuasion") == (["score", "level-middle"], "M 55")
    assert cell("Inna Inbound", "persistence") == (["score", "level-low"], "L 35")
    assert cell("Walter Weak", "negotiation") == (["score", "level-low"], "L 30")
    assert cell("Nina Newcomer", "persistence") == (["score", "level-none"], "—")
    for name, scores in (("Hanna Hunter", HUNTER),):
        for competency, value in scores.items():
            level = "high" if value >= 70 else "middle" if value >= 40 else "low"
            assert cell(name, competency)[0] == ["score", f"level-{level}"]

    def fit(name: str, profile: str) -> tuple[str, str]:
        td = rows[name].select_one(f'td.fit[data-profile="{profile}"]')  # type: ignore[attr-defined]
        return td["class"][1], td.get_text(" ", strip=True)

    # the index printed is the model's fit (the profiles are the engine's, competencies.yaml),
    # rounded by the one rule; the mark says fits / knocked out / below the threshold
    def index(scores: dict[str, float | None], profile: str) -> str:
        found = profile_fit(profile, model.profiles[profile], scores).fit
        assert found is not None
        return str(points(found))

    assert fit("Hanna Hunter", "active") == ("fits", "✓ 100")
    assert fit("Hanna Hunter", "passive") == ("fits", "✓ " + index(HUNTER, "passive"))
    assert fit("Greta Grower", "active") == ("below", index(GROWER, "active"))
    assert fit("Inna Inbound", "active") == ("knocked", "✗ " + index(INBOUND, "active"))
    assert fit("Inna Inbound", "passive") == ("fits", "✓ " + index(INBOUND, "passive"))
    assert fit("Nina Newcomer", "active") == ("unknown", "—")
    recommendation = rows["Greta Grower"].select_one("td.recommendation")  # type: ignore[attr-defined]
    assert recommendation["data-code"] == "passive"
    assert recommendation.find("span")["title"] == "Passive sales"
    assert recommendation.get_text(" ", strip=True) == "Passive *"  # earlier engine: recomputed

    legend = page.select("#legend .swatches li")
    assert [li["data-level"] for li in legend] == ["low", "middle", "high", "none"]
    assert legend[0].get_text(" ", strip=True) == "L Low: 0–39"
    assert legend[2].get_text(" ", strip=True) == "H High: 70–100"
    assert "7 people in scope, 6 assessed." in page.select_one("#scope").get_text()
    median = page.select_one('#median td[data-competency="persistence"]')
    # 47.5, rounded like every other number (to even: 48; it was truncated to 47)
    assert median["class"] == ["score", "level-middle"] and "48" in median.get_text()
    assert page.select_one('link[href="/static/css/teams.css"]') is not None


def test_a_current_engine_result_shows_its_outcome_and_intervals_on_the_map(
    client: TestClient, db: Session, catalog: Catalog, desk: Desk
) -> None:
    walter = desk.people["Walter Weak"]
    payload = payload_v2(
        catalog,
        outcome="invalid",
        confidence="low",
        scores={"communication": 74.6, "persistence": None},
        half_width=8.0,
        flags=["straight_lining"],
    )
    unscoped(db).add(
        ScoreSnapshot(
            organisation_id=walter.organisation_id,
            person_id=walter.id or 0,
            model_version="test",
            instrument_versions={},
            scores=payload,
            recommendation="invalid",
            confidence="low",
            flags=["straight_lining"],
        )
    )
    db.commit()
    signed_in(client, db, desk)
    page = soup_of(client.get(f"/teams/map?team={desk.team.id}"))
    row = rows_by_name(page)["Walter Weak"]
    outcome = row.select_one("td.recommendation")  # type: ignore[attr-defined]
    assert outcome["data-code"] == "invalid"
    assert outcome.get_text(" ", strip=True) == "Invalid"
    assert outcome.find("span")["title"] == "Invalid: the answers cannot be relied on"
    cell = row.select_one('td.score[data-competency="communication"]')  # type: ignore[attr-defined]
    # rounded as everywhere: 74.6 -> 75, its interval 66.6-82.6 -> 67-83
    assert cell.get_text(" ", strip=True) == "H 75 67–83"
    assert cell.select_one("small.interval")["title"] == "80% interval"
    missing = row.select_one('td.score[data-competency="persistence"]')  # type: ignore[attr-defined]
    assert missing.get_text(strip=True) == "—"


def test_the_filter_chooses_a_team_a_manager_or_everyone(
    client: TestClient, db: Session, desk: Desk
) -> None:
    signed_in(client, db, desk, Role.hr)
    everyone = soup_of(client.get("/teams/map"))
    assert len(everyone.select("#heatmap tbody tr")) == 8  # the desk and Fred Field
    options = [o.get_text(strip=True) for o in everyone.select("#team option")]
    assert options == ["Whole organisation", "Field sales", "Inbound desk"]
    assert [o["value"] for o in everyone.select("#manager option")][1:] == [str(desk.manager.id)]
    field = soup_of(client.get(f"/teams/map?team={desk.other_team.id}"))
    assert list(rows_by_name(field)) == ["Fred Field"]
    assert field.select_one(f'#team option[value="{desk.other_team.id}"]').has_attr("selected")
    managed = soup_of(client.get(f"/teams/map?manager={desk.manager.id}&team="))
    assert len(managed.select("#heatmap tbody tr")) == 8
    assert client.get("/teams/map?team=x1").status_code == 400
    assert client.get("/teams/map?team=99999999").status_code == 404
    assert client.get("/teams/map?manager=99999999").status_code == 404


# ----------------------------------------------------------------------------- the planner


def test_the_planner_answers_in_plain_words_then_lists(
    client: TestClient, db: Session, desk: Desk
) -> None:
    signed_in(client, db, desk)
    response = client.get(f"/teams/transition?role=active&headcount=6&team={desk.team.id}")
    assert response.status_code == 200
    page = soup_of(response)
    answer = [li.get_text(" ", strip=True) for li in page.select("#answer .answer-sentences li")]
    assert answer == [
        "2 people fit “Active sales” now.",
        "1 can be developed into it in about 4 months.",
        "2 are better kept in “Passive sales”, the role they are in now.",
        "1 fits neither this role nor the role they are in now.",
        "1 person has no assessment with enough scores to judge.",
        "Hire 3 to reach a headcount of 6.",
    ]
    assert "People in scope: 7 = 2 fit now + 1 developable + 2 kept in their role" in (
        page.select_one("#tally").get_text(" ", strip=True)
    )

    def listed(section: str) -> list[str]:
        return [
            cell.get_text(" ", strip=True).removesuffix(" counted")
            for cell in page.select(f"#{section} td.name, #{section} .people li")
        ]

    assert listed("fit-now") == ["Hanna Hunter", "Harry Hunter"]
    assert listed("developable") == ["Greta Grower"]
    assert listed("keep") == ["Inna Inbound", "Ivan Inbound"]
    assert listed("not-a-fit") == ["Walter Weak"]
    assert listed("insufficient-data") == ["Nina Newcomer (Inbound desk) — not assessed"]
    assert len(page.select(".badge.counted")) == 3
    grower = page.select_one("#developable tbody tr")
    assert grower.select_one("td.months").get_text(strip=True) == "4"
    step = grower.select_one('.steps > li[data-competency="persuasion"]')
    assert step.get_text(" ", strip=True).startswith(
        "Persuasion and presentation: 55 → 70, about 4 months"
    )
    assert step.select("details li")  # the development activities
    assert "Motivation and persistence" in page.select_one("#not-a-fit tbody tr").get_text()
    caveats = page.select_one("#caveats").get_text(" ", strip=True)
    assert "Development times are expert estimates" in caveats
    assert "have not been validated" in caveats
    # the answer comes before the lists
    text = page.get_text()
    assert text.index("Hire 3 to reach") < text.index("Can be developed (1)")


def test_the_planner_counts_the_other_role_too(client: TestClient, db: Session, desk: Desk) -> None:
    signed_in(client, db, desk)
    page = soup_of(
        client.get(
            f"/teams/transition?role=active&headcount=2&other_headcount=4&team={desk.team.id}"
        )
    )
    answer = [li.get_text(" ", strip=True) for li in page.select("#answer li")]
    assert answer[1] == (
        "1 more can be developed into it (about 4 months), though the headcount is reached "
        "without them."
    )
    assert answer[-2] == "No hiring is needed to reach a headcount of 2."
    assert (
        answer[-1] == "In “Passive sales”, 3 people who stay fit it now; hire 1 to reach 4 there."
    )


def test_the_planner_form_alone_and_its_errors(client: TestClient, db: Session, desk: Desk) -> None:
    signed_in(client, db, desk)
    empty = client.get("/teams/transition")
    assert empty.status_code == 200
    page = soup_of(empty)
    assert page.select_one("#answer") is None and page.select_one("#planner") is not None
    assert [o["value"] for o in page.select("#role option")] == ["active", "passive"]
    assert page.select_one("#caveats") is not None

    negative = client.get("/teams/transition?role=active&headcount=-2")
    assert negative.status_code == 422
    assert (
        "The target headcount must be 0 or more."
        in soup_of(negative).select_one("#headcount-error").get_text()
    )
    words = client.get("/teams/transition?role=active&headcount=six")
    assert words.status_code == 422
    assert "“six” was given" in soup_of(words).select_one("#headcount-error").get_text()
    role = client.get("/teams/transition?role=hunting&headcount=2")
    assert role.status_code == 422
    assert "Unknown role “hunting”" in soup_of(role).select_one("#role-error").get_text()
    assert client.get("/teams/transition?headcount=2&team=99999999").status_code == 404
    assert client.get("/teams/transition?team=99999999").status_code == 404


# ----------------------------------------------------------------------------- the API


def test_the_api_answers_the_same_plan(client: TestClient, db: Session, desk: Desk) -> None:
    headers = token(db, desk, Role.head_of_sales)
    response = client.get(
        f"/api/v1/teams/transition?role=active&headcount=6&team={desk.team.id}", headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"role", "headcount", "hires_needed", *LISTS}
    TransitionOut.model_validate(body)  # what the OpenAPI document promises
    assert (body["role"], body["headcount"], body["hires_needed"]) == ("active", 6, 3)
    assert {key: [p["full_name"] for p in body[key]] for key in LISTS} == {
        "fit_now": ["Hanna Hunter", "Harry Hunter"],
        "developable": ["Greta Grower"],
        "keep_in_current_role": ["Inna Inbound", "Ivan Inbound"],
        "not_a_fit": ["Walter Weak"],
        "insufficient_data": ["Nina Newcomer"],
    }
    ids = [p["person_id"] for key in LISTS for p in body[key]]
    assert len(ids) == len(set(ids)) == 7
    grower = body["developable"][0]
    assert grower == {
        "person_id": desk.people["Greta Grower"].id,
        "full_name": "Greta Grower",
        "team_id": desk.team.id,
        "team": "Inbound desk",
        "current_role": "passive",
        "fit": 60.9,
        "current_role_fit": 100.0,
        "months": 4.0,
        "projected_fit": 72.7,
        "develop": [
            {
                "competency": "persuasion",
                "score": 55.0,
                "aim": 70.0,
                "months": 3.8,
                "activities": grower["develop"][0]["activities"],
            }
        ],
        "blocking": [],
        "kpi_attainment": None,  # no KPI values in this desk
    }
    assert grower["develop"][0]["activities"]
    assert body["not_a_fit"][0]["blocking"] == ["communication", "persistence"]
    assert body["keep_in_current_role"][0]["current_role_fit"] == 92.2
    whole = client.get("/api/v1/teams/transition?headcount=0", headers=headers).json()
    assert sum(len(whole[key]) for key in LISTS) == 8 and whole["role"] == "active"


def test_the_api_refuses_bad_requests_with_a_message(
    client: TestClient, db: Session, desk: Desk
) -> None:
    headers = token(db, desk, Role.hr)
    url = "/api/v1/teams/transition"
    bad_role = client.get(f"{url}?role=hunting&headcount=1", headers=headers)
    assert bad_role.status_code == 422
    assert bad_role.json()["detail"].startswith("Unknown role “hunting”")
    negative = client.get(f"{url}?headcount=-1", headers=headers)
    assert negative.status_code == 422 and "0 or more" in negative.json()["detail"]
    assert client.get(url, headers=headers).status_code == 422  # no headcount
    assert client.get(f"{url}?headcount=x", headers=headers).status_code == 422
    missing = client.get(f"{url}?headcount=1&team=99999999", headers=headers)
    assert missing.status_code == 404 and missing.json()["detail"]
    other = build_team(unscoped(db))
    foreign = client.get(f"{url}?headcount=1&team={other.team.id}", headers=headers)
    assert foreign.status_code == 404 and "no team" in foreign.json()["detail"]


def test_api_roles(client: TestClient, db: Session, desk: Desk) -> None:
    url = "/api/v1/teams/transition?headcount=1"
    for role in (Role.admin, Role.hr, Role.head_of_sales):
        assert client.get(url, headers=token(db, desk, role)).status_code == 200
    refused = client.get(url, headers=token(db, desk, Role.manager))
    assert refused.status_code == 403 and refused.json()["detail"]
    assert client.get(url).status_code == 401


def test_the_openapi_document_has_the_planner(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/teams/transition"]["get"]
    assert operation["tags"] == ["teams"] and operation["summary"] and operation["security"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert "$ref" in str(schema)


# ----------------------------------------------------------------------------- who sees what


@pytest.mark.parametrize("role", [Role.admin, Role.hr, Role.head_of_sales])
def test_staff_roles_see_the_pages(client: TestClient, db: Session, desk: Desk, role: Role) -> None:
    signed_in(client, db, desk, role)
    assert client.get("/teams/map").status_code == 200
    assert client.get("/teams/transition?headcount=2").status_code == 200


def test_a_manager_sees_only_their_own_people(client: TestClient, db: Session, desk: Desk) -> None:
    # another manager with one direct report in the desk, and a team of her own
    other = create_user(unscoped(db), organisation=desk.organisation, role=Role.manager)
    person = desk.people["Walter Weak"]
    person.manager_id = other.id
    db.add(person)
    db.commit()
    sign_in(client, other.email, PASSWORD)
    mine = soup_of(client.get("/teams/map"))
    assert list(rows_by_name(mine)) == ["Walter Weak"]
    assert mine.select_one("#manager") is None
    assert [o.get_text(strip=True) for o in mine.select("#team option")] == [
        "All my people",
        "Inbound desk",
    ]
    # the desk's team narrows to her report only; a team or manager not hers does not exist
    assert list(rows_by_name(soup_of(client.get(f"/teams/map?team={desk.team.id}")))) == [
        "Walter Weak"
    ]
    assert client.get(f"/teams/map?team={desk.other_team.id}").status_code == 404
    assert client.get(f"/teams/map?manager={desk.manager.id}").status_code == 404
    assert client.get(f"/teams/map?manager={other.id}").status_code == 200
    plan = soup_of(client.get("/teams/transition?role=active&headcount=1"))
    assert "People in scope: 1 =" in plan.select_one("#tally").get_text()
    assert client.get(f"/teams/transition?headcount=1&team={desk.other_team.id}").status_code == 404


def test_the_desk_manager_sees_the_desk_and_his_direct_report(
    client: TestClient, db: Session, desk: Desk
) -> None:
    signed_in(client, db, desk, Role.manager)
    rows = rows_by_name(soup_of(client.get("/teams/map")))
    assert len(rows) == 8 and "Fred Field" in rows


def test_another_organisations_team_is_not_found(
    client: TestClient, db: Session, desk: Desk
) -> None:
    other = build_team(unscoped(db))
    signed_in(client, db, desk, Role.hr)
    assert client.get(f"/teams/map?team={other.team.id}").status_code == 404
    assert client.get(f"/teams/map?manager={other.manager.id}").status_code == 404
    assert client.get(f"/teams/transition?headcount=1&team={other.team.id}").status_code == 404
    names = rows_by_name(soup_of(client.get("/teams/map")))
    assert len(names) == 8  # none of the other organisation's people


def test_signing_in_is_required(client: TestClient) -> None:
    for path in ("/teams/map", "/teams/transition?headcount=1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and "/login" in response.headers["location"]
