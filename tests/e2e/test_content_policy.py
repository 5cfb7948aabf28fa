"""The Content-Security-Policy in a real browser: the API docs page still works, and no page
of the HR journey reports a violation."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import HR_EMAIL, HR_PASSWORD, LiveServer


def _violations(page: Any) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def test_swagger_ui_runs_under_the_docs_policy(live_server: LiveServer, browser: Any) -> None:
    page = browser.new_page()
    violations = _violations(page)
    page.goto(f"{live_server.url}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "SalesFit" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector(".opblock", timeout=15_000)  # the operations were read and drawn
    assert violations == []
    page.close()


def test_staff_pages_run_their_scripts_without_violations(
    live_server: LiveServer, browser: Any
) -> None:
    page = browser.new_page()
    violations = _violations(page)
    page.goto(f"{live_server.url}/login")
    page.fill("#email", HR_EMAIL)
    page.fill("#password", HR_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    for path in ("/dashboard", "/hr/campaigns", "/hr/campaigns/new", "/model", "/account"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
    assert violations == []
    page.close()
