"""Races against a real server process: nothing lost, nothing duplicated.

(c) one candidate in two tabs saving the same item at the same moment (and a form post of the
page racing an autosave); (d) the same invitation CSV uploaded twice at the same moment;
(e) two candidates completing at the same instant, and one completing twice at once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx2 as httpx
import pytest
from sqlalchemy import text

from app.db import make_engine
from tests.faults.conftest import HR_EMAIL, HR_PASSWORD, LiveApp, at_once, invite, valid_answers

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def query(app: LiveApp, sql: str, **params: object) -> list[tuple[object, ...]]:
    engine = make_engine(app.database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def answer_rows(app: LiveApp, token: str, item: str) -> list[tuple[object, ...]]:
    import hashlib

    return query(
        app,
        "SELECT a.value, a.revision FROM answer a "
        "JOIN assessment_session s ON s.id = a.session_id "
        "JOIN invitation i ON i.id = s.invitation_id "
        "WHERE i.token_hash = :h AND a.item_id = :item",
        h=hashlib.sha256(token.encode()).hexdigest(),
        item=item,
    )


def test_two_tabs_saving_the_same_item_at_once(live_app: LiveApp) -> None:
    (token,) = invite(live_app, 1, prefix="tabs")
    with live_app.client() as tab1, live_app.client() as tab2:
        session = tab1.get(f"/api/v1/sessions/{token}").json()
        item = session["sections"][0]["items"][0]["id"]
        acknowledged: list[int] = []
        for round_ in range(15):
            values = (1 + round_ % 5, 1 + (round_ + 2) % 5)
            results = at_once(
                lambda v=values[0]: tab1.put(
                    f"/api/v1/sessions/{token}/answers", json={"answers": {item: v}}
                ),
                lambda v=values[1]: tab2.put(
                    f"/api/v1/sessions/{token}/answers", json={"answers": {item: v}}
                ),
            )
            for response in results:
                assert isinstance(response, httpx.Response), response
                assert response.status_code == 200, response.text
            acknowledged += list(values)
        stored = tab1.get(f"/api/v1/sessions/{token}").json()["answers"]
    rows = answer_rows(live_app, token, item)
    assert len(rows) == 1, "one row per item, however many tabs save it"
    value, revision = rows[0]
    assert revision == len(acknowledged), "every acknowledged save was applied once"
    assert stored[item] == int(str(value))
    assert stored[item] == values[0] or stored[item] == values[1]  # the last round's


def test_a_form_post_racing_an_autosave_both_succeed(live_app: LiveApp) -> None:
    (token,) = invite(live_app, 1, prefix="form")
    with live_app.client() as page, live_app.client() as autosave:
        items = page.get(f"/api/v1/sessions/{token}").json()["sections"][0]["items"]
        form = page.get(f"/a/{token}/s/1")
        assert form.status_code == 200, form.text
        csrf = CSRF.search(form.text)
        data = {items[1]["id"]: "3"}
        if csrf:
            data["csrf_token"] = csrf.group(1)
        for _ in range(5):
            posted, saved = at_once(
                lambda: page.post(f"/a/{token}/s/1", data=data, follow_redirects=False),
                lambda: autosave.put(
                    f"/api/v1/sessions/{token}/answers", json={"answers": {items[0]["id"]: 2}}
                ),
            )
            assert isinstance(posted, httpx.Response) and posted.status_code < 400, posted
            assert isinstance(saved, httpx.Response) and saved.status_code == 200, saved.text
        answers = page.get(f"/api/v1/sessions/{token}").json()["answers"]
    assert answers[items[0]["id"]] == 2 and answers[items[1]["id"]] == 3


@pytest.fixture
def hr_browsers(live_app: LiveApp) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Two signed-in HR browsers (two tabs or two colleagues)."""
    clients = []
    for _ in range(2):
        client = live_app.client()
        login = client.get("/login")
        match = CSRF.search(login.text)
        assert match
        response = client.post(
            "/login",
            data={"email": HR_EMAIL, "password": HR_PASSWORD, "csrf_token": match.group(1)},
        )
        assert response.status_code in (200, 303), response.text
        clients.append(client)
    yield clients[0], clients[1]
    for client in clients:
        client.close()


