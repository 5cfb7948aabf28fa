"""The journey people actually take, in a real browser.

HR signs in, creates a campaign and invites a candidate; the candidate opens the personal
link on a phone-sized screen, consents, answers the whole battery — reloading once half-way
and finding every answer kept — and finishes; HR then sees the result.
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

from tests.e2e.conftest import HR_EMAIL, HR_PASSWORD, LiveServer

PHONE = {"width": 360, "height": 740}


def answer_visible_section(page: Any) -> int:
    """Answer every question of the section on screen; returns how many items were answered."""
    form = page.locator("form.questionnaire")
    names = page.evaluate(
        "() => [...new Set([...document.querySelectorAll('form.questionnaire input[type=radio]')].map(i => i.name))]"
    )
    for name in names:
        radios = form.locator(f"input[type=radio][name='{name}']")
        count = radios.count()
        if name.endswith((":worst", ":least")):
            index = 1  # a different option (or statement) from the best / most-like-me pick
        elif name.endswith((":best", ":most")):
            index = 0
        else:
            index = min(3, count - 1)  # e.g. "agree" on a 1-5 scale
        radios.nth(index).check(force=True)
    boxes = page.evaluate(
        "() => [...new Set([...document.querySelectorAll('form.questionnaire input[type=checkbox]')].map(i => i.name))]"
    )
    for name in boxes:
        form.locator(f"input[type=checkbox][name='{name}']").first.check(force=True)
    texts = form.locator("textarea")
    for i in range(texts.count()):
        texts.nth(i).fill(
            "Добрый день! "
            + "Предлагаю коротко обсудить, как сократить время на планирование. " * 4
        )
    # a best/worst or most/least pair is one answer to one item
    items = {name.split(":")[0] for name in names}
    return len(items) + len(boxes) + texts.count()


def wait_until_saved(server: LiveServer, page_url: str, count: int) -> None:
    """Wait (at most 20 s) until the server holds `count` answers of this person: autosave
    runs in the background, so the test waits for it rather than for a fixed time."""
    token = page_url.split("/a/", 1)[1].split("/", 1)[0]
    deadline = time.monotonic() + 20
    saved = 0
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{server.url}/api/v1/sessions/{token}") as response:  # noqa: S310
            saved = len(json.loads(response.read())["answers"])
        if saved >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"only {saved} of {count} answers reached the server")


def checked_groups(page: Any) -> int:
    """Items with an answer on screen (a best/worst or most/least pair is one item)."""
    return int(
        page.evaluate(
            "() => new Set([...document.querySelectorAll('form.questionnaire input:checked')].map(i => i.name.split(':')[0])).size"
        )
    )


def test_hr_invites_and_a_candidate_completes_on_a_phone(
    live_server: LiveServer, browser: Any
) -> None:
    hr = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = hr.new_page()
    staff.goto(f"{live_server.url}/login")
    staff.fill("#email", HR_EMAIL)
    staff.fill("#password", HR_PASSWORD)
    staff.click("form[action='/login'] button[type=submit]")
    staff.goto(f"{live_server.url}/hr/campaigns/new")
    staff.fill("#name", "E2E: hiring sales managers")
    staff.select_option("#battery", "candidate-general")
    staff.click("form[action='/hr/campaigns'] button[type=submit]")
    people_form = staff.locator("form[action$='/people']")
    people_form.locator("input[name=full_name]").fill("Eva Kandidatova")
    people_form.locator("input[name=email]").fill("eva@example.com")
    people_form.locator("select[name=language]").select_option("ru")
    people_form.locator("button[type=submit]").click()
    link = staff.locator("input.link-field").first.input_value()
    assert link.startswith(f"{live_server.url}/a/")

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ru-RU")
    candidate = phone.new_page()
    candidate.goto(link)
    candidate.click("button[name=accepted][value='1']")

    reloaded = False
    for _ in range(60):  # every page of every section, with a start page before a timed one
        if candidate.locator("form.questionnaire").count() == 0:
            start = candidate.locator("form[action*='/start'] button[type=submit]")
            begin = candidate.locator("main a[href*='/s/']")
            if start.count():
                start.click()
                continue
            if "/instructions" in candidate.url and begin.count():
                begin.last.click()
                continue
            break
        answered = answer_visible_section(candidate)
        assert answered > 0
        scroll_width = candidate.evaluate("() => document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"] + 1, "the questionnaire scrolls sideways on a phone"
        if not reloaded:
            # every answer is saved as it is given: reload before submitting the section
            before = checked_groups(candidate)
            wait_until_saved(live_server, candidate.url, before)
            candidate.reload()
            assert checked_groups(candidate) == before, "answers were lost on reload"
            reloaded = True
        forward = candidate.locator("button[name=action][value=next]")
        if forward.count():
            forward.click()
        else:
            candidate.click("button[name=action][value=finish]")
    finish = candidate.locator("form[action$='/complete'] button[type=submit]")
    assert finish.count() == 1, (
        f"no finish button at {candidate.url}: {candidate.locator('main').inner_text()[:800]}"
    )
    finish.click()
    candidate.wait_for_load_state()
    assert candidate.locator("form.questionnaire").count() == 0
    body = candidate.locator("body").inner_text()
    assert "Спасибо" in body or "спасибо" in body

    staff.goto(f"{live_server.url}/results")
    assert "Eva Kandidatova" in staff.locator("main").inner_text()
    staff.locator("main a", has_text="Eva Kandidatova").first.click()
    result = staff.locator("main").inner_text()
    assert "Fit" in result or "fit" in result
    hr.close()
    phone.close()
