"""The pages as staff and candidates see them, measured in a real browser.

One server (the demo organisation `make run` loads, plus some worst-case content: a very long
campaign name, a very long name and e-mail address), one browser, many pages:

* at 1280 px, in Russian and English, no staff table needs horizontal scrolling, no heading is
  clipped, overprinted or broken inside a word, and the page itself never scrolls sideways;
* at 360 px the menu folds behind a button that works without JavaScript, the page never
  scrolls sideways, a table wider than its box scrolls inside it with a visible cue, and
  buttons and inputs use the page's font;
* the candidate's best/worst picks are labelled on every option without breaking a word, a
  refused pick without JavaScript keeps every other answer, the note under the form says
  truly when answers are saved, and a jump link highlights its question;
* a head of sales gets from the dashboard to a ranking in one click.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.db import make_engine, scope_to_organisation
from app.models import Campaign, Invitation, Organisation, Person, PersonKind, Role, Team
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.loader import load_catalog
from app.services import reviews
from app.services.accounts import create_user
from app.services.campaigns import create_campaign, invite
from app.services.demo import DEMO_SLUG
from app.services.people import add_person
from tests.conftest import TEST_SECRET
from tests.e2e.conftest import LiveServer

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
PASSWORD = "layout-password-1234"
HR = "layout-hr@demo.example.com"
HEAD = "layout-head@demo.example.com"
LONG_CAMPAIGN = (
    "Набор менеджеров по работе с ключевыми клиентами Северо-Западного федерального округа — "
    "весенняя волна"
)
LONG_NAME = "Константин Константинопольский-Преображенский"
LONG_EMAIL = "konstantin.konstantinopolsky-preobrazhensky@severo-zapadnaya-torgovlya.example.com"


@dataclass(frozen=True)
class Site:
    url: str
    hiring_id: int
    long_campaign_id: int
    result_id: int
    work_session_id: int
    rating_id: int
    candidate_link: str
    employee_id: int
    team_id: int
    reports: tuple[int, ...]  # the people with a completed assessment

    def staff_pages(self) -> list[str]:
        return [
            "/dashboard",
            "/rankings",
            f"/campaigns/{self.hiring_id}/ranking",
            f"/campaigns/{self.long_campaign_id}/ranking",
            "/hr/campaigns",
            f"/hr/campaigns/{self.hiring_id}",
            f"/hr/campaigns/{self.long_campaign_id}",
            "/hr/campaigns/new",
            "/hr/outbox",
            "/model",
            "/results",
            f"/results/{self.result_id}",
            f"/people/{self.reports[0]}/report",
            "/reviews",
            f"/reviews/work/{self.work_session_id}",
            f"/reviews/rating/{self.rating_id}",
            "/teams/map",
            "/teams/transition",
            "/people",
            f"/people/{self.employee_id}",
            "/people/new",
            "/people/import",
            "/teams",
            f"/teams/{self.team_id}",
            "/kpis",
            "/validation",
            "/fairness",
            f"/campaigns/{self.hiring_id}/fairness",
            "/account",
        ]


# Pages a head of sales may not open (editing the directory, campaigns and invitations).
HR_ONLY = ("/hr/", "/people/new", "/people/import")


@pytest.fixture(scope="session")
def site(live_server: LiveServer) -> Site:
    """Staff accounts with no language of their own (the browser's decides), worst-case
    content, a fresh candidate link, and the ids of pages to visit."""
    engine = make_engine(live_server.database_url)
    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    with Session(engine) as session:
        for email, role in ((HR, Role.hr), (HEAD, Role.head_of_sales)):
            create_user(
                session, email=email, role=role, organisation_slug=DEMO_SLUG, password=PASSWORD
            )
        session.commit()
        organisation = session.exec(
            select(Organisation).where(Organisation.slug == DEMO_SLUG)
        ).one()
        scope_to_organisation(session, organisation.id or 0)
        hiring = session.exec(
            select(Campaign).where(Campaign.battery_id == "candidate-active")
        ).one()
        long = create_campaign(
            session, catalog=catalog, name=LONG_CAMPAIGN, battery="candidate-general", language="ru"
        )
        for name, email in ((LONG_NAME, LONG_EMAIL), ("Анна Ли", "anna.li@example.com")):
            person = add_person(session, full_name=name, email=email, language="ru")
            invite(session, campaign=long, person=person, secret_key=TEST_SECRET, base_url="x")
        candidate = add_person(
            session, full_name="Вера Пробная", email="vera@example.com", language="ru"
        )
        link = invite(
            session,
            campaign=hiring,
            person=candidate,
            secret_key=TEST_SECRET,
            base_url=live_server.url,
        ).url
        result = session.exec(
            select(Invitation)
            .where(col(Invitation.completed_at).is_not(None))
            .order_by(col(Invitation.id))
        ).first()
        work = reviews.pending_reviews(session, catalog)[0].instrument_session
        rating = reviews.pending_ratings(session, catalog)[0].invitation
        employee = session.exec(
            select(Person).where(Person.kind == PersonKind.employee).order_by(col(Person.id))
        ).first()
        team = session.exec(select(Team).order_by(col(Team.id))).first()
        reported = session.exec(
            select(Invitation.person_id)
            .where(col(Invitation.completed_at).is_not(None))
            .order_by(col(Invitation.id))
        ).all()
        session.commit()
        assert result is not None and employee is not None and team is not None
        found = Site(
            live_server.url,
            hiring.id or 0,
            long.id or 0,
            result.id or 0,
            work.id or 0,
            rating.id or 0,
            link,
            employee.id or 0,
            team.id or 0,
            tuple(dict.fromkeys(reported)),
        )
    engine.dispose()
    return found


def signed_in(browser: Any, site: Site, email: str, *, language: str, **options: Any) -> Any:
    return sign_in_at(browser, site.url, email, PASSWORD, language=language, **options)


def sign_in_at(
    browser: Any, url: str, email: str, password: str, *, language: str, **options: Any
) -> Any:
    """A new browser context in `language`, signed in at the server `url`: (context, page)."""
    context = browser.new_context(
        locale=language, extra_http_headers={"Accept-Language": language}, **options
    )
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{url}/dashboard")
    return context, page


# Words split over two lines (hyphens, dashes and soft hyphens, where a hyphen is drawn, are
# fair places to break): the first and the last letter of a piece on different lines.
BROKEN_WORDS_JS = """
(element) => {
  const broken = [];
  const top = (node, at) => {
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + 1);
    const rects = [...range.getClientRects()].filter(r => r.width > 0);
    return rects.length ? Math.round(rects[rects.length - 1].top) : null;
  };
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/[^\\s\\-–—\\/\\u00ad]+/g)) {
      const first = top(node, match.index), last = top(node, match.index + match[0].length - 1);
      if (first !== null && last !== null && first !== last) broken.push(match[0]);
    }
  }
  return broken;
}
"""

WIDE_PROBLEMS_JS = """
(brokenWords) => {
  const problems = [];
  const text = el => el.textContent.replace(/\\s+/g, ' ').trim().slice(0, 50);
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth}px in ${root.clientWidth}px`);
  }
  for (const table of document.querySelectorAll('main table')) {
    const box = table.closest('.table-scroll') || table.parentElement;
    if (box.scrollWidth > box.clientWidth + 1) {
      problems.push(`table.${table.className || '?'} needs ${box.scrollWidth}px in ${box.clientWidth}px`);
    }
    for (const row of table.querySelectorAll('thead tr')) {
      const cells = [...row.children].filter(c => c.getBoundingClientRect().width > 0);
      for (const cell of cells) {
        if (cell.scrollWidth > cell.clientWidth + 1) problems.push(`column heading "${text(cell)}" is clipped`);
        const broken = brokenWords(cell);
        if (broken.length) problems.push(`column heading "${text(cell)}" breaks inside "${broken[0]}"`);
      }
      for (let i = 1; i < cells.length; i++) {
        const a = cells[i - 1].getBoundingClientRect(), b = cells[i].getBoundingClientRect();
        if (a.right > b.left + 1) problems.push(`column headings "${text(cells[i - 1])}" and "${text(cells[i])}" overprint`);
      }
    }
  }
  for (const heading of document.querySelectorAll('main h1, main h2, main h3, header a, header label')) {
    if (heading.scrollWidth > heading.clientWidth + 1) problems.push(`"${text(heading)}" is clipped`);
  }
  return problems;
}
"""


def problems_on(page: Any, script: str) -> list[str]:
    broken = page.evaluate_handle(f"() => {BROKEN_WORDS_JS}")
    return list(page.evaluate(script, broken))


def test_staff_pages_fit_at_1280_px_in_russian_and_english(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    found: list[str] = []
    for language in ("ru", "en"):
        for email in (HR, HEAD):
            context, page = signed_in(browser, site, email, language=language, viewport=WIDE)
            for path in site.staff_pages():
                response = page.goto(f"{site.url}{path}")
                if email == HEAD and path.startswith(HR_ONLY):
                    assert response.status == 403, path
                    continue
                assert response.status == 200, (path, response.status)
                assert page.locator("html").get_attribute("lang") == language
                problems = problems_on(page, WIDE_PROBLEMS_JS)
                if problems:
                    shot = tmp_path / f"{language}-{path.strip('/').replace('/', '_')}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    found += [f"{language} {path}: {p} ({shot})" for p in problems]
            context.close()
    assert not found, "\n".join(found)


PHONE_PROBLEMS_JS = """
() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth}px in ${root.clientWidth}px`);
  }
  const main = document.querySelector('main').getBoundingClientRect();
  for (const table of document.querySelectorAll('main table')) {
    const box = table.closest('.table-scroll') || table.parentElement;
    const card = box.closest('.card') || document.querySelector('main');
    const edge = card.getBoundingClientRect().right;
    if (box.getBoundingClientRect().right > edge + 1 || table.getBoundingClientRect().width > main.width + 1 && box === table.parentElement && getComputedStyle(box).overflowX === 'visible') {
      problems.push(`table.${table.className || '?'} spills out of its box`);
    }
    if (box.scrollWidth > box.clientWidth + 1) {
      const style = getComputedStyle(box);
      if (!['auto', 'scroll'].includes(style.overflowX)) problems.push(`table.${table.className || '?'} is cut off`);
      if (!style.backgroundImage.includes('gradient')) problems.push(`table.${table.className || '?'} scrolls with no cue`);
    }
  }
  const font = getComputedStyle(document.body).fontFamily;
  for (const control of document.querySelectorAll('main button, main input, main select, main textarea')) {
    if (getComputedStyle(control).fontFamily !== font) {
      problems.push(`${control.tagName.toLowerCase()} "${(control.textContent || control.name || '').trim().slice(0, 30)}" does not use the page's font`);
      break;
    }
  }
  return problems;
}
"""


def test_staff_pages_on_a_phone_without_javascript(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    found: list[str] = []
    for language in ("ru", "en"):
        context, page = signed_in(
            browser,
            site,
            HR,
            language=language,
            viewport=PHONE,
            is_mobile=True,
            java_script_enabled=False,
        )
        for path in site.staff_pages():
            page.goto(f"{site.url}{path}")
            header = page.locator("header.topbar")
            height = header.bounding_box()["height"]
            if height > PHONE["height"] / 8:
                found.append(f"{language} {path}: the folded menu takes {height:.0f}px")
            problems = problems_on(page, PHONE_PROBLEMS_JS)
            if problems:
                shot = tmp_path / f"phone-{language}-{path.strip('/').replace('/', '_')}.png"
                page.screenshot(path=str(shot), full_page=True)
                found += [f"{language} {path}: {p} ({shot})" for p in problems]
        # the menu opens without JavaScript and every item is then on screen; the team's
        # group opens in place
        page.goto(f"{site.url}/dashboard")
        menu = page.locator("header nav > a")
        assert not menu.first.is_visible()
        page.click("label.menu-button")
        assert menu.count() >= 6 and all(menu.nth(i).is_visible() for i in range(menu.count()))
        assert page.locator("header nav a[href='/rankings']").is_visible()
        group = page.locator("header nav details.menu-group a")
        assert not group.first.is_visible()
        page.click("header nav details.menu-group summary")
        assert group.count() == 7 and all(group.nth(i).is_visible() for i in range(7))
        for i in range(7):
            box = group.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        context.close()
    assert not found, "\n".join(found)


def test_the_menu_is_one_line_at_1280_px_and_leads_to_the_staff_directory(
    browser: Any, site: Site
) -> None:
    """Every page of the team and the directory is one click away under "Team", a list that
    opens without a script; the menu stays on one line for every role."""
    directory = ["/teams/map", "/teams/transition", "/people", "/teams"]
    pages = [*directory, "/kpis", "/validation", "/fairness"]
    for language in ("ru", "en"):
        for email in (HR, HEAD):
            context, page = signed_in(
                browser, site, email, language=language, viewport=WIDE, java_script_enabled=False
            )
            assert page.locator("label.menu-button").is_hidden()
            assert page.locator("header.topbar").bounding_box()["height"] < 70
            items = page.locator("header nav > a, header nav > details > summary")
            tops = {round(items.nth(i).bounding_box()["y"]) for i in range(items.count())}
            assert len(tops) == 1, f"{language}: the menu wraps"
            links = page.locator("header details.menu-group a")
            assert not links.first.is_visible()
            page.click("header details.menu-group summary")
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            assert hrefs == pages
            for i in range(links.count()):
                assert links.nth(i).is_visible()
                box = links.nth(i).bounding_box()
                assert box["x"] + box["width"] <= WIDE["width"]
            links.nth(2).click()
            page.wait_for_url(f"{site.url}/people")
            marked = page.locator("header details.menu-group.current a[aria-current=page]")
            assert marked.get_attribute("href") == "/people"
            page.goto(f"{site.url}/teams/map")
            assert page.locator("header a[aria-current=page]").count() == 1
            context.close()


def test_a_head_of_sales_goes_from_the_dashboard_to_a_ranking(browser: Any, site: Site) -> None:
    context, page = signed_in(browser, site, HEAD, language="ru", viewport=WIDE)
    page.click(f"#campaigns a[href='/campaigns/{site.hiring_id}/ranking']")
    page.wait_for_url(f"{site.url}/campaigns/{site.hiring_id}/ranking")
    assert "Алексей Ковалёв" in page.locator("main").inner_text()
    page.goto(f"{site.url}/dashboard")
    page.click("header nav a[href='/rankings']")
    assert page.locator(f"#rankings a[href='/campaigns/{site.hiring_id}/ranking']").count() == 1
    context.close()


# ----------------------------------------------------------------------------- the report

RADAR_JS = """
() => {
  const svg = document.querySelector('#chart svg.radar');
  const box = svg.viewBox.baseVal;
  const outside = [];
  for (const text of svg.querySelectorAll('text')) {
    const b = text.getBBox();
    if (b.x < box.x - 0.5 || b.y < box.y - 0.5 || b.x + b.width > box.x + box.width + 0.5 || b.y + b.height > box.y + box.height + 0.5) {
      outside.push(`"${text.textContent.trim().slice(0, 40)}" (${Math.round(b.x)}..${Math.round(b.x + b.width)} in 0..${Math.round(box.width)})`);
    }
  }
  const shown = svg.getBoundingClientRect();
  const card = svg.closest('.card').getBoundingClientRect();
  const label = svg.querySelector('text.axis-label');
  const size = parseFloat(getComputedStyle(label).fontSize) * shown.width / box.width;
  return {outside, width: shown.width, inCard: shown.left >= card.left && shown.right <= card.right, size};
}
"""


def test_the_radar_chart_is_wide_readable_and_never_clips_a_label(browser: Any, site: Site) -> None:
    """Every text of the chart (Chromium's own glyph boxes) lies inside the viewBox, in
    Russian and English; at 1280 px the chart is at least 420 px wide with labels at about
    body-text size, and on a phone it scales down inside its card."""
    found: list[str] = []
    for language in ("ru", "en"):
        context, page = signed_in(browser, site, HEAD, language=language, viewport=WIDE)
        for person in site.reports[:8]:
            page.goto(f"{site.url}/people/{person}/report")
            chart = page.evaluate(RADAR_JS)
            found += [
                f"{language} /people/{person}/report: {t} is clipped" for t in chart["outside"]
            ]
            if chart["width"] < 420 or chart["size"] < 13:
                found.append(
                    f"{language}: the chart is {chart['width']:.0f} px, labels {chart['size']:.1f} px"
                )
        page.set_viewport_size(PHONE)
        page.goto(f"{site.url}/people/{site.reports[0]}/report")
        chart = page.evaluate(RADAR_JS)
        assert chart["inCard"] and chart["width"] <= PHONE["width"], chart
        context.close()
    assert not found, "\n".join(found)


def test_every_demo_report_prints_on_at_most_two_a4_pages(browser: Any, site: Site) -> None:
    """Chromium's Print to PDF (A4) of every demo person's report, in Russian and English:
    one or two pages, navigation and the links above the report not printed, the chart
    printed beside the recommendation (not pushed below it, which left page 1 half blank)."""
    too_long: list[str] = []
    for language in ("ru", "en"):
        context, page = signed_in(browser, site, HEAD, language=language, viewport=WIDE)
        for number, person in enumerate(site.reports):
            page.goto(f"{site.url}/people/{person}/report")
            if number == 0:
                assert page.locator("#print-note").is_hidden()
                page.emulate_media(media="print")  # kept: page.pdf() prints with it
                assert page.locator("header.topbar").is_hidden()
                assert page.locator(".report-nav").is_hidden()
                assert page.locator("#print-note").is_visible()
                summary = page.locator("#recommendation").bounding_box()
                chart = page.locator("#chart").bounding_box()
                assert abs(chart["y"] - summary["y"]) < 2 and chart["x"] > summary["x"]
            pdf = page.pdf(format="A4")
            pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
            assert pages >= 1
            if pages > 2:
                too_long.append(f"{language} /people/{person}/report: {pages} pages")
        context.close()
    assert not too_long, "\n".join(too_long)


# ----------------------------------------------------------------------------- the candidate


@pytest.fixture(scope="module")
def candidate_on_the_situations(browser: Any, site: Site) -> Iterator[str]:
    """The candidate's link, consent given; yields the address of the situations' first page."""
    context = browser.new_context(locale="ru-RU", viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(site.candidate_link)
    page.click("button[name=accepted][value='1']")
    context.close()
    yield f"{site.candidate_link}/s/2"


def test_best_and_worst_are_labelled_on_every_option_of_a_phone_screen(
    browser: Any, candidate_on_the_situations: str
) -> None:
    context = browser.new_context(locale="ru-RU", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(candidate_on_the_situations)
    options = page.locator(".q-bw-row")
    assert options.count() >= 3
    labels = page.locator(".q-bw-pick")
    assert labels.count() == 2 * options.count()
    texts = {labels.nth(i).inner_text().strip() for i in range(labels.count())}
    assert texts == {"Лучший", "Худший"}
    broken = page.evaluate_handle(f"() => {BROKEN_WORDS_JS}")
    for i in range(labels.count()):
        label = labels.nth(i)
        assert label.is_visible()
        assert page.evaluate("([f, el]) => f(el)", [broken, label.element_handle()]) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_without_javascript_a_refused_pick_keeps_the_other_answers(
    browser: Any, candidate_on_the_situations: str
) -> None:
    context = browser.new_context(
        locale="ru-RU", viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(candidate_on_the_situations)
    note = page.locator("[data-saved-note]").inner_text()
    assert "сохраняются, когда вы нажимаете" in note  # what is true without a script
    items = page.locator("fieldset.q-item")
    first_id = items.nth(0).get_attribute("data-item")
    for i in range(items.count()):
        item = items.nth(i)
        item_id = item.get_attribute("data-item")
        item.locator(f"input[name='{item_id}:best']").nth(0).check()
        # the first situation: the same option as best and worst, which no script prevents
        item.locator(f"input[name='{item_id}:worst']").nth(0 if i == 0 else 1).check()
    page.click("button[name=action][value=next]")
    flag = page.locator(f"#q-{first_id} .q-flag")
    assert "один и тот же вариант" in flag.inner_text()
    assert (
        "Остальные ответы на этой странице сохранены" in page.locator("[role=alert]").inner_text()
    )
    page.goto(candidate_on_the_situations)  # a reload: what the page said is saved, is
    kept = page.evaluate(
        "() => [...document.querySelectorAll('fieldset.q-item')].map(f => f.querySelectorAll('input:checked').length)"
    )
    assert kept == [0] + [2] * (len(kept) - 1)
    context.close()


def test_with_javascript_the_note_says_every_answer_is_saved_at_once(
    browser: Any, candidate_on_the_situations: str
) -> None:
    context = browser.new_context(locale="ru-RU", viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(candidate_on_the_situations)
    page.wait_for_function(
        "() => document.querySelector('[data-saved-note]').textContent.includes('сохраняется сразу')"
    )
    context.close()


def test_a_skipped_question_is_pointed_out_and_its_link_highlights_it(
    browser: Any, candidate_on_the_situations: str
) -> None:
    context = browser.new_context(
        locale="ru-RU", viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(candidate_on_the_situations)
    first = page.locator("fieldset.q-item").first
    first_id = first.get_attribute("data-item")
    page.evaluate(
        "(id) => document.querySelectorAll(`fieldset[data-item='${id}'] input`).forEach(i => i.checked = false)",
        first_id,
    )
    page.click("button[name=action][value=next]")
    jump = page.locator(f".q-jump a[href='#q-{first_id}']")
    assert jump.count() == 1
    before = page.evaluate(
        "(id) => getComputedStyle(document.getElementById('q-' + id)).boxShadow", first_id
    )
    jump.click()
    after = page.evaluate(
        "(id) => getComputedStyle(document.getElementById('q-' + id)).boxShadow", first_id
    )
    assert after != before and after != "none"
    assert page.locator("a.q-continue").count() == 1
    context.close()


def test_the_ranking_and_comparison_fit_at_1280_px_in_russian_and_english(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    """Every outcome ticked, so every demo candidate of the hiring campaign is a row: the
    ranking carries probabilities and fit intervals, its competency detail is in the
    comparison, and neither needs horizontal scrolling."""
    everything = "&".join(
        f"recommendation={o}"
        for o in (
            "both",
            "active",
            "passive",
            "neither",
            "uncertain",
            "insufficient_data",
            "invalid",
        )
    )
    found: list[str] = []
    for language in ("ru", "en"):
        context, page = signed_in(browser, site, HEAD, language=language, viewport=WIDE)
        ranking = f"/campaigns/{site.hiring_id}/ranking?{everything}"
        assert page.goto(f"{site.url}{ranking}").status == 200
        rows = page.locator("#ranking tbody tr")
        assert rows.count() >= 2, "the demo has completed candidates to rank"
        assert page.locator("#ranking td.fit .fit-text").count() >= 2
        people = page.locator("#ranking input[name=people]")
        ids = ",".join(people.nth(i).get_attribute("value") or "" for i in range(2))
        for path in (ranking, f"/campaigns/{site.hiring_id}/compare?people={ids}"):
            assert page.goto(f"{site.url}{path}").status == 200, path
            problems = problems_on(page, WIDE_PROBLEMS_JS)
            if problems:
                shot = (
                    tmp_path / f"{language}-{path.split('?')[0].strip('/').replace('/', '_')}.png"
                )
                page.screenshot(path=str(shot), full_page=True)
                found += [f"{language} {path}: {p} ({shot})" for p in problems]
        context.close()
    assert not found, "\n".join(found)


def test_the_ranking_and_comparison_on_a_phone(browser: Any, site: Site, tmp_path: Path) -> None:
    """At 360 px the ranking's rows are cards and the comparison's table scrolls inside its
    box with a visible cue; the page itself never scrolls sideways."""
    everything = "&".join(
        f"recommendation={o}"
        for o in (
            "both",
            "active",
            "passive",
            "neither",
            "uncertain",
            "insufficient_data",
            "invalid",
        )
    )
    found: list[str] = []
    for language in ("ru", "en"):
        context, page = signed_in(
            browser, site, HEAD, language=language, viewport=PHONE, is_mobile=True
        )
        ranking = f"/campaigns/{site.hiring_id}/ranking?{everything}"
        page.goto(f"{site.url}{ranking}")
        people = page.locator("#ranking input[name=people]")
        ids = ",".join(people.nth(i).get_attribute("value") or "" for i in range(2))
        for path in (ranking, f"/campaigns/{site.hiring_id}/compare?people={ids}"):
            assert page.goto(f"{site.url}{path}").status == 200, path
            problems = problems_on(page, PHONE_PROBLEMS_JS)
            if problems:
                shot = (
                    tmp_path
                    / f"phone-{language}-{path.split('?')[0].strip('/').replace('/', '_')}.png"
                )
                page.screenshot(path=str(shot), full_page=True)
                found += [f"{language} {path}: {p} ({shot})" for p in problems]
        context.close()
    assert not found, "\n".join(found)
