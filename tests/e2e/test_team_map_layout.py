"""The team map and the directory's pages in a real browser: at 1280 px, in Russian and in
English, no table needs horizontal scrolling and no heading runs out of its cell; at 360 px
the wide map scrolls inside its box with a visible cue (issue 12, point 5)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlmodel import Session

from app.db import make_engine, scope_to_organisation
from app.models import Role
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.loader import load_catalog
from app.services import staff
from app.services.accounts import create_user
from tests.directory_factories import add_kpi_values
from tests.e2e.conftest import LiveServer
from tests.services.test_teams import COMPETENCIES, add_snapshot

HEAD = "head@layout.example.com"
KPI_RANGES = {  # every KPI of the catalogue, with values as wide as they come
    "contacts_made": (50, 120),
    "successful_presentation_share": (20, 45),
    "qualified_requests": (5, 20),
    "close_rate": (10, 30),
    "deal_velocity_days": (25, 70),
    "average_deal_size": (100_000, 1_250_000),
    "request_response_hours": (1, 9),
    "customer_satisfaction": (60, 98),
}
PASSWORD = "layout-password-1234"

MEASURE = """() => {
  const boxes = [...document.querySelectorAll('main .table-scroll')].map(box => ({
    id: (box.querySelector('table') || {}).id || '', scroll: box.scrollWidth, client: box.clientWidth}));
  const spilled = [...document.querySelectorAll('main thead th')]
    .filter(th => th.scrollWidth > th.clientWidth + 1 || th.scrollHeight > th.clientHeight + 1)
    .map(th => th.textContent.trim());
  return {boxes, spilled, page: document.documentElement.scrollWidth, viewport: window.innerWidth};
}"""


@pytest.fixture(scope="module")
def layout_org(live_server: LiveServer) -> dict[str, int]:
    """An organisation with a team of twelve assessed sellers with long names."""
    engine = make_engine(live_server.database_url)
    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    rng = random.Random(5)  # noqa: S311
    with Session(engine) as session:
        created = create_user(
            session,
            email=HEAD,
            role=Role.head_of_sales,
            organisation_slug="layout-org",
            password=PASSWORD,
        )
        scope_to_organisation(session, created.organisation.id or 0)
        team = staff.create_team(
            session,
            catalog.model.definition,
            name="Региональные активные продажи",
            sales_mode="active",
        )
        for i in range(12):
            person = staff.create_staff_person(
                session,
                staff.StaffValues(
                    full_name=f"Константин Константинопольский-{i}",
                    email=f"k{i}@layout.example.com",
                    team=team,
                    current_role="passive",
                ),
            )
            add_snapshot(session, person, {c: rng.uniform(20, 95) for c in COMPETENCIES})
            for kpi_id, (low, high) in KPI_RANGES.items():
                add_kpi_values(
                    session, person, kpi_id, [round(rng.uniform(low, high)) for _ in range(3)]
                )
        session.commit()
        team_id = team.id or 0
    engine.dispose()
    return {"team": team_id}


def _signed_in(browser: Any, server: LiveServer, width: int, language: str) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#email", HEAD)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


@pytest.mark.parametrize("language", ["ru", "en"])
def test_at_1280_px_no_table_scrolls_and_no_heading_spills(
    live_server: LiveServer, browser: Any, layout_org: dict[str, int], language: str
) -> None:
    context, page = _signed_in(browser, live_server, 1280, language)
    team = layout_org["team"]
    for path in (
        "/teams/map",
        f"/teams/map?team={team}",
        "/people",
        f"/teams/{team}",
        "/teams",
        "/kpis",
        "/validation",
    ):
        page.goto(f"{live_server.url}{path}")
        found = page.evaluate(MEASURE)
        assert found["page"] <= found["viewport"], (language, path, found)
        wide = [box for box in found["boxes"] if box["scroll"] > box["client"] + 1]
        assert wide == [], (language, path, wide)
        assert found["spilled"] == [], (language, path, found["spilled"])
    page.goto(f"{live_server.url}/teams/map")
    assert page.locator("#scroll-hint").is_hidden()
    context.close()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_at_360_px_the_map_scrolls_in_its_box_with_a_visible_cue(
    live_server: LiveServer, browser: Any, layout_org: dict[str, int], language: str
) -> None:
    context, page = _signed_in(browser, live_server, 360, language)
    page.goto(f"{live_server.url}/teams/map")
    box = page.locator(".heatmap-scroll")
    sizes = box.evaluate("b => ({scroll: b.scrollWidth, client: b.clientWidth})")
    assert sizes["scroll"] > sizes["client"]  # the table scrolls inside its box ...
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # ... not the page
    frame = page.locator("[data-scroll-frame]")
    assert frame.get_attribute("data-overflow") == "yes"
    assert page.locator("#scroll-hint").is_visible()
    edge = frame.evaluate("f => getComputedStyle(f, '::after').display")
    assert edge == "block"
    # scrolled to the end, the shaded edge goes; the table's last column is then in view
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; b.dispatchEvent(new Event('scroll')); }")
    page.wait_for_function(
        "document.querySelector('[data-scroll-frame]').getAttribute('data-overflow') === 'end'"
    )
    assert frame.evaluate("f => getComputedStyle(f, '::after').display") == "none"
    context.close()
