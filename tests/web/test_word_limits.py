"""Work-sample word limits (`min_words`, `max_words` of the task): the page says what is
missing before a section can be finished, with or without JavaScript, and the API refuses to
complete (422 naming the item) while a written answer is outside them."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import ScoreSnapshot
from app.scoring.definitions import WorkSample
from app.scoring.loader import Catalog
from app.services import sessions
from app.web.routes import candidate
from tests.conftest import csrf_from
from tests.factories import answer_for
from tests.web.test_api_v1 import ANNA, Org, _org, invite, items_of, new_campaign, token_of
from tests.web.test_candidate_pages import Invited, consent, page_fields, post_section

TASK = "inbound_reply"  # work_sample_inbound_reply: 80 to 250 words


def words(n: int) -> str:
    return " ".join(f"слово{i}" for i in range(n))


@pytest.fixture
def limits(catalog: Catalog) -> tuple[int, int]:
    instrument = catalog.instruments["work_sample_inbound_reply"].definition
    assert isinstance(instrument, WorkSample)
    (task,) = [t for t in instrument.items if t.id == TASK]
    return task.min_words, task.max_words


def test_word_problem_names_what_is_missing_or_too_much(catalog: Catalog) -> None:
    instrument = catalog.instruments["work_sample_inbound_reply"].definition
    assert isinstance(instrument, WorkSample)
    task = instrument.items[0]
    short = sessions.word_problem(task, words(task.min_words - 5))
    assert short is not None and "5 more" in short and str(task.min_words) in short
    long = sessions.word_problem(task, words(task.max_words + 3))
    assert long is not None and "3 fewer" in long and str(task.max_words) in long
    assert sessions.word_problem(task, words(task.min_words)) is None
    assert sessions.word_problem(task, words(task.max_words)) is None


def _passive(client: TestClient, db: Session) -> tuple[Org, str, list[dict[str, Any]]]:
    org = _org(db)
    campaign = new_campaign(client, org.hr, battery="candidate-passive")
    [invited] = invite(client, org.hr, campaign["id"], {**ANNA, "language": "en"})
    token = token_of(invited["url"])
    assert client.post(f"/api/v1/sessions/{token}/consent", json={"accepted": True}).is_success
    return org, token, items_of(client.get(f"/api/v1/sessions/{token}").json())


def test_the_api_keeps_a_short_draft_but_refuses_to_complete_naming_the_item(
    client: TestClient, db: Session, limits: tuple[int, int]
) -> None:
    low, high = limits
    _, token, items = _passive(client, db)
    task = next(i for i in items if i["id"] == TASK)
    assert (task["min_words"], task["max_words"]) == (low, high)
    answers = {i["id"]: answer_for(i) for i in items}
    answers[TASK] = words(low - 10)
    saved = client.put(f"/api/v1/sessions/{token}/answers", json={"answers": answers})
    assert saved.status_code == 200  # a draft is kept, so nothing written is lost
    refused = client.post(f"/api/v1/sessions/{token}/complete?lang=en")
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert TASK in str(detail) and "10 more" in str(detail)
    too_long = client.put(
        f"/api/v1/sessions/{token}/answers", json={"answers": {TASK: words(high + 1)}}
    )
    assert too_long.status_code == 200
    refused = client.post(f"/api/v1/sessions/{token}/complete?lang=en")
    assert refused.status_code == 422 and "1 fewer" in str(refused.json()["detail"])
    assert db.exec(select(ScoreSnapshot)).all() == []
    fixed = client.put(f"/api/v1/sessions/{token}/answers", json={"answers": {TASK: words(low)}})
    assert fixed.status_code == 200
    done = client.post(f"/api/v1/sessions/{token}/complete")
    assert done.status_code == 200 and done.json() == {"status": "completed"}


def test_without_javascript_the_page_explains_what_is_missing_before_finishing(
    client: TestClient, db: Session, catalog: Catalog, limits: tuple[int, int]
) -> None:
    low, _high = limits
    invited = Invited(db, catalog, battery="candidate-passive")
    consent(client, invited.token)
    last = len(invited.payload)
    for n, section in enumerate(invited.payload, start=1):
        for p, items in enumerate(candidate.paginate(section["items"]), start=1):
            fields = page_fields(items)
            if TASK in fields:
                fields[TASK] = words(low - 7)
                response = post_section(client, invited.token, n, fields, action="finish", p=p)
                assert n == last and response.status_code == 200
                page = BeautifulSoup(response.text, "html.parser")
                note = page.select_one(f"#q-{TASK} [data-word-limit]")
                assert note is not None and "7 more" in note.get_text()
                assert page.select_one(".q-continue") is not None
            else:
                post_section(client, invited.token, n, fields, p=p)
    finish = client.get(f"/a/{invited.token}/finish")
    assert "Finish and send my answers" not in finish.text
    assert "7 more" in finish.text
    section_page = client.get(f"/a/{invited.token}/s/{last}")
    refused = client.post(
        f"/a/{invited.token}/complete",
        data={"csrf_token": csrf_from(section_page.text)},
        follow_redirects=False,
    )
    assert refused.headers["location"].endswith("/finish?incomplete=1")
    assert db.exec(select(ScoreSnapshot)).all() == []
    # the stored draft is there to continue from, and the live counter's strings are sent
    page = client.get(f"/a/{invited.token}/s/{last}")
    area = BeautifulSoup(page.text, "html.parser").select_one(f"textarea[name={TASK}]")
    assert area is not None and area.get_text().startswith("слово0")
    assert area["data-min-words"] == str(low)
    assert "more words needed" in page.text
