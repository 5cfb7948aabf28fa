"""The candidate's pages: links that do not work, consent, sections by form post, finishing."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import scope_to_organisation, utcnow
from app.models import (
    Answer,
    AssessmentSession,
    Consent,
    Invitation,
    Organisation,
    ScoreSnapshot,
)
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services import sessions
from app.services.people import add_person
from app.services.ratelimit import SlidingWindowLimiter
from app.web import deps
from app.web.routes import candidate
from tests.conftest import csrf_from
from tests.factories import answer_for, create_organisation

SECRET = "test-secret-key-that-is-long-enough-0123456789"
BASE = "http://testserver"
GENERIC = (
    "This link does not work. It may have expired, been withdrawn or already been used. "
    "If you think it should work, contact the person who sent it."
)


@pytest.fixture(autouse=True)
def no_padding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests don't wait out the minimum time of failed links (one test measures it)."""
    monkeypatch.setattr(candidate, "INVALID_LINK_MIN_SECONDS", 0.0)


class Invited:
    def __init__(
        self,
        db: Session,
        catalog: Catalog,
        *,
        feedback: bool = False,
        language: str = "en",
        battery: str = "candidate-general",
    ) -> None:
        self.organisation = create_organisation(db)
        scope_to_organisation(db, self.organisation.id or 0)
        self.campaign = campaign_service.create_campaign(
            db,
            catalog=catalog,
            name="Spring hiring",
            battery=battery,
            candidate_feedback=feedback,
        )
        person = add_person(
            db, full_name="Anna Petrova", email="anna@example.com", language=language
        )
        done = campaign_service.invite(
            db, campaign=self.campaign, person=person, secret_key=SECRET, base_url=BASE
        )
        db.commit()
        self.invitation: Invitation = done.invitation
        self.token = done.url.rsplit("/", 1)[1]
        self.payload = sessions.sections(catalog, self.campaign, "en")


@pytest.fixture
def invited(db: Session, catalog: Catalog) -> Invited:
    return Invited(db, catalog)


