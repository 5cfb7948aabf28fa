"""Finding (medium): a lone UTF-16 surrogate in a work-sample answer was saved, after which
the candidate's session and HR's review page answered 500 for good; the same character in any
API string gave 500; NUL in a name gave 500 on PostgreSQL.

Any string input with a lone surrogate or NUL is refused with 422 naming the field (JSON:
the validation-error list; forms: a page in the reader's language), never stored; data stored
before this fix is shown with U+FFFD instead of breaking the page.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import scope_to_organisation
from app.models import Answer, AssessmentSession, Campaign, Person, Role
from app.scoring.loader import Catalog
from app.services import sessions
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, create_user
from tests.security.conftest import World

LONE = "\ud800"
BAD_JSON = [
    pytest.param('"Dear \\ud800 Marina"', id="escaped-lone-surrogate"),
    pytest.param('"Dear \\udfff"', id="escaped-low-surrogate"),
    pytest.param('"Dear \\u0000 Marina"', id="escaped-nul"),
]


def _consented(db: Session, world: World) -> Any:
    someone = world.invite(db, "Anna Petrova", "anna@example.com")
    sessions.record_consent(db, someone.invitation, accepted=True, language="en")
    db.commit()
    db.info.clear()
    return someone


def _locations(response: Any) -> list[list[Any]]:
    return [entry["loc"] for entry in response.json()["detail"]]


@pytest.mark.parametrize("text", BAD_JSON)
def test_a_bad_character_in_an_answer_is_refused_naming_it_and_not_stored(
    client: TestClient, db: Session, world: World, text: str
) -> None:
    someone = _consented(db, world)
    body = '{"answers": {"cold_email": ' + text + "}}"
    response = client.put(
        f"/api/v1/sessions/{someone.token}/answers",
        content=body.encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert ["body", "answers", "cold_email"] in _locations(response)
    assert "cold_email" in response.text
    assert db.exec(select(Answer)).all() == []
    assert client.get(f"/api/v1/sessions/{someone.token}").status_code == 200


def test_raw_utf8_encoded_surrogates_are_refused_too(
    client: TestClient, db: Session, world: World
) -> None:
    someone = _consented(db, world)
    body = b'{"answers": {"cold_email": "Dear \xed\xa0\x80"}}'
    response = client.put(
        f"/api/v1/sessions/{someone.token}/answers",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert response.status_code in (400, 422), response.text
    assert db.exec(select(Answer)).all() == []


def test_a_paired_surrogate_an_emoji_is_a_character_like_any_other(
    client: TestClient, db: Session, world: World
) -> None:
    someone = _consented(db, world)
    text = "Hello 😀 " + "word " * 60
    body = json.dumps({"answers": {"cold_email": text}})  # ensure_ascii: \ud83d\ude00
    assert "\\ud83d" in body
    response = client.put(
        f"/api/v1/sessions/{someone.token}/answers",
        content=body.encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert db.exec(select(Answer.value)).one() == text


@pytest.mark.parametrize("text", BAD_JSON)
def test_any_api_string_with_a_bad_character_is_refused_naming_the_field(
    client: TestClient, db: Session, text: str
) -> None:
    user = create_user(db, role=Role.hr)
    from app.services.accounts import create_api_token

    _row, token = create_api_token(db, email=user.email)
    db.commit()
    body = (
        '{"name": '
        + text
        + ', "target_role": "active", "battery": "candidate-general", "language": "en"}'
    )
    response = client.post(
        "/api/v1/campaigns",
        content=body.encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, response.text
    assert ["body", "name"] in _locations(response)
    assert db.exec(select(Campaign)).all() == []


def test_a_nul_in_the_query_string_is_refused_naming_the_parameter(
    client: TestClient, db: Session, world: World
) -> None:
    someone = _consented(db, world)
    response = client.get(f"/api/v1/sessions/{someone.token}?lang=en%00")
    assert response.status_code == 422
    assert ["query", "lang"] in _locations(response)


@pytest.mark.parametrize(("lang", "words"), [("en", "not allowed"), ("ru", "недопустим")])
def test_a_nul_in_a_form_field_gets_a_page_in_the_readers_language(
    client: TestClient, db: Session, world: World, lang: str, words: str
) -> None:
    hr = create_user(db, organisation=world.organisation, role=Role.hr)
    sign_in(client, hr.email, PASSWORD)
    page = client.get(f"/hr/campaigns/{world.campaign.id}?lang={lang}")
    response = client.post(
        f"/hr/campaigns/{world.campaign.id}/people",
        data={
            "full_name": "Anna\x00 Petrova",
            "email": "anna@example.com",
            "language": "en",
            "kind": "candidate",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 422
    assert "full_name" in response.text and words in response.text
    assert db.exec(select(Person)).all() == []


def test_a_nul_in_a_csv_cell_is_a_row_error_not_a_500(
    client: TestClient, db: Session, world: World
) -> None:
    hr = create_user(db, organisation=world.organisation, role=Role.hr)
    sign_in(client, hr.email, PASSWORD)
    page = client.get(f"/hr/campaigns/{world.campaign.id}")
    content = "full_name,email\nAnna\x00 Petrova,anna@example.com\nBoris Ivanov,boris@example.com\n"
    response = client.post(
        f"/hr/campaigns/{world.campaign.id}/import",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("people.csv", content.encode(), "text/csv")},
    )
    assert response.status_code in (200, 422), response.text
    assert "2" in response.text and "full_name" in response.text
    assert "Anna" not in [p.full_name[:4] for p in db.exec(select(Person)).all()]


def test_answers_stored_before_this_fix_do_not_break_the_pages(
    client: TestClient, db: Session, world: World, catalog: Catalog
) -> None:
    someone = _consented(db, world)
    scope_to_organisation(db, world.organisation.id or 0)
    sessions.save_answers(db, someone.invitation, catalog, {"cold_email": "placeholder " * 60})
    db.commit()
    answer = db.exec(select(Answer)).one()
    answer.value = "Dear " + LONE + " Marina " + "word " * 60  # as the old code stored it
    db.add(answer)
    db.commit()
    db.info.clear()

    response = client.get(f"/api/v1/sessions/{someone.token}")
    assert response.status_code == 200
    assert "\ufffd" in response.json()["answers"]["cold_email"]
    assert client.get(f"/a/{someone.token}/s/3").status_code == 200
    work = db.exec(
        select(AssessmentSession).where(AssessmentSession.instrument_id == "work_sample_cold_email")
    ).one()
    hr = create_user(db, organisation=world.organisation, role=Role.hr)
    sign_in(client, hr.email, PASSWORD)
    assert client.get(f"/reviews/work/{work.id}").status_code in (200, 404)
