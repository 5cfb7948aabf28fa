"""Fault tests: the app as a real server process (`salesfit serve` on a free port) on SQLite
and PostgreSQL, driven over HTTP by several threads at once; no mocks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlmodel import Session

from app.db import make_engine
from app.migrate import upgrade
from app.models import Role
from app.services.accounts import create_api_token, create_user
from tests.conftest import TEST_SECRET, DatabaseFactory

BIN = Path(sys.executable).parent
HR_EMAIL = "hr@faults.example.com"
HR_PASSWORD = "faults-password-1234"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveApp:
    url: str
    database_url: str
    api_token: str
    process: subprocess.Popen[bytes]
    log: Path

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.api_token}"}, timeout=30
        )

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def prepare_database(database_url: str) -> str:
    """Migrate, add an HR user, return an API token of it."""
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        create_user(
            session,
            email=HR_EMAIL,
            role=Role.hr,
            organisation_slug="faults",
            password=HR_PASSWORD,
        )
        session.commit()
        _row, token = create_api_token(session, email=HR_EMAIL, name="faults")
        session.commit()
    engine.dispose()
    return token


def start_app(database_url: str, api_token: str, log: Path, **env_overrides: str) -> LiveApp:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "BASE_URL": f"http://127.0.0.1:{port}",
        **env_overrides,
    }
    handle = log.open("ab")
    process = subprocess.Popen(
        [str(BIN / "salesfit"), "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    app = LiveApp(f"http://127.0.0.1:{port}", database_url, api_token, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited at start:\n{log.read_text()}")
        try:
            if httpx.get(app.url + "/healthz", timeout=1).status_code == 200:
                return app
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    app.stop()
    raise RuntimeError(f"the app did not start in 60 s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def live_app(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApp]:
    """The app as a server process on a fresh database of the backend under test."""
    database_url = databases.new_url()
    token = prepare_database(database_url)
    app = start_app(database_url, token, tmp_path_factory.mktemp("app") / "app.log")
    yield app
    app.stop()


def invite(app: LiveApp, count: int, *, consent: bool = True, prefix: str = "p") -> list[str]:
    """A new campaign with `count` invited people (consenting); their link tokens."""
    with app.api() as api:
        campaign = api.post(
            "/api/v1/campaigns",
            json={
                "name": f"Faults {prefix}",
                "target_role": "either",
                "battery": "employee",  # opens with the Likert self-report
                "language": "en",
            },
        )
        assert campaign.status_code == 201, campaign.text
        people = [
            {"full_name": f"Person {prefix}{i}", "email": f"{prefix}{i}@faults.example.com"}
            for i in range(count)
        ]
        invited = api.post(
            f"/api/v1/campaigns/{campaign.json()['id']}/invitations", json={"people": people}
        )
        assert invited.status_code == 201, invited.text
        tokens = [entry["url"].rsplit("/", 1)[1] for entry in invited.json()]
        if consent:
            for token in tokens:
                answer = api.post(f"/api/v1/sessions/{token}/consent", json={"accepted": True})
                assert answer.status_code == 200, answer.text
    return tokens


def valid_answers(session: dict[str, Any]) -> dict[str, Any]:
    """A valid answer to every item of a session as GET /api/v1/sessions/{token} shows it."""
    answers: dict[str, Any] = {}
    for section in session["sections"]:
        for item in section["items"]:
            kind = item["type"]
            if kind == "likert":
                answers[item["id"]] = item["max"]
            elif kind == "rate_each":
                answers[item["id"]] = {o["id"]: item["min"] for o in item["options"]}
            elif kind == "best_worst":
                answers[item["id"]] = {
                    "best": item["options"][0]["id"],
                    "worst": item["options"][-1]["id"],
                }
            elif kind == "forced_choice":
                answers[item["id"]] = {
                    "most": item["options"][0]["id"],
                    "least": item["options"][-1]["id"],
                }
            elif kind == "choice":
                answers[item["id"]] = item["options"][0]["id"]
            elif kind == "multiple_choice":
                answers[item["id"]] = [item["options"][0]["id"]]
            else:
                answers[item["id"]] = "A written answer. " * max(item.get("min_words") or 1, 1)
    return answers


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together by a barrier; their results in order."""
    import threading

    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:  # reported by the test through the result
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