def test_the_same_csv_uploaded_twice_at_once(
    live_app: LiveApp, hr_browsers: tuple[httpx.Client, httpx.Client]
) -> None:
    with live_app.api() as api:
        campaign = api.post(
            "/api/v1/campaigns",
            json={
                "name": "CSV race",
                "target_role": "either",
                "battery": "employee",  # opens with the Likert self-report
                "language": "en",
            },
        ).json()
    csv = "full_name,email\n" + "".join(
        f"Racer {i},racer{i}@faults.example.com\n" for i in range(20)
    )
    pages = [b.get(f"/hr/campaigns/{campaign['id']}") for b in hr_browsers]
    tokens = []
    for page in pages:
        match = CSRF.search(page.text)
        assert match, page.text[:500]
        tokens.append(match.group(1))

    def upload(browser: httpx.Client, csrf: str) -> httpx.Response:
        return browser.post(
            f"/hr/campaigns/{campaign['id']}/import",
            data={"csrf_token": csrf},
            files={"file": ("people.csv", csv.encode(), "text/csv")},
        )

    first, second = at_once(
        lambda: upload(hr_browsers[0], tokens[0]), lambda: upload(hr_browsers[1], tokens[1])
    )
    for response in (first, second):
        assert isinstance(response, httpx.Response), response
        assert response.status_code == 200, response.text[:500]
    people = query(
        live_app,
        "SELECT email, count(*) FROM person WHERE email LIKE 'racer%' GROUP BY email",
    )
    assert len(people) == 20 and all(count == 1 for _email, count in people)
    invitations = query(
        live_app,
        "SELECT count(*) FROM invitation WHERE campaign_id = :c",
        c=campaign["id"],
    )
    assert invitations == [(20,)]
    mails = query(
        live_app,
        "SELECT count(*) FROM outbox_message WHERE to_address LIKE 'racer%'",
    )
    assert mails == [(20,)], "one invitation e-mail per person"


def test_two_candidates_completing_at_the_same_instant(live_app: LiveApp) -> None:
    tokens = invite(live_app, 3, prefix="done")
    with live_app.client() as client:
        for token in tokens:
            session = client.get(f"/api/v1/sessions/{token}").json()
            saved = client.put(
                f"/api/v1/sessions/{token}/answers", json={"answers": valid_answers(session)}
            )
            assert saved.status_code == 200, saved.text
        # two people at once, and the third pressing "finish" twice at once
        results = at_once(
            *(
                lambda t=token: client.post(f"/api/v1/sessions/{t}/complete")
                for token in (tokens[0], tokens[1], tokens[2], tokens[2])
            )
        )
        for response in results:
            assert isinstance(response, httpx.Response), response
            assert response.status_code == 200, response.text
            assert response.json()["status"] == "completed"
        stored = [client.get(f"/api/v1/sessions/{t}").json()["status"] for t in tokens]
    assert stored == ["completed"] * 3
    import hashlib

    for token in tokens:
        snapshots = query(
            live_app,
            "SELECT count(*) FROM score_snapshot s JOIN invitation i ON i.id = s.invitation_id "
            "WHERE i.token_hash = :h",
            h=hashlib.sha256(token.encode()).hexdigest(),
        )
        assert snapshots == [(1,)], "one result per completion, never two"
        answers = query(
            live_app,
            "SELECT count(*) FROM answer a JOIN assessment_session s ON s.id = a.session_id "
            "JOIN invitation i ON i.id = s.invitation_id WHERE i.token_hash = :h",
            h=hashlib.sha256(token.encode()).hexdigest(),
        )
        assert answers[0][0] > 0


def test_unknown_links_hold_no_write_lock_while_padded(live_app: LiveApp) -> None:
    """Every answer to a link that does not work takes at least 0.25 s (no timing oracle);
    meanwhile the request must not keep SQLite's write lock, or a few bad links would stop
    every candidate's saves."""
    if not live_app.database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL has no database-wide write lock")
    import sqlite3
    import threading

    stop = threading.Event()

    def guess() -> None:
        with live_app.client() as client:
            while not stop.is_set():
                for path, method in (
                    ("/api/v1/sessions/no-such-link/answers", "PUT"),
                    ("/api/v1/sessions/no-such-link/consent", "POST"),
                    ("/a/no-such-link/consent", "POST"),
                ):
                    client.request(method, path, json={"answers": {"x": 1}, "accepted": True})

    guessers = [threading.Thread(target=guess) for _ in range(3)]
    for thread in guessers:
        thread.start()
    blocked = 0
    try:
        time.sleep(0.3)
        database = live_app.database_url.removeprefix("sqlite:///")
        writer = sqlite3.connect(database, timeout=0.1, isolation_level=None)
        for _ in range(10):
            try:
                writer.execute("BEGIN IMMEDIATE")
                writer.execute("ROLLBACK")
            except sqlite3.OperationalError:
                blocked += 1
            time.sleep(0.05)
        writer.close()
    finally:
        stop.set()
        for thread in guessers:
            thread.join()
    assert blocked == 0, f"{blocked} of 10 writes found the lock held by a bad link"
