"""The forced-choice questionnaire on the candidate's pages and through the answers API
(issue 13): most/least like me without JavaScript, the same statement twice refused with a
clear message, a block with one pick stored as partial and asked again."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.db import scope_to_organisation
from app.models import Role
from app.scoring.loader import Catalog
from app.services import sessions
from app.services.report import person_report
from tests.conftest import sign_in
from tests.factories import PASSWORD, create_organisation, create_user
from tests.web.test_candidate_pages import (
    Invited,
    consent,
    fields_for,
    post_section,
    soup,
    stored,
)
from tests.web.test_reviews import complete_battery


@pytest.fixture
def invited(db: Session, catalog: Catalog) -> Invited:
    return Invited(db, catalog)


def block_of(invited: Invited, k: int = 0) -> dict[str, Any]:
    section = invited.payload[0]
    assert section["id"] == "sales_forced_choice"
    return section["items"][k]


def test_picks_posted_without_javascript_are_stored_as_most_and_least(
    client: TestClient, db: Session, invited: Invited
) -> None:
    consent(client, invited.token)
    block = block_of(invited)
    most, _, least = (o["id"] for o in block["options"])
    response = post_section(
        client, invited.token, 1, {f"{block['id']}:most": most, f"{block['id']}:least": least}
    )
    assert response.status_code == 200  # the rest of the page is still open: pointed out
    assert stored(db) == {block["id"]: {"most": most, "least": least}}


def test_the_same_statement_as_most_and_least_is_refused_with_a_clear_message(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    invited = Invited(db, catalog, language="ru")
    consent(client, invited.token)
    bad, good = block_of(invited, 0), block_of(invited, 1)
    same = bad["options"][1]["id"]
    fields = fields_for(good) | {f"{bad['id']}:most": same, f"{bad['id']}:least": same}
    response = post_section(client, invited.token, 1, fields)
    assert response.status_code == 422
    page = soup(response.text)
    flag = page.select_one(f"#q-{bad['id']}.q-invalid .q-flag").get_text()
    assert "одно и то же утверждение" in flag  # in the page's language
    assert bad["id"] not in stored(db) and good["id"] in stored(db)


def test_one_pick_alone_is_stored_as_partial_and_the_block_stays_open(
    client: TestClient, db: Session, catalog: Catalog, invited: Invited
) -> None:
    consent(client, invited.token)
    block, other = block_of(invited, 0), block_of(invited, 1)
    most = block["options"][0]["id"]
    fields = {f"{block['id']}:most": most, **fields_for(other)}
    response = post_section(client, invited.token, 1, fields)
    assert response.status_code == 200
    page = soup(response.text)
    assert page.select_one(f"#q-{block['id']}.q-missing") is not None
    assert "only partly answered" in page.get_text(" ", strip=True)
    assert stored(db)[block["id"]] == {"most": most}  # kept as given, nothing guessed
    open_items = sessions.unanswered(db, invited.invitation, catalog)
    assert block["id"] in open_items and other["id"] not in open_items
    # the page shows the pick again, and progress does not count the partial block
    again = soup(client.get(f"/a/{invited.token}/s/1").text)
    assert again.select_one(f'input[name="{block["id"]}:most"][value="{most}"][checked]')
    assert again.select_one("progress[data-progress]")["value"] == "1"


def test_the_answers_api_takes_most_and_least_and_refuses_the_same_twice(
    client: TestClient, db: Session, invited: Invited
) -> None:
    consent(client, invited.token)
    url = f"/api/v1/sessions/{invited.token}/answers"
    block = block_of(invited)
    a, b, _ = (o["id"] for o in block["options"])
    saved = client.put(url, json={"answers": {block["id"]: {"most": a, "least": b}}})
    assert saved.status_code == 200, saved.text
    assert stored(db)[block["id"]] == {"most": a, "least": b}
    refused = client.put(url, json={"answers": {block["id"]: {"most": a, "least": a}}})
    assert refused.status_code == 422
    assert refused.json()["item"] == block["id"]
    assert "both most and least" in refused.json()["detail"]
    assert stored(db)[block["id"]] == {"most": a, "least": b}  # unchanged
    partial = client.put(url, json={"answers": {block["id"]: {"least": b}}})
    assert partial.status_code == 200
    assert stored(db)[block["id"]] == {"least": b}
    unknown = client.put(url, json={"answers": {block["id"]: {"most": "zz", "least": b}}})
    assert unknown.status_code == 422 and "unknown statement" in unknown.json()["detail"]


def test_the_report_says_the_forced_choice_scores_rest_on_design_parameters(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation = create_organisation(db)
    done = complete_battery(db, catalog, organisation, battery="candidate-general")
    scope_to_organisation(db, organisation.id or 0)
    report = person_report(db, catalog, done.invitation, "en")
    assert report["design_parameters"] == ["What is more like me: sales questionnaire"]
    methods = [m for c in report["competencies"] for m in c["methods"]]
    assert {m["parameters"] for m in methods if m["type"] == "forced_choice"} == {"design"}
    assert "failed_attention" not in (done.snapshot.flags or [])  # the checks were followed
    head = create_user(db, organisation=organisation, role=Role.head_of_sales)
    db.commit()
    sign_in(client, head.email, PASSWORD)
    page = soup(client.get(f"/people/{done.person.id}/report").text)
    note = page.select_one("#design-parameters")
    assert note is not None and "design parameters" in note.get_text()
