"""Point 3: schemathesis against /api/v1/openapi.json, on a small fixed budget.

Every operation of the document is called with generated requests (valid and invalid ones,
seeded and derandomised, a bounded number of examples each): no answer may be a 5xx, and every
answer must match what the document says (its status code, content type, body schema and
headers). Requests carry an admin's API token of the organisation the data belongs to, and a
candidate's working link token wherever the path takes one, so the link limiter lets them
through and the operations get past authentication to their real work.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from app.db import make_engine, scope_to_organisation
from app.main import create_app
from app.migrate import upgrade
from app.models import Role
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.loader import load_catalog
from app.services import campaigns as campaign_service
from app.services import results, sessions
from app.services.accounts import create_api_token, create_user
from app.services.people import add_person
from tests.conftest import TEST_SECRET, make_settings
from tests.factories import PASSWORD, answer_for
from tests.security.conftest import WORK

EXAMPLES = 20
"""Generated requests per operation and phase (the budget: the whole run takes seconds)."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


_FOLDER = tempfile.TemporaryDirectory(prefix="salesfit-schemathesis-")
APP = create_app(
    make_settings(),
    catalog=load_catalog(MODEL_FILE, ASSESSMENTS_DIR),
    engine=make_engine(f"sqlite:///{Path(_FOLDER.name) / 'api.db'}"),
)
# Loaded when the module is collected (schemathesis' lazy loader does not run on pytest 9.2);
# the document needs no database, the requests do (made by the `api` fixture).
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


class Fixture:
    token: str
    link: str
    ids: dict[str, int]


@pytest.fixture(scope="module")
def api() -> Iterator[Fixture]:
    engine = APP.state.engine
    upgrade(engine)
    catalog = APP.state.catalog
    found = Fixture()
    with Session(engine) as session:
        created = create_user(
            session,
            email="admin@api.example.com",
            role=Role.admin,
            organisation_slug="api-org",
            password=PASSWORD,
        )
        _row, found.token = create_api_token(session, email=created.user.email)
        scope_to_organisation(session, created.organisation.id or 0)
        campaign = campaign_service.create_campaign(
            session, catalog=catalog, name="API round", battery="candidate-active", language="en"
        )
        people = []
        for number in range(2):
            person = add_person(
                session, full_name=f"Person {number}", email=f"p{number}@example.com", language="en"
            )
            people.append(
                campaign_service.invite(
                    session, campaign=campaign, person=person, secret_key=TEST_SECRET, base_url="x"
                )
            )
        done = people[0].invitation
        sessions.record_consent(session, done, accepted=True, language="en")
        items = [i for s in sessions.sections(catalog, campaign, "en") for i in s["items"]]
        answers = {i["id"]: WORK if i["type"] == "text" else answer_for(i) for i in items}
        sessions.save_answers(session, done, catalog, answers)
        results.complete(session, catalog, done)
        session.commit()
        found.link = people[1].url.rsplit("/", 1)[1]
        found.ids = {"campaign_id": campaign.id or 0, "person_id": people[0].person.id or 0}
    yield found
    engine.dispose()
    _FOLDER.cleanup()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_document_says(case: Any, api: Fixture) -> None:
    if "token" in (case.path_parameters or {}):
        case.path_parameters["token"] = api.link
    for name, real in api.ids.items():
        value = (case.path_parameters or {}).get(name)
        if isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = real  # half the time an object that exists
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {api.token}"}
    case.call_and_validate(checks=CHECKS)
