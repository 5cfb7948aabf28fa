"""The database unreachable or locked for a few seconds: the API answers 503 with a clear
message quickly, /healthz stays up, and service comes back by itself (real server processes).

PostgreSQL: the app reaches the server through a small TCP proxy in this test, which is cut
(listener closed, open connections dropped) and restored; the shared server is never stopped.
SQLite: another process holds the write lock (BEGIN EXCLUSIVE) — the tests run as root, so file
permissions would not stop writes.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy.engine import make_url

from app.config import RETRY_AFTER_SECONDS, WAIT_SECONDS
from tests.conftest import DatabaseFactory
from tests.faults.conftest import LiveApp, free_port, invite, prepare_database, start_app

QUICK = WAIT_SECONDS + 3.0
"""A refusal comes within the database wait bound plus slack for a busy machine."""


class TcpProxy:
    """Forwards 127.0.0.1:port to a target; `cut()` refuses and drops every connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.listener: socket.socket | None = None
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self.listener is not None:
            # wakes the thread blocked in accept(); close() alone leaves it listening
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


@pytest.fixture
def outage_app(
    databases: DatabaseFactory, tmp_path: Path
) -> Iterator[tuple[LiveApp, TcpProxy | None]]:
    database_url = databases.new_url()
    token = prepare_database(database_url)
    proxy = None
    served_url = database_url
    if databases.backend == "postgresql":
        url = make_url(database_url)
        proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
        proxy.open()
        served_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
    app = start_app(served_url, token, tmp_path / "app.log")
    yield app, proxy
    app.stop()
    if proxy is not None:
        proxy.cut()


def _hold_write_lock(database: str, seconds: float) -> subprocess.Popen[str]:
    """Another process that takes SQLite's write lock and keeps it for `seconds`."""
    code = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "c.execute('COMMIT')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, database, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_database_outage_is_a_quick_503_and_service_recovers(
    outage_app: tuple[LiveApp, TcpProxy | None],
) -> None:
    app, proxy = outage_app
    (token,) = invite(app, 1, prefix="outage")
    url = f"/api/v1/sessions/{token}/answers"
    with app.client() as client:
        item = client.get(f"/api/v1/sessions/{token}").json()["sections"][0]["items"][0]["id"]
        assert client.put(url, json={"answers": {item: 1}}).status_code == 200

        holder = None
        if proxy is not None:
            proxy.cut()
        else:
            holder = _hold_write_lock(make_url(app.database_url).database or "", WAIT_SECONDS + 2)
        try:
            started = time.monotonic()
            refused = client.put(url, json={"answers": {item: 2}})
            elapsed = time.monotonic() - started
            assert refused.status_code == 503, refused.text
            assert elapsed < QUICK, f"the refusal took {elapsed:.1f} s"
            assert refused.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
            assert "database is not available" in refused.json()["detail"]
            if proxy is not None:  # pages read too; on SQLite reads go on under the lock
                page = client.get(f"/a/{token}")
                assert page.status_code == 503 and "text/html" in page.headers["content-type"]
                assert "Please try again" in page.text
            alive_started = time.monotonic()
            assert client.get("/healthz").status_code == 200
            assert time.monotonic() - alive_started < 1.0
        finally:
            if proxy is not None:
                proxy.open()
            elif holder is not None:
                holder.wait(30)

        deadline = time.monotonic() + 15
        recovered = None
        while time.monotonic() < deadline:
            recovered = client.put(url, json={"answers": {item: 3}})
            if recovered.status_code == 200:
                break
            assert recovered.status_code == 503, recovered.text  # never a 500
            time.sleep(0.5)
        assert recovered is not None and recovered.status_code == 200
        assert client.get(f"/api/v1/sessions/{token}").json()["answers"][item] == 3
        assert client.get("/readyz").status_code == 200


def test_overload_is_shed_with_503_and_healthz_answers(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    """CONCURRENCY=1: one request at a time, 32 may wait up to WAIT_SECONDS; a burst far above
    that gets quick 503s with Retry-After, everything admitted is served, and /healthz answers
    throughout."""
    if databases.backend != "sqlite":
        pytest.skip("admission does not depend on the database; SQLite is enough")
    database_url = databases.new_url()
    app = start_app(
        database_url, prepare_database(database_url), tmp_path / "app.log", CONCURRENCY="1"
    )
    try:
        (token,) = invite(app, 1, prefix="burst")
        with app.client() as client:
            item = client.get(f"/api/v1/sessions/{token}").json()["sections"][0]["items"][0]
        statuses: list[int] = []
        lock = threading.Lock()

        def hammer() -> None:
            with httpx.Client(base_url=app.url, timeout=30) as client:
                for _ in range(3):
                    response = client.put(
                        f"/api/v1/sessions/{token}/answers", json={"answers": {item["id"]: 4}}
                    )
                    with lock:
                        statuses.append(response.status_code)
                    if response.status_code == 503:
                        assert response.headers["retry-after"]
                        assert response.json()["detail"]

        threads = [threading.Thread(target=hammer) for _ in range(48)]
        for thread in threads:
            thread.start()
        probes = []
        while any(t.is_alive() for t in threads):
            started = time.monotonic()
            assert httpx.get(app.url + "/healthz", timeout=5).status_code == 200
            probes.append(time.monotonic() - started)
            time.sleep(0.05)
        for thread in threads:
            thread.join()
        assert set(statuses) <= {200, 503}, statuses
        assert statuses.count(200) > 0 and statuses.count(503) > 0
        assert max(probes) < 1.0, f"/healthz took up to {max(probes):.2f} s"
    finally:
        app.stop()
