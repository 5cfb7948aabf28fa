"""End-to-end tests: a real server on a free port and Debian's Chromium driven by Playwright.

Chromium is never downloaded: Playwright launches /usr/bin/chromium (installed by .ci/run with
apt-get). Where it is missing these tests are skipped with the reason, except under CI=true,
where that fails the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import Session

from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from app.models import Role
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.loader import load_catalog
from app.services.accounts import create_user
from app.services.demo import seed_demo
from tests.conftest import IN_CI, TEST_SECRET, make_settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HR_EMAIL = "hr@e2e.example.com"
HR_PASSWORD = "e2e-password-1234"


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    reason = (
        f"Chromium not found at {CHROMIUM} (install Debian's package: apt-get install chromium)"
    )
    if IN_CI:
        pytest.fail(f"{reason}; CI=true requires the browser tests", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app served by uvicorn in a thread, on SQLite: the Russian demo organisation (what
    `make run` loads, pages full of realistic content) and an organisation with one HR user."""
    _require_chromium()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        seed_demo(
            session,
            load_catalog(MODEL_FILE, ASSESSMENTS_DIR),
            secret_key=TEST_SECRET,
            base_url=url,
            language="ru",
        )
    with Session(engine) as session:
        create_user(
            session, email=HR_EMAIL, role=Role.hr, organisation_slug="e2e-org", password=HR_PASSWORD
        )
        session.commit()
    app = create_app(
        make_settings(database_url=database_url, base_url=url, secret_key=TEST_SECRET),
        engine=engine,
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    else:
        pytest.fail("the live server did not start")
    yield LiveServer(url, database_url)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="session")
def browser(live_server: LiveServer) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