def fields_for(item: dict[str, Any], strong: bool = True) -> dict[str, Any]:
    """The form fields a person fills in to give `answer_for(item)`."""
    value, item_id = answer_for(item, strong), item["id"]
    if item["type"] == "best_worst":
        return {f"{item_id}:best": value["best"], f"{item_id}:worst": value["worst"]}
    if item["type"] == "forced_choice":
        return {f"{item_id}:most": value["most"], f"{item_id}:least": value["least"]}
    if item["type"] == "rate_each":
        return {f"{item_id}:{option}": str(rating) for option, rating in value.items()}
    if item["type"] == "multiple_choice":
        return {item_id: [value]}
    return {item_id: str(value)}


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def consent(client: TestClient, token: str) -> None:
    page = client.get(f"/a/{token}")
    assert page.status_code == 200, page.text
    response = client.post(
        f"/a/{token}/consent",
        data={"accepted": "1", "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/a/{token}/instructions"


def page_path(token: str, n: int, p: int = 1) -> str:
    return f"/a/{token}/s/{n}" if p == 1 else f"/a/{token}/s/{n}/p/{p}"


def post_section(
    client: TestClient,
    token: str,
    n: int,
    fields: dict[str, Any],
    action: str = "next",
    p: int = 1,
) -> Any:
    page = client.get(page_path(token, n, p))
    return client.post(
        page_path(token, n, p),
        data={**fields, "action": action, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )


def page_fields(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {k: v for item in items for k, v in fields_for(item).items()}


def stored(db: Session) -> dict[str, Any]:
    return {a.item_id: a.value for a in db.exec(select(Answer))}


# ----------------------------------------------------------------------------- links that fail


def test_every_link_that_does_not_work_gets_the_same_page(
    client: TestClient, db: Session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deps, "INVALID_LINK_LIMIT", 1000)
    links = {"unknown": "x" * 43, "empty-looking": "-", "too long": "a" * 500}
    revoked, expired, declined = (Invited(db, catalog) for _ in range(3))
    scope_to_organisation(db, revoked.organisation.id or 0)
    campaign_service.revoke(db, invitation=revoked.invitation)
    db.commit()
    scope_to_organisation(db, declined.organisation.id or 0)
    sessions.record_consent(db, declined.invitation, accepted=False, language="en")
    db.commit()
    scope_to_organisation(db, expired.organisation.id or 0)
    expired.invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.add(expired.invitation)
    db.commit()
    links |= {"revoked": revoked.token, "expired": expired.token, "declined": declined.token}
    bodies = set()
    for reason, token in links.items():
        for path in (f"/a/{token}", f"/a/{token}/s/1", f"/a/{token}/finish", f"/a/{token}/done"):
            response = client.get(path)
            assert response.status_code == 404, (reason, path)
            page = soup(response.text)
            assert GENERIC in " ".join(page.get_text().split()), reason
            assert revoked.organisation.name not in response.text
            assert response.headers["cache-control"] == "no-store"
            bodies.add(response.text)
    assert len(bodies) == 1  # the same page whatever the reason
    # a form post on a dead link gets it too
    page = client.get("/login")
    response = client.post(
        f"/a/{revoked.token}/consent", data={"accepted": "1", "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 404 and response.text in bodies


def test_a_finished_person_reopening_the_link_is_thanked_not_turned_away(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    finished = Invited(db, catalog, language="ru")
    finished.invitation.completed_at = utcnow()
    db.add(finished.invitation)
    db.commit()
    for path in ("", "/s/1", "/s/2/p/2", "/finish", "/done", "/instructions"):
        response = client.get(f"/a/{finished.token}{path}")
        assert response.status_code == 200, path
        page = soup(response.text)
        assert page.select_one("#finished") is not None, path
        assert "Вы уже завершили" in page.get_text()  # in the person's language
        assert finished.organisation.name in page.get_text()
        assert GENERIC not in " ".join(page.get_text().split())
        assert response.headers["cache-control"] == "no-store"
    english = soup(client.get(f"/a/{finished.token}?lang=en").text).get_text()
    assert "You have already finished. Thank you!" in english
    # an unknown token still gets the generic page, byte for byte the same as before
    unknown = client.get("/a/" + "z" * 43)
    assert unknown.status_code == 404 and GENERIC in " ".join(soup(unknown.text).get_text().split())


def test_failed_links_take_the_same_minimum_time(
    client: TestClient, db: Session, invited: Invited, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(candidate, "INVALID_LINK_MIN_SECONDS", 0.2)
    campaign_service.revoke(db, invitation=invited.invitation)
    db.commit()
    for token in ("y" * 43, invited.token):
        started = time.monotonic()
        assert client.get(f"/a/{token}").status_code == 404
        assert time.monotonic() - started >= 0.2


def test_guessing_links_is_rate_limited(client: TestClient, invited: Invited) -> None:
    for attempt in range(deps.INVALID_LINK_LIMIT):
        assert client.get(f"/a/guess-{attempt}").status_code == 404
    refused = client.get("/a/guess-more")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= deps.INVALID_LINK_WINDOW_SECONDS
    assert "Too many attempts" in refused.text
    # while limited, a working link is not even looked up (no oracle for the guesser)
    assert client.get(f"/a/{invited.token}").status_code == 429


def test_the_limiter_slides_its_window() -> None:
    now = [1000.0]
    limiter = SlidingWindowLimiter(3, 60, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.retry_after("1.2.3.4") == 0
        limiter.hit("1.2.3.4")
        now[0] += 10
    assert limiter.retry_after("1.2.3.4") == 30  # the first hit leaves the window at 1060
    assert limiter.retry_after("5.6.7.8") == 0  # per address
    now[0] = 1061
    assert limiter.retry_after("1.2.3.4") == 0
    limiter.hit("1.2.3.4")
    assert limiter.retry_after("1.2.3.4") == 9  # the hit at 1010 leaves at 1070


def test_the_limiter_keeps_its_memory_bounded() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(1, 60, clock=lambda: now[0], max_keys=10)
    for n in range(50):
        limiter.hit(f"10.0.0.{n}")
        now[0] += 1
    assert len(limiter._events) <= 10
    assert limiter.retry_after("10.0.0.49") > 0


# ----------------------------------------------------------------------------- consent


def test_the_consent_page_says_what_is_stored_who_sees_it_and_for_how_long(
    client: TestClient, db: Session, invited: Invited
) -> None:
    organisation = db.get(Organisation, invited.organisation.id)
    assert organisation is not None
    organisation.retention_days = 180
    db.add(organisation)
    db.commit()
    response = client.get(f"/a/{invited.token}?lang=en")
    assert response.status_code == 200
    text = " ".join(soup(response.text).get_text().split())
    assert "Your answers, how long you took to answer, and the scores" in text
    assert f"The HR staff and sales managers of {organisation.name}" in text
    assert "For 180 days" in text and "anonymised" in text
    assert "copy of your data or for its erasure" in text
    assert f"version {sessions.CONSENT_VERSION}" in text
    db.refresh(invited.invitation)
    assert invited.invitation.opened_at is not None
    assert db.exec(select(Consent)).all() == []  # nothing before the person agrees


def test_accepting_consent_leads_to_the_instructions(
    client: TestClient, db: Session, invited: Invited
) -> None:
    consent(client, invited.token)
    (given,) = db.exec(select(Consent)).all()
    assert given.accepted and given.text_version == sessions.CONSENT_VERSION
    page = client.get(f"/a/{invited.token}/instructions")
    links = [a["href"] for a in soup(page.text).select("ol.q-parts a")]
    assert links == [f"/a/{invited.token}/s/{n}" for n in range(1, len(invited.payload) + 1)]
    # the link now goes past consent
    again = client.get(f"/a/{invited.token}", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].endswith("/instructions")


def test_declining_stores_only_the_refusal(
    client: TestClient, db: Session, invited: Invited
) -> None:
    page = client.get(f"/a/{invited.token}")
    response = client.post(
        f"/a/{invited.token}/consent",
        data={"accepted": "0", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 200
    assert "Only your refusal was recorded" in response.text
    assert [c.accepted for c in db.exec(select(Consent))] == [False]
    assert db.exec(select(AssessmentSession)).all() == []
    assert db.exec(select(Answer)).all() == []
    assert client.get(f"/a/{invited.token}").status_code == 404  # the link has ended
    assert TestClient(client.app).get(f"/a/{invited.token}/declined").status_code == 404


def test_sections_need_consent_first(client: TestClient, invited: Invited) -> None:
    response = client.get(f"/a/{invited.token}/s/1", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/a/{invited.token}"


# ----------------------------------------------------------------------------- answering


def test_a_page_saved_by_form_post_is_there_on_another_device(
    client: TestClient, db: Session, invited: Invited
) -> None:
    consent(client, invited.token)
    pages = candidate.paginate(invited.payload[0]["items"])
    first = pages[0]
    response = post_section(client, invited.token, 1, page_fields(first))
    assert response.status_code == 303
    assert response.headers["location"] == f"/a/{invited.token}/s/1/p/2"
    assert stored(db) == {item["id"]: answer_for(item) for item in first}

    phone = TestClient(client.app)  # no cookies: another device
    resumed = phone.get(f"/a/{invited.token}", follow_redirects=False)
    assert resumed.status_code == 303
    assert resumed.headers["location"] == f"/a/{invited.token}/s/1/p/2"  # the first open page
    page = soup(phone.get(f"/a/{invited.token}/s/1").text)
    for item in first:  # the forced-choice blocks: most and least like me
        for side in ("most", "least"):
            (radio,) = page.select(f'input[name="{item["id"]}:{side}"][checked]')
            assert radio["value"] == answer_for(item)[side]
    progress = page.select_one("progress[data-progress]")
    assert progress is not None and progress["value"] == str(len(first))


def test_long_sections_are_split_into_short_pages_with_progress(
    client: TestClient, invited: Invited
) -> None:
    consent(client, invited.token)
    blocks = invited.payload[0]["items"]
    pages = candidate.paginate(blocks)
    assert len(blocks) == 28 and len(pages) == 7  # 24 scored blocks and 4 attention checks
    assert [item for page in pages for item in page] == blocks  # all of them, in order
    assert max(len(page) for page in pages) <= candidate.PAGE_SIZES["forced_choice"]
    assert max(len(page) for page in pages) - min(len(page) for page in pages) <= 1
    second = soup(client.get(f"/a/{invited.token}/s/1/p/2").text)
    shown = [f["data-item"] for f in second.select("fieldset.q-item")]
    assert shown == [item["id"] for item in pages[1]]
    numbers = [n.get_text(strip=True) for n in second.select(".q-num")]
    assert numbers[0] == f"{len(pages[0]) + 1}."  # questions keep their number in the part
    assert "page 2 of 7" in second.select_one(".q-step").get_text()
    instructions = soup(client.get(f"/a/{invited.token}/instructions").text).get_text()
    assert "7 pages" in instructions
    for n, section in enumerate(invited.payload, start=1):
        for p, items in enumerate(candidate.paginate(section["items"]), start=1):
            assert len(items) <= min(candidate.PAGE_SIZES[i["type"]] for i in items), (n, p)
    # past the last page of a section, the address leads back to where to go on
    beyond = client.get(f"/a/{invited.token}/s/1/p/8", follow_redirects=False)
    assert beyond.status_code == 303
    assert beyond.headers["location"] == f"/a/{invited.token}/instructions"  # nothing answered


def test_without_javascript_the_page_says_when_answers_are_saved(
    client: TestClient, invited: Invited
) -> None:
    consent(client, invited.token)
    note = soup(client.get(f"/a/{invited.token}/s/1").text).select_one("[data-saved-note]")
    assert note is not None
    assert "saved when you press" in note.get_text()


def test_every_kind_of_item_is_shown_as_form_controls(client: TestClient, invited: Invited) -> None:
    consent(client, invited.token)
    blocks = soup(client.get(f"/a/{invited.token}/s/1").text)
    block = invited.payload[0]["items"][0]
    assert block["text"] in blocks.select_one(f"#q-{block['id']} legend").get_text()
    rows = blocks.select(f"#q-{block['id']} .q-bw-row")
    assert [r.select_one(".q-bw-text").get_text(strip=True) for r in rows] == [
        o["label"] for o in block["options"]
    ]
    for row in rows:  # each statement has its own two visible choices
        labels = [label.get_text(strip=True) for label in row.select("label.q-bw-pick")]
        assert labels == ["Most like me", "Least like me"]
    sjt = soup(client.get(f"/a/{invited.token}/s/2").text)
    scenario = invited.payload[1]["items"][0]
    assert len(sjt.select(f'input[name="{scenario["id"]}:best"]')) == len(scenario["options"])
    assert len(sjt.select(f'input[name="{scenario["id"]}:worst"]')) == len(scenario["options"])
    rows = sjt.select(f"#q-{scenario['id']} .q-bw-row")
    assert len(rows) == len(scenario["options"])
    for row in rows:  # every option carries its own visible labels, not only the first
        labels = [label.get_text(strip=True) for label in row.select("label.q-bw-pick")]
        assert labels == ["Best", "Worst"]
    assert sjt.select_one('script[src$="js/questionnaire.js"]') is not None
    assert sjt.select_one("form.questionnaire")["data-api"] == (
        f"/api/v1/sessions/{invited.token}/answers"
    )


def test_an_invalid_answer_is_marked_and_every_valid_one_is_saved(
    client: TestClient, db: Session, invited: Invited
) -> None:
    consent(client, invited.token)
    first, second = invited.payload[0]["items"][:2]
    fields = fields_for(first) | {
        f"{second['id']}:most": "not_a_statement",
        f"{second['id']}:least": second["options"][0]["id"],
    }
    response = post_section(client, invited.token, 1, fields)
    assert response.status_code == 422
    page = soup(response.text)
    message = page.select_one("[role=alert]").get_text(" ", strip=True)
    assert "other answers on this page are saved" in message
    marked = page.select_one(f"#q-{second['id']}.q-invalid")
    assert marked is not None
    assert "not one of the options" in marked.select_one(".q-flag").get_text()
    chosen = answer_for(first)["most"]
    assert page.select_one(f'input[name="{first["id"]}:most"][value="{chosen}"][checked]')
    assert stored(db) == {first["id"]: answer_for(first)}


def test_one_bad_best_worst_pick_without_javascript_keeps_the_rest_in_russian(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    invited = Invited(db, catalog, language="ru")
    consent(client, invited.token)
    scenarios = candidate.paginate(invited.payload[1]["items"])[0]
    bad, *good = scenarios
    fields = page_fields(good)
    option = bad["options"][0]["id"]
    fields |= {f"{bad['id']}:best": option, f"{bad['id']}:worst": option}
    response = post_section(client, invited.token, 2, fields)
    assert response.status_code == 422
    page = soup(response.text)
    assert (
        "Остальные ответы на этой странице сохранены" in page.select_one("[role=alert]").get_text()
    )
    flag = page.select_one(f"#q-{bad['id']} .q-flag").get_text()
    assert "один и тот же вариант" in flag  # next to the question, in the page's language
    assert stored(db) == {item["id"]: answer_for(item) for item in good}
    # the two picks stay on the form to be corrected
    assert page.select_one(f'input[name="{bad["id"]}:best"][value="{option}"][checked]')


def test_a_half_answered_scenario_is_pointed_out(
    client: TestClient, db: Session, invited: Invited
) -> None:
    consent(client, invited.token)
    scenario, other = invited.payload[1]["items"][:2]
    fields = {f"{scenario['id']}:best": scenario["options"][0]["id"], **fields_for(other)}
    response = post_section(client, invited.token, 2, fields)
    assert response.status_code == 200
    page = soup(response.text)
    assert page.select_one(f"#q-{scenario['id']}.q-missing") is not None
    assert page.select_one('a.q-continue[href$="/s/2/p/2"]') is not None  # continue without it
    assert stored(db) == {other["id"]: answer_for(other)}


def test_questions_skipped_on_a_page_are_pointed_out_when_leaving_it(
    client: TestClient, db: Session, invited: Invited
) -> None:
    consent(client, invited.token)
    items = candidate.paginate(invited.payload[0]["items"])[0]
    response = post_section(client, invited.token, 1, page_fields(items[:-1]))
    assert response.status_code == 200
    page = soup(response.text)
    assert [f["id"] for f in page.select("fieldset.q-missing")] == [f"q-{items[-1]['id']}"]
    jump = page.select_one(".q-jump a")
    assert jump is not None and jump["href"] == f"#q-{items[-1]['id']}"
    assert page.select_one('a.q-continue[href$="/s/1/p/2"]') is not None
    assert len(stored(db)) == len(items) - 1  # what was given is saved
    # going back does not nag
    back = post_section(client, invited.token, 1, {}, action="back")
    assert back.status_code == 303 and back.headers["location"].endswith("/instructions")


def test_finishing_is_refused_while_items_are_unanswered(
    client: TestClient, db: Session, invited: Invited
) -> None:
    consent(client, invited.token)
    items = candidate.paginate(invited.payload[0]["items"])[0]
    response = post_section(client, invited.token, 1, page_fields(items[:-1]))
    finish = client.get(f"/a/{invited.token}/finish")
    assert "Finish and send my answers" not in finish.text
    links = [a["href"] for a in soup(finish.text).select(".q-summary a")]
    assert links[0] == f"/a/{invited.token}/s/1#q-{items[-1]['id']}"
    refused = client.post(
        f"/a/{invited.token}/complete",
        data={"csrf_token": csrf_from(response.text)},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    assert refused.headers["location"] == f"/a/{invited.token}/finish?incomplete=1"
    assert "You cannot finish yet" in client.get(refused.headers["location"]).text
    assert db.exec(select(ScoreSnapshot)).all() == []
    db.refresh(invited.invitation)
    assert invited.invitation.completed_at is None


def test_the_whole_battery_by_form_posts_ends_with_thanks_and_a_result(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    invited = Invited(db, catalog, feedback=True, language="ru")
    consent(client, invited.token)
    for n, section in enumerate(invited.payload, start=1):
        if section["time_limit_s"]:
            page = client.get(f"/a/{invited.token}/s/{n}")
            assert soup(page.text).select("form[action$='/start']") and not soup(page.text).select(
                "form.questionnaire"
            )
            started = client.post(
                f"/a/{invited.token}/s/{n}/start",
                data={"csrf_token": csrf_from(page.text)},
                follow_redirects=False,
            )
            assert started.status_code == 303
        pages = candidate.paginate(section["items"])
        for p, items in enumerate(pages, start=1):
            last = n == len(invited.payload) and p == len(pages)
            action = "finish" if last else "next"
            response = post_section(
                client, invited.token, n, page_fields(items), action=action, p=p
            )
            assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/a/{invited.token}/finish"
    finish = client.get(response.headers["location"])
    assert soup(finish.text).select("form[action$='/complete'] button[type=submit]")
    done = client.post(
        f"/a/{invited.token}/complete",
        data={"csrf_token": csrf_from(finish.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/a/{invited.token}/done"
    thanks = client.get(done.headers["location"])
    assert thanks.status_code == 200
    (snapshot,) = db.exec(select(ScoreSnapshot)).all()
    assert snapshot.invitation_id == invited.invitation.id
    assert snapshot.scores["summary"]["ru"] not in thanks.text  # no numbers, no decision
    assert soup(thanks.text).select("#feedback #strengths li")
    english = client.get(done.headers["location"] + "?lang=en")
    text = " ".join(soup(english.text).get_text().split())
    assert snapshot.scores["summary"]["en"] not in text
    assert "it is not a verdict" in text
    # the link has done its work: opening it again thanks the person
    again = client.get(f"/a/{invited.token}")
    assert again.status_code == 200 and soup(again.text).select_one("#finished") is not None


def test_a_timed_section_past_its_deadline_refuses_answers(
    client: TestClient, db: Session, invited: Invited
) -> None:
    consent(client, invited.token)
    n = next(i for i, s in enumerate(invited.payload, start=1) if s["time_limit_s"])
    section = invited.payload[n - 1]
    page = client.get(f"/a/{invited.token}/s/{n}")
    client.post(f"/a/{invited.token}/s/{n}/start", data={"csrf_token": csrf_from(page.text)})
    timed = db.exec(
        select(AssessmentSession).where(AssessmentSession.instrument_id == section["id"])
    ).one()
    timed.deadline_at = utcnow() - timedelta(minutes=5)
    db.add(timed)
    db.commit()
    item = section["items"][0]
    response = post_section(client, invited.token, n, fields_for(item))
    assert response.status_code == 409
    assert "Time is up" in soup(response.text).select_one("[role=alert]").get_text()
    assert stored(db) == {}
    page = soup(client.get(f"/a/{invited.token}/s/{n}").text)
    assert all(f.has_attr("disabled") for f in page.select("fieldset.q-item"))


def test_the_invitation_language_is_the_default_and_a_link_switches_it(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    invited = Invited(db, catalog, language="ru")
    assert '<html lang="ru">' in client.get(f"/a/{invited.token}").text  # Anna's language
    assert '<html lang="en">' in client.get(f"/a/{invited.token}?lang=en").text
    assert '<html lang="en">' in client.get(f"/a/{invited.token}").text  # remembered
    other_device = TestClient(client.app)
    assert '<html lang="ru">' in other_device.get(f"/a/{invited.token}").text
