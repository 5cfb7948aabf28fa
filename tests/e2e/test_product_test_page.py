"""The admin page "Product test" in a real browser: it fits at 1280 and 360 px in Russian and
English, an admin fills in the form on a phone without JavaScript, and a candidate of a
passive-sales campaign then finds the product test as the last section of their battery,
with the battery's time including it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from app.db import make_engine, scope_to_organisation
from app.models import Organisation, Role
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.loader import load_catalog
from app.services.accounts import create_user
from app.services.campaigns import create_campaign, invite
from app.services.demo import DEMO_SLUG
from app.services.people import add_person
from tests.conftest import TEST_SECRET
from tests.e2e.conftest import LiveServer
from tests.e2e.test_layout import (
    PHONE,
    PHONE_PROBLEMS_JS,
    WIDE,
    WIDE_PROBLEMS_JS,
    problems_on,
    sign_in_at,
)

EMAIL = "product-admin@demo.example.com"
PASSWORD = "product-password-1234"


@pytest.fixture(scope="module")
def admin(live_server: LiveServer) -> str:
    engine = make_engine(live_server.database_url)
    with Session(engine) as session:
        create_user(
            session, email=EMAIL, role=Role.admin, organisation_slug=DEMO_SLUG, password=PASSWORD
        )
        session.commit()
    engine.dispose()
    return EMAIL


def candidate_link(live_server: LiveServer) -> str:
    engine = make_engine(live_server.database_url)
    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    with Session(engine) as session:
        organisation = session.exec(
            select(Organisation).where(Organisation.slug == DEMO_SLUG)
        ).one()
        scope_to_organisation(session, organisation.id or 0)
        campaign = create_campaign(
            session,
            catalog=catalog,
            name="Входящие продажи: тест по продукту",
            battery="candidate-passive",
            language="ru",
        )
        person = add_person(
            session, full_name="Пётр Продуктов", email="petr@example.com", language="ru"
        )
        link = invite(
            session,
            campaign=campaign,
            person=person,
            secret_key=TEST_SECRET,
            base_url=live_server.url,
            catalog=catalog,
        ).url
        session.commit()
    engine.dispose()
    return link


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_page_fits_at_1280_and_360_px(
    browser: Any, live_server: LiveServer, admin: str, language: str, tmp_path: Path
) -> None:
    for viewport, script in ((WIDE, WIDE_PROBLEMS_JS), (PHONE, PHONE_PROBLEMS_JS)):
        context, page = sign_in_at(
            browser, live_server.url, EMAIL, PASSWORD, language=language, viewport=viewport
        )
        page.goto(f"{live_server.url}/admin/product-test")
        problems = problems_on(page, script)
        if problems:
            page.screenshot(path=str(tmp_path / f"product-test-{language}.png"), full_page=True)
        assert not problems, (viewport, problems)
        assert page.locator("fieldset.pt-question").count() == 11  # the product and 10 questions
        context.close()


def test_filled_on_a_phone_the_test_reaches_the_candidate(
    browser: Any, live_server: LiveServer, admin: str, tmp_path: Path
) -> None:
    context, page = sign_in_at(
        browser,
        live_server.url,
        EMAIL,
        PASSWORD,
        language="ru",
        viewport=PHONE,
        is_mobile=True,
        java_script_enabled=False,
    )
    page.goto(f"{live_server.url}/admin/product-test")
    assert page.locator("#not-filled").is_visible()
    page.fill("input[name=product_ru]", "Кофемашины «Зерно и пар»")
    for n in range(1, 6):
        page.fill(f"textarea[name=q{n}_ru]", f"Сколько чашек в день готовит машина тарифа {n}?")
        for k in range(1, 4):
            page.fill(f"input[name=q{n}_o{k}_ru]", f"{20 * k + n} чашек")
        page.check(f"input[name=q{n}_correct][value='{1 + n % 3}']")
    page.click("form.pt-form button[type=submit]")
    assert page.locator("#notice").is_visible()
    assert page.locator("#in-force").is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()

    candidate = browser.new_context(
        locale="ru", viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    page = candidate.new_page()
    page.goto(candidate_link(live_server))
    page.locator("form button[value='1']").first.click()  # consent
    page.wait_for_url("**/instructions")
    text = page.locator("main").inner_text()
    if "Кофемашины «Зерно и пар»" not in text:
        page.screenshot(path=str(tmp_path / "instructions.png"), full_page=True)
    assert "Тест по продукту: Кофемашины «Зерно и пар»" in text
    assert "31" in text  # 29 minutes of the files' instruments and the test's 2 (5 questions)
    candidate.close()
