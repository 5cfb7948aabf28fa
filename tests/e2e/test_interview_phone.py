"""The interview page on a 360-px phone without JavaScript: fill in the ratings, save, and the
person's report shows what the interview changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.db import make_engine, scope_to_organisation
from app.models import Invitation, Organisation, Role
from app.services.accounts import create_user
from app.services.demo import DEMO_SLUG
from tests.e2e.conftest import LiveServer
from tests.e2e.test_layout import PHONE, PHONE_PROBLEMS_JS, problems_on

EMAIL = "interviewer-head@demo.example.com"
PASSWORD = "interview-password-1234"


@pytest.fixture(scope="module")
def completed(live_server: LiveServer) -> int:
    """A head of sales of the demo organisation, and a completed assessment to interview."""
    engine = make_engine(live_server.database_url)
    with Session(engine) as session:
        create_user(
            session,
            email=EMAIL,
            role=Role.head_of_sales,
            organisation_slug=DEMO_SLUG,
            password=PASSWORD,
        )
        session.commit()
        organisation = session.exec(
            select(Organisation).where(Organisation.slug == DEMO_SLUG)
        ).one()
        scope_to_organisation(session, organisation.id or 0)
        invitation = session.exec(
            select(Invitation)
            .where(col(Invitation.completed_at).is_not(None))
            .order_by(col(Invitation.id).desc())
        ).first()
        assert invitation is not None
        found = invitation.id or 0
    engine.dispose()
    return found


def test_an_interview_filled_in_on_a_phone_changes_the_report(
    browser: Any, live_server: LiveServer, completed: int, tmp_path: Path
) -> None:
    url = live_server.url
    context = browser.new_context(
        locale="ru",
        extra_http_headers={"Accept-Language": "ru"},
        viewport=PHONE,
        is_mobile=True,
        java_script_enabled=False,
    )
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.goto(f"{url}/interviews/{completed}")
    problems = problems_on(page, PHONE_PROBLEMS_JS)
    if problems:
        page.screenshot(path=str(tmp_path / "interview-phone.png"), full_page=True)
    assert not problems, problems
    questions = page.locator("fieldset.criterion")
    assert questions.count() == 14
    for i in range(questions.count()):
        questions.nth(i).locator("label.anchor").nth(4).click()  # point 5
    page.click("form.rating-form button[type=submit]")
    assert page.locator("#saved").is_visible()
    page.locator("a[href$='/report']").first.click()
    effect = page.locator("#interview-effect")
    assert effect.is_visible()
    assert effect.locator("tr[data-competency]").count() >= 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
