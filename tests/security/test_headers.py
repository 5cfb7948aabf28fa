"""Finding (low): no Content-Security-Policy, frame-ancestors, X-Content-Type-Options, HSTS;
no `Cache-Control: no-store` on report pages and on the campaign page that shows live links."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Role
from app.paths import TEMPLATES_DIR
from app.scoring.loader import Catalog
from app.services.accounts import create_api_token
from tests.conftest import sign_in
from tests.factories import PASSWORD, create_user
from tests.security.conftest import World


def _directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_every_page_carries_the_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    policy = _directives(response.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in ("same-origin", "no-referrer")
    assert "strict-transport-security" not in response.headers  # http: HSTS would be a lie
    assert response.headers["cache-control"] == "no-store"


def test_hsts_when_the_site_is_served_over_https(app_factory: Callable[..., TestClient]) -> None:
    response = app_factory(base_url="https://fit.example.com").get("/login")
    assert "max-age=" in response.headers["strict-transport-security"]


def test_static_files_may_be_cached_but_not_sniffed(client: TestClient) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_personal_data_is_never_stored_by_a_browser_or_proxy(
    client: TestClient, db: Session, world: World, catalog: Catalog
) -> None:
    someone = world.invite(db, "Anna Petrova", "anna@example.com")
    world.complete(db, catalog, someone)
    other = world.invite(db, "Boris Ivanov", "boris@example.com")
    hr = create_user(db, organisation=world.organisation, role=Role.hr)
    _row, token = create_api_token(db, email=hr.email)
    db.commit()
    sign_in(client, hr.email, PASSWORD)
    pages = [
        f"/hr/campaigns/{world.campaign.id}",  # live links
        f"/people/{someone.person.id}/report",
        f"/people/{someone.person.id}/report.json",
        "/results",
        f"/campaigns/{world.campaign.id}/ranking",
        f"/campaigns/{world.campaign.id}/ranking.csv",
        "/hr/outbox",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert response.headers["cache-control"] == "no-store", page
    api = client.get(
        f"/api/v1/people/{someone.person.id}/report", headers={"authorization": f"Bearer {token}"}
    )
    assert api.status_code == 200 and api.headers["cache-control"] == "no-store"
    client.cookies.clear()
    assert client.get(f"/a/{other.token}").headers["cache-control"] == "no-store"


def test_the_api_docs_page_runs_no_inline_script_under_its_own_policy(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    policy = _directives(response.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]
    soup = BeautifulSoup(response.text, "html.parser")
    scripts = soup.find_all("script")
    assert scripts and all(s.get("src") for s in scripts), "an inline script would be blocked"
    for script in scripts:
        assert client.get(script["src"]).status_code == 200


@pytest.mark.parametrize(
    "template",
    sorted(TEMPLATES_DIR.rglob("*.html")),
    ids=lambda p: str(p.relative_to(TEMPLATES_DIR)),
)
def test_no_template_has_inline_script_or_style(template: Path) -> None:
    """What `script-src 'self'` and `style-src 'self'` would block; a data block is fine."""
    soup = BeautifulSoup(template.read_text(encoding="utf-8"), "html.parser")
    for script in soup.find_all("script"):
        assert script.get("src") or script.get("type") == "application/json", template
    assert not soup.find_all("style"), template
    assert not soup.find_all(attrs={"style": True}), template
    for tag in soup.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], (template, tag.name)
