"""The interview page on a 360-px phone without JavaScript: fill in the ratings, save, and the
person's report shows what the interview changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.test_layout import (  # noqa: F401 - `site` is a fixture used by name
    HR,
    PHONE,
    PHONE_PROBLEMS_JS,
    Site,
    problems_on,
    signed_in,
    site,
)


def test_an_interview_filled_in_on_a_phone_changes_the_report(
    browser: Any,
    site: Site,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    context, page = signed_in(
        browser, site, HR, language="ru", viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    page.goto(f"{site.url}/interviews/{site.result_id}")
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
    report_link = page.locator("a[href$='/report']").first
    report_link.click()
    effect = page.locator("#interview-effect")
    assert effect.is_visible()
    assert effect.locator("tr[data-competency]").count() >= 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
