"""The real server, as `salesfit serve` runs it:

- finding (low): candidate tokens appeared in the access log in clear;
- finding (low): uvicorn believed `X-Forwarded-For` from loopback, so rotating that header
  defeated the limiter of candidate links. Forwarded headers are trusted only from the
  proxies named in TRUSTED_PROXIES (none by default).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.config import Settings
from app.db import make_engine
from app.migrate import upgrade
from app.web.accesslog import redact_path
from app.web.proxy import uvicorn_options
from tests.conftest import TEST_SECRET

TOKEN = "Zm9vYmFyLXRoaXMtaXMtbm90LWEtcmVhbC10b2tlbi0xMjM0NTY3ODk"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(tmp_path: Path, **environment: str) -> Iterator[tuple[str, Path]]:
    """`salesfit serve` on a free port and a new SQLite database; yields the URL and the log."""
    database = f"sqlite:///{tmp_path / 'server.db'}"
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    port = _free_port()
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": TEST_SECRET,
        "BASE_URL": f"http://127.0.0.1:{port}",
        **environment,
    }
    env.pop("FORWARDED_ALLOW_IPS", None)
    command = [str(Path(sys.executable).parent / "salesfit"), "serve", "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310
                    break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start:\n{log.read_text()}")
                time.sleep(0.2)
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=20)


def _get(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_paths_with_tokens_are_redacted() -> None:
    assert redact_path(f"/a/{TOKEN}/s/2?lang=ru") == "/a/[token]/s/2?lang=ru"
    assert redact_path(f"/api/v1/sessions/{TOKEN}/answers") == "/api/v1/sessions/[token]/answers"
    assert redact_path(f"/api/v1/sessions/{TOKEN}") == "/api/v1/sessions/[token]"
    assert redact_path("/hr/campaigns/3") == "/hr/campaigns/3"


def test_forwarded_headers_are_ignored_unless_the_proxy_is_named() -> None:
    plain = uvicorn_options(Settings(trusted_proxies=""))
    assert plain["proxy_headers"] is False
    named = uvicorn_options(Settings(trusted_proxies="10.0.0.5, 10.1.0.0/16"))
    assert named["proxy_headers"] is True
    assert named["forwarded_allow_ips"] == ["10.0.0.5", "10.1.0.0/16"]


def test_the_access_log_has_no_token_and_rotating_forwarded_for_does_not_beat_the_limiter(
    tmp_path: Path,
) -> None:
    with serving(tmp_path) as (url, log):
        statuses = [
            _get(f"{url}/a/{TOKEN}{n}", {"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(22)
        ]
        assert _get(f"{url}/api/v1/sessions/{TOKEN}") == 429
    assert statuses[0] == 404 and statuses[-1] == 429, statuses
    text = log.read_text()
    assert "/a/[token]" in text and "/api/v1/sessions/[token]" in text, text[-2000:]
    assert TOKEN not in text
    assert "203.0.113." not in text  # the header was not believed


def test_a_named_proxy_is_believed(tmp_path: Path) -> None:
    with serving(tmp_path, TRUSTED_PROXIES="127.0.0.1") as (url, log):
        statuses = [
            _get(f"{url}/a/{TOKEN}{n}", {"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(22)
        ]
    assert set(statuses) == {404}, statuses  # each client address is new to the limiter
    assert "203.0.113.21" in log.read_text()
