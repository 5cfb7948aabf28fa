"""The access matrix: every route of the app against every kind of caller.

The routes are collected from the app itself (`iter_route_contexts(app.routes)`), so a route
added later fails `test_every_route_has_a_row` until its row is written here. Each row says,
per caller, what must happen when that caller calls the route with valid path parameters
naming objects of organisation A:

    A  allowed: the route ran (2xx, a redirect that is not to /login, or its own refusal of
       the empty input sent: 400, 409, 410, 413, 422)
    L  not signed in: 401 or a redirect to /login
    F  forbidden by role: 403
    H  hidden: 404, as if the object did not exist (another organisation, not one's people)
    *  public: any answer but a 5xx

Callers: anonymous; candidate (the browser of the person whose link is in the path, sending
the link token as a Bearer token too); another candidate of organisation A (their own cookie,
their token as Bearer); the four staff roles of A (session cookie and their own API token);
the same roles of organisation B; and an API token of organisation B alone.

Unsafe methods are sent with the caller's valid CSRF token and an empty body, so an allowed
caller gets the route's own refusal and nothing is erased or sent. One app and one SQLite
database serve the whole matrix (PostgreSQL would double the time and changes no decision:
access is decided in Python, the same on both). To see the observed row of a new route, run
with SALESFIT_MATRIX_PRINT=1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import make_engine, scope_to_organisation
from app.main import create_app
from app.migrate import upgrade
from app.models import ApiToken, AssessmentSession, Organisation, Role, Team, User
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.loader import load_catalog
from app.services import campaigns as campaign_service
from app.services import results, sessions
from app.services.accounts import create_api_token, create_user
from app.services.people import add_person
from tests.conftest import TEST_SECRET, csrf_from, make_settings, sign_in
from tests.factories import PASSWORD, answer_for
from tests.security.conftest import WORK

CALLERS = (
    "anon",
    "cand",
    "cand2",
    "manager",
    "head",
    "hr",
    "admin",
    "B.manager",
    "B.head",
    "B.hr",
    "B.admin",
    "B.token",
)

# route: one code per caller, in the order of CALLERS
PUBLIC = "* * * * * * * * * * * *"
EVERYONE = "A A A A A A A A A A A A"
SIGNED_IN = "L L L A A A A A A A A L"
SIGNED_IN_ORG_A = "L L L A A A A H H H H L"
HR_PAGES = "L L L F F A A F F A A L"
HR_OBJECT = "L L L F F A A F F H H L"
ADMIN_PAGES = "L L L F F F A F F F A L"
ADMIN_OBJECT = "L L L F F F A F F F H L"
STAFF_OBJECT = "L L L A A A A H H H H L"
API_SIGNED_IN = "L L L A A A A A A A A A"
API_READERS = "L L L F A A A F A A A A"
API_READERS_OBJECT = "L L L F A A A F H H H H"
API_HR = "L L L F F A A F F A A A"
API_HR_OBJECT = "L L L F F A A F F H H H"
API_ADMIN = "L L L F F F A F F F A A"
# The staff directory (docs/staff.md): readers are all four roles (a manager sees only their
# own people and teams), admins and HR change it, heads of sales set targets, admins decide
# on re-weighting; KPIs, validation and fairness are for admins, HR and heads of sales.
KPI_PAGES = "L L L F A A A F A A A L"
TARGET_PAGES = "L L L F A F A F A F A L"
TARGET_OBJECT = "L L L F A F A F H F H L"

MATRIX: dict[str, str] = {
    "GET /api/v1/openapi.json": EVERYONE,
    "GET /static": EVERYONE,
    "GET /docs-assets": EVERYONE,
    "GET /docs": EVERYONE,
    "GET /healthz": EVERYONE,
    "GET /readyz": EVERYONE,
    "GET /login": EVERYONE,
    "POST /login": PUBLIC,  # an empty sign-in is refused (401) for everyone
    "POST /logout": "L L L L L L L L L L L L",  # signing out always ends at /login
    "POST /account/password": SIGNED_IN,
    "GET /": SIGNED_IN,  # the home page sends whoever is not signed in to /login
    "GET /dashboard": SIGNED_IN,
    "GET /model": SIGNED_IN,
    "GET /account": SIGNED_IN,
    "POST /account/language": SIGNED_IN,
    "GET /admin/users": ADMIN_PAGES,
    "POST /admin/users/{user_id:id}/deactivate": ADMIN_OBJECT,
    "POST /admin/users/{user_id:id}/activate": ADMIN_OBJECT,
    "POST /admin/tokens/{token_id:id}/revoke": ADMIN_OBJECT,
    "GET /admin/audit": ADMIN_PAGES,
    "GET /admin/audit.csv": ADMIN_PAGES,
    "GET /admin/product-test": ADMIN_PAGES,
    "POST /admin/product-test": ADMIN_PAGES,
    "POST /admin/product-test/upload": ADMIN_PAGES,
    "POST /admin/product-test/remove": ADMIN_PAGES,
    "GET /admin/product-test.yaml": ADMIN_PAGES,
    "GET /people/{person_id:id}/privacy": HR_OBJECT,
    "GET /people/{person_id:id}/privacy/export.json": HR_OBJECT,
    "POST /people/{person_id:id}/privacy/erase": HR_OBJECT,
    "GET /hr/campaigns": HR_PAGES,
    "GET /hr/campaigns/new": HR_PAGES,
    "POST /hr/campaigns": HR_PAGES,
    "GET /hr/campaigns/{campaign_id:id}": HR_OBJECT,
    "POST /hr/campaigns/{campaign_id:id}/people": HR_OBJECT,
    "POST /hr/campaigns/{campaign_id:id}/import": HR_OBJECT,
    "POST /hr/invitations/{invitation_id:id}/remind": HR_OBJECT,
    "POST /hr/invitations/{invitation_id:id}/revoke": HR_OBJECT,
    "POST /hr/invitations/{invitation_id:id}/extend": HR_OBJECT,
    "POST /hr/invitations/{invitation_id:id}/retake": HR_OBJECT,
    "GET /hr/outbox": HR_PAGES,
    "GET /reviews": SIGNED_IN,
    "GET /rankings": SIGNED_IN,
    "GET /reviews/work/{session_id:id}": STAFF_OBJECT,
    "POST /reviews/work/{session_id:id}": STAFF_OBJECT,
    "GET /reviews/rating/{invitation_id:id}": STAFF_OBJECT,
    "POST /reviews/rating/{invitation_id:id}": STAFF_OBJECT,
    "GET /results": SIGNED_IN,
    "GET /results/{invitation_id:id}": STAFF_OBJECT,
    "GET /campaigns/{campaign_id:id}/ranking": STAFF_OBJECT,
    "GET /campaigns/{campaign_id:id}/compare": STAFF_OBJECT,
    "GET /campaigns/{campaign_id:id}/ranking.csv": STAFF_OBJECT,
    "GET /campaigns/{campaign_id:id}/ranking.xlsx": STAFF_OBJECT,
    "GET /people/{person_id:id}/report": STAFF_OBJECT,
    "GET /people/{person_id:id}/report.json": STAFF_OBJECT,
    "GET /teams/map": SIGNED_IN,
    "GET /teams/transition": SIGNED_IN,
    "GET /api/v1/teams/transition": API_READERS,
    # A candidate's link is the key: whoever holds it reaches that one session, and only it.
    "GET /a/{token}": EVERYONE,
    "POST /a/{token}/consent": EVERYONE,
    "GET /a/{token}/declined": EVERYONE,
    "GET /a/{token}/instructions": EVERYONE,
    "GET /a/{token}/s/{n}": EVERYONE,
    "GET /a/{token}/s/{n}/p/{p}": EVERYONE,
    "POST /a/{token}/s/{n}/p/{p}": EVERYONE,
    "POST /a/{token}/s/{n}/start": EVERYONE,
    "POST /a/{token}/s/{n}": EVERYONE,
    "GET /a/{token}/finish": EVERYONE,
    "POST /a/{token}/complete": EVERYONE,
    "GET /a/{token}/done": EVERYONE,
    "GET /api/v1/me": API_SIGNED_IN,
    "GET /api/v1/model": API_SIGNED_IN,
    "POST /api/v1/campaigns": API_HR,
    "GET /api/v1/campaigns": API_READERS,
    "GET /api/v1/campaigns/{campaign_id}": API_READERS_OBJECT,
    # reviewers and raters: every staff role; a manager only for the people they manage
    # (the work sample here is of a person in the manager's team, as on the review pages)
    "GET /api/v1/reviews": API_SIGNED_IN,
    "PUT /api/v1/reviews/{session_id}": "L L L A A A A H H H H H",
    "GET /api/v1/ratings": API_SIGNED_IN,
    "PUT /api/v1/ratings/{invitation_id}": "L L L A A A A H H H H H",
    # the structured interview: every staff role; a manager only for the people they manage
    "GET /interviews/{invitation_id:id}": STAFF_OBJECT,
    "POST /interviews/{invitation_id:id}": STAFF_OBJECT,
    "GET /api/v1/interviews/{invitation_id}": "L L L A A A A H H H H H",
    "PUT /api/v1/interviews/{invitation_id}": "L L L A A A A H H H H H",
    "POST /api/v1/campaigns/{campaign_id}/invitations": API_HR_OBJECT,
    "POST /api/v1/invitations/{invitation_id}/retake": API_HR_OBJECT,
    "GET /api/v1/campaigns/{campaign_id}/results": API_READERS_OBJECT,
    "GET /api/v1/people/{person_id}/report": API_READERS_OBJECT,
    "GET /api/v1/sessions/{token}": EVERYONE,
    "POST /api/v1/sessions/{token}/consent": EVERYONE,
    "PUT /api/v1/sessions/{token}/answers": EVERYONE,
    "POST /api/v1/sessions/{token}/sections/{section_id}/start": EVERYONE,
    "POST /api/v1/sessions/{token}/complete": EVERYONE,
    "GET /api/v1/people/{person_id}/export": API_HR_OBJECT,
    "POST /api/v1/people/{person_id}/erase": API_HR_OBJECT,
    "GET /api/v1/audit": API_ADMIN,
    "GET /people": SIGNED_IN,
    "GET /people/new": HR_PAGES,
    "POST /people": HR_PAGES,
    "GET /people/{person_id:id}": STAFF_OBJECT,
    "POST /people/{person_id:id}": HR_OBJECT,
    "POST /people/{person_id:id}/move": HR_OBJECT,
    "POST /people/{person_id:id}/archive": HR_OBJECT,
    "GET /people/import": HR_PAGES,
    "POST /people/import": HR_PAGES,
    "POST /people/import/confirm": HR_PAGES,
    "GET /teams": SIGNED_IN,
    "POST /teams": HR_PAGES,
    "GET /teams/{team_id:id}": STAFF_OBJECT,
    "POST /teams/{team_id:id}": HR_OBJECT,
    "POST /teams/{team_id:id}/archive": HR_OBJECT,
    "POST /teams/{team_id:id}/targets": TARGET_OBJECT,
    "GET /kpis": KPI_PAGES,
    "POST /kpis/targets": TARGET_PAGES,
    "POST /kpis/import": KPI_PAGES,
    "POST /kpis/import/confirm": KPI_PAGES,
    "GET /validation": KPI_PAGES,
    "POST /validation/decision": ADMIN_PAGES,
    "GET /fairness": KPI_PAGES,
    "GET /campaigns/{campaign_id:id}/fairness": "L L L F A A A F H H H L",
    "GET /a/{token}/about-you": EVERYONE,
    "POST /a/{token}/about-you": EVERYONE,
    "GET /api/v1/people": API_READERS,
    "POST /api/v1/people": API_HR,
    "PATCH /api/v1/people/{person_id}": API_HR_OBJECT,
    "GET /api/v1/teams": API_READERS,
    "POST /api/v1/teams": API_HR,
    "POST /api/v1/kpis": API_READERS,
    "GET /api/v1/people/{person_id}/kpis": API_READERS_OBJECT,
    "GET /api/v1/validation": API_READERS,
    "GET /api/v1/campaigns/{campaign_id}/fairness": API_READERS_OBJECT,
}

BODIES: dict[str, dict[str, Any]] = {
    # Valid bodies where the API checks the body before it looks the object up: an empty one
    # would be refused (422) before the organisation's boundary is reached.
    "POST /api/v1/campaigns/{campaign_id}/invitations": {
        "people": [{"full_name": "Mara Matrix", "email": "mara@example.com"}]
    },
    "POST /api/v1/people/{person_id}/erase": {"confirm": True},  # a person kept for this
    "PUT /api/v1/reviews/{session_id}": {"points": {}},
    "PUT /api/v1/ratings/{invitation_id}": {"values": {}},
    "PUT /api/v1/interviews/{invitation_id}": {"values": {}},
}
MOUNT_FILES = {"/static": "/static/css/app.css", "/docs-assets": "/docs-assets/swagger-ui.css"}
ALLOWED_REFUSALS = {400, 409, 410, 413, 422}
SAFE = {"GET", "HEAD", "OPTIONS"}


def app_route_keys(app: Any) -> list[str]:
    keys = []
    for context in iter_route_contexts(app.routes):
        methods = sorted((context.methods or {"GET"}) - {"HEAD"}) or ["GET"]
        keys.extend(f"{method} {context.path}" for method in methods)
    return keys


def _build_app(engine: Any = None) -> Any:
    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    return create_app(make_settings(), catalog=catalog, engine=engine or make_engine("sqlite://"))


ROUTES = app_route_keys(_build_app())


@dataclass
class Caller:
    name: str
    client: TestClient
    csrf: str = ""
    email: str | None = None
    token: str | None = None
    link: str | None = None
    forks: list[TestClient] = field(default_factory=list)

    def fork(self, app: Any) -> Caller:
        """The same identity in a new browser (for sign-out, which ends the session)."""
        twin = _caller(app, self.name, email=self.email, token=self.token, link=self.link)
        self.forks.append(twin.client)
        return twin


def _caller(
    app: Any,
    name: str,
    *,
    email: str | None = None,
    token: str | None = None,
    link: str | None = None,
) -> Caller:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    client = TestClient(app, headers=headers)
    if email:
        sign_in(client, email, PASSWORD)
        csrf = csrf_from(client.get("/account").text)
    else:
        if link:
            assert client.get(f"/a/{link}").status_code == 200  # the candidate's own browser
        csrf = csrf_from(client.get("/login").text)
    return Caller(name, client, csrf, email, token, link)


@dataclass
class World:
    app: Any
    callers: dict[str, Caller]
    params: dict[str, str]
    by_route: dict[str, dict[str, str]]


def _staff(session: Session, slug: str, role: Role, prefix: str) -> tuple[str, str]:
    email = f"{prefix}.{role.value}@{slug}.example.com"
    create_user(session, email=email, role=role, organisation_slug=slug, password=PASSWORD)
    _row, token = create_api_token(session, email=email)
    return email, token


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path: Path = tmp_path_factory.mktemp("matrix") / "matrix.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    app = _build_app(engine)
    catalog = app.state.catalog
    staff: dict[str, tuple[str, str]] = {}
    with Session(engine) as session:
        for org in ("a", "b"):
            for role in (Role.manager, Role.head_of_sales, Role.hr, Role.admin):
                label = {"head_of_sales": "head"}.get(role.value, role.value)
                staff[f"{'' if org == 'a' else 'B.'}{label}"] = _staff(
                    session, f"org-{org}", role, org
                )
        spare_email, _spare_token = _staff(session, "org-a", Role.hr, "spare")
        session.commit()
        organisation = session.exec(select(Organisation).where(Organisation.slug == "org-a")).one()
        scope_to_organisation(session, organisation.id or 0)

        manager = session.exec(select(User).where(User.email == staff["manager"][0])).one()
        spare = session.exec(select(User).where(User.email == spare_email)).one()
        spare_token_row = session.exec(select(ApiToken).where(ApiToken.user_id == spare.id)).one()
        team = Team(name="Desk", manager_id=manager.id)
        session.add(team)
        campaign = campaign_service.create_campaign(
            session, catalog=catalog, name="Staff round", battery="employee", language="en"
        )

        def invite(name: str, email: str, kind: str) -> Any:
            person = add_person(session, full_name=name, email=email, language="en", kind=kind)
            person.team_id = team.id if kind == "employee" else None
            session.add(person)
            return campaign_service.invite(
                session, campaign=campaign, person=person, secret_key=TEST_SECRET, base_url="x"
            )

        done = invite("Pavel Done", "done@example.com", "employee")
        sessions.record_consent(session, done.invitation, accepted=True, language="en")
        items = [i for s in sessions.sections(catalog, campaign, "en") for i in s["items"]]
        answers = {i["id"]: WORK if i["type"] == "text" else answer_for(i) for i in items}
        sessions.save_answers(session, done.invitation, catalog, answers)
        results.complete(session, catalog, done.invitation)
        open_one = invite("Olga Open", "open@example.com", "employee")
        sessions.record_consent(session, open_one.invitation, accepted=True, language="en")
        other = invite("Igor Other", "other@example.com", "candidate")
        spare_invitation = invite("Sasha Spare", "spare@example.com", "candidate")
        to_erase = invite("Erin Erase", "erase@example.com", "candidate")
        session.commit()
        work = session.exec(
            select(AssessmentSession).where(
                AssessmentSession.invitation_id == done.invitation.id,
                AssessmentSession.instrument_id == "work_sample_cold_email",
            )
        ).one()
        params = {
            "campaign_id": str(campaign.id),
            "person_id": str(done.person.id),
            "invitation_id": str(done.invitation.id),
            "session_id": str(work.id),
            "user_id": str(spare.id),
            "token_id": str(spare_token_row.id),
            "token": open_one.url.rsplit("/", 1)[1],
            "n": "1",
            "p": "2",
            "section_id": sessions.sections(catalog, campaign, "en")[0]["id"],
            "team_id": str(team.id),
        }
        by_route = {
            f"POST /hr/invitations/{{invitation_id:id}}/{action}": {
                "invitation_id": str(spare_invitation.invitation.id)
            }
            for action in ("remind", "revoke", "extend")
        }
        # A retake of an invitation with nothing started is refused (409): nothing changes.
        for route in (
            "POST /hr/invitations/{invitation_id:id}/retake",
            "POST /api/v1/invitations/{invitation_id}/retake",
        ):
            by_route[route] = {"invitation_id": str(spare_invitation.invitation.id)}
        by_route["POST /api/v1/people/{person_id}/erase"] = {"person_id": str(to_erase.person.id)}
        other_token = other.url.rsplit("/", 1)[1]
    callers = {
        "anon": _caller(app, "anon"),
        "cand": _caller(app, "cand", token=params["token"], link=params["token"]),
        "cand2": _caller(app, "cand2", token=other_token, link=other_token),
        "B.token": _caller(app, "B.token", token=staff["B.admin"][1]),
    }
    for name, (email, token) in staff.items():
        callers[name] = _caller(app, name, email=email, token=token)
    yield World(app, callers, params, by_route)
    for caller in callers.values():
        caller.client.close()
        for fork in caller.forks:
            fork.close()
    engine.dispose()


def _classify(response: Any) -> str:
    code = response.status_code
    location = response.headers.get("location", "")
    if code >= 500:
        return "5xx"
    if code == 401 or (300 <= code < 400 and location.startswith("/login")):
        return "L"
    if code == 403:
        return "F"
    if code == 404:
        return "H"
    if code < 400 or code in ALLOWED_REFUSALS:
        return "A"
    return str(code)


def _call(world: World, caller: Caller, key: str) -> Any:
    method, template = key.split(" ", 1)
    if template in MOUNT_FILES:
        return caller.client.get(MOUNT_FILES[template], follow_redirects=False)
    values = {**world.params, **world.by_route.get(key, {})}
    path = template
    for name, value in values.items():
        path = path.replace(f"{{{name}:id}}", value).replace(f"{{{name}}}", value)
    if key.endswith("/compare"):
        path += f"?people={world.params['person_id']}"
    if key == "POST /logout":
        caller = caller.fork(world.app)  # signing out ends the session: use a second browser
    client = caller.client
    if method in SAFE:
        return client.request(method, path, follow_redirects=False)
    headers = {"x-csrf-token": caller.csrf}
    if path.startswith("/api/"):
        body = BODIES.get(key, {})
        return client.request(method, path, json=body, headers=headers, follow_redirects=False)
    return client.request(method, path, data={}, headers=headers, follow_redirects=False)


def test_every_route_has_a_row() -> None:
    missing = [key for key in ROUTES if key not in MATRIX]
    stale = [key for key in MATRIX if key not in ROUTES]
    assert not missing, f"routes without a row in MATRIX: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"
    for key, row in MATRIX.items():
        assert len(row.split()) == len(CALLERS), key


@pytest.mark.parametrize("key", ROUTES)
def test_route_answers_each_caller_as_the_matrix_says(world: World, key: str) -> None:
    if key not in MATRIX:
        pytest.fail(f"{key} has no row in MATRIX (see test_every_route_has_a_row)")
    expected = dict(zip(CALLERS, MATRIX[key].split(), strict=True))
    observed = {}
    for name in CALLERS:
        response = _call(world, world.callers[name], key)
        observed[name] = _classify(response)
        assert observed[name] != "5xx", (key, name, response.text[:500])
    if os.environ.get("SALESFIT_MATRIX_PRINT"):
        print(f'\n    "{key}": "{" ".join(observed[name] for name in CALLERS)}",')
    wrong = {
        name: f"expected {want}, got {observed[name]}"
        for name, want in expected.items()
        if want != "*" and observed[name] != want
    }
    assert not wrong, f"{key}: {wrong}"
