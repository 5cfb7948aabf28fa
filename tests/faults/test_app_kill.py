"""The app process killed with SIGKILL while candidates save answers: every answer it
acknowledged is there after a restart (SQLite: WAL, synchronous=FULL; PostgreSQL: its commit)."""

from __future__ import annotations

import hashlib
import signal
import threading
import time
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import text

from app.db import make_engine
from tests.conftest import DatabaseFactory
from tests.faults.conftest import invite, prepare_database, start_app

CANDIDATES = 8


def test_acknowledged_answers_survive_a_killed_server(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    database_url = databases.new_url()
    token = prepare_database(database_url)
    app = start_app(database_url, token, tmp_path / "app.log")
    tokens = invite(app, CANDIDATES, prefix="kill")
    with app.client() as client:
        items = [
            item["id"]
            for item in client.get(f"/api/v1/sessions/{tokens[0]}").json()["sections"][0]["items"]
        ]
    acknowledged: dict[tuple[str, str], tuple[int, int]] = {}  # -> (count, last value)
    unknown: set[tuple[str, str]] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def candidate(link: str, offset: int) -> None:
        with httpx.Client(base_url=app.url, timeout=5) as client:
            n = 0
            while not stop.is_set():
                item, value = items[(offset + n) % len(items)], 1 + n % 5
                n += 1
                try:
                    response = client.put(
                        f"/api/v1/sessions/{link}/answers", json={"answers": {item: value}}
                    )
                except httpx.HTTPError:
                    with lock:
                        unknown.add((link, item))  # sent, no answer: may or may not be stored
                    return
                with lock:
                    if response.status_code == 200:
                        count, _ = acknowledged.get((link, item), (0, 0))
                        acknowledged[(link, item)] = (count + 1, value)
                        unknown.discard((link, item))
                    else:
                        unknown.add((link, item))

    threads = [
        threading.Thread(target=candidate, args=(link, i * 7)) for i, link in enumerate(tokens)
    ]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    app.process.send_signal(signal.SIGKILL)
    app.process.wait(10)
    stop.set()
    for thread in threads:
        thread.join()
    assert sum(count for count, _ in acknowledged.values()) > 20, "too few saves to judge"

    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT i.token_hash, a.item_id, a.value, a.revision FROM answer a "
                "JOIN assessment_session s ON s.id = a.session_id "
                "JOIN invitation i ON i.id = s.invitation_id"
            )
        ).all()
    engine.dispose()
    stored = {(h, item): (value, revision) for h, item, value, revision in rows}
    for (link, item), (count, value) in acknowledged.items():
        key = (hashlib.sha256(link.encode()).hexdigest(), item)
        assert key in stored, f"an acknowledged answer to {item} is gone"
        stored_value, revision = stored[key]
        assert revision >= count, f"{item}: {count} saves acknowledged, {revision} stored"
        if (link, item) not in unknown:
            assert int(str(stored_value)) == value
