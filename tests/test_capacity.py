"""Capacity: sizes derived from CONCURRENCY, admission control with 503 + Retry-After, 503 for
an unreachable database, and SQLite readers that never wait for writers."""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from starlette.types import Receive, Scope, Send

from app.config import RETRY_AFTER_SECONDS, WAIT_SECONDS, Capacity
from app.db import IDLE_PING_SECONDS, make_engine, reading
from app.main import create_app
from app.scoring.loader import Catalog
from app.web.admission import AdmissionMiddleware
from tests.conftest import DatabaseFactory, make_settings


def test_pool_and_threads_are_sized_from_concurrency(tmp_path: Path) -> None:
    capacity = make_settings(concurrency=8).capacity
    assert (capacity.requests, capacity.threads, capacity.pool_size) == (8, 12, 8)
    assert capacity.waiting == 8 * 32
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}", capacity=capacity)
    assert engine.pool.size() == 8  # type: ignore[attr-defined]
    assert engine.pool._max_overflow == capacity.max_overflow  # type: ignore[attr-defined]
    assert engine.pool._timeout == WAIT_SECONDS  # type: ignore[attr-defined]
    engine.dispose()


async def _request(
    app: AdmissionMiddleware, path: str, headers: list[tuple[bytes, bytes]] | None = None
) -> dict[str, Any]:
    """One request through the middleware: its path, status, headers and body."""
    result: dict[str, Any] = {"path": path, "body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            result["status"] = message["status"]
            result["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        else:
            result["body"] += message.get("body", b"")

    scope = {"type": "http", "method": "GET", "path": path, "query_string": b""}
    await app(scope | {"headers": headers or []}, receive, send)  # type: ignore[arg-type]
    return result


def _run(main: Callable[[], Awaitable[None]]) -> None:
    """anyio.run in a thread of its own (the browser tests keep a loop in the main thread)."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            anyio.run(main)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def test_admission_queues_then_sheds_with_503_and_probes_skip_the_line() -> None:
    release: anyio.Event | None = None
    started = 0

    async def slow_app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal started
        if scope["path"] != "/healthz":
            started += 1
            assert release is not None
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    capacity = Capacity(1)  # 1 at a time, 32 may wait
    middleware = AdmissionMiddleware(slow_app, capacity)
    outcomes: list[dict[str, Any]] = []

    async def main() -> None:
        nonlocal release
        release = anyio.Event()

        async def one(path: str) -> None:
            outcomes.append(await _request(middleware, path))

        async with anyio.create_task_group() as group:
            for _ in range(1 + capacity.waiting):  # one served, the line full
                group.start_soon(one, "/api/v1/x")
            await anyio.sleep(0.2)
            assert started == 1 and middleware.waiting == capacity.waiting
            moment = time.monotonic()
            outcomes.append(await _request(middleware, "/api/v1/x"))  # beyond the line
            outcomes.append(
                await _request(middleware, "/a/page", [(b"accept-language", b"ru-RU,ru;q=0.9")])
            )
            probe = await _request(middleware, "/healthz")  # skips the full line
            assert probe["status"] == 200
            assert time.monotonic() - moment < 0.5, "refusals and probes come at once"
            release.set()

    _run(main)
    refused = [o for o in outcomes if o["status"] == 503]
    assert len(refused) == 2
    api = next(o for o in refused if o["path"].startswith("/api/"))
    page = next(o for o in refused if not o["path"].startswith("/api/"))
    assert api["headers"]["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert b'"detail"' in api["body"] and b"busy" in api["body"]
    assert page["headers"]["content-type"].startswith("text/html")
    assert page["headers"]["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert "перегружен" in page["body"].decode()
    assert sum(1 for o in outcomes if o["status"] == 200) == 1 + capacity.waiting


def test_a_wait_longer_than_the_bound_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.web.admission.WAIT_SECONDS", 0.2)

    async def stuck(scope: Scope, receive: Receive, send: Send) -> None:
        await anyio.sleep(1)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = AdmissionMiddleware(stuck, Capacity(1))
    statuses: list[int] = []

    async def main() -> None:
        async def one() -> None:
            statuses.append((await _request(middleware, "/api/v1/x"))["status"])

        async with anyio.create_task_group() as group:
            group.start_soon(one)
            await anyio.sleep(0.05)
            group.start_soon(one)  # waits 0.2 s for the one slot, then gives up

    _run(main)
    assert statuses == [503, 200]


def test_an_unreachable_database_is_a_503_with_a_clear_message(catalog: Catalog) -> None:
    unreachable = make_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    client = TestClient(create_app(make_settings(), catalog=catalog, engine=unreachable))
    saved = client.put("/api/v1/sessions/some-token/answers", json={"answers": {"x": 1}})
    assert saved.status_code == 503
    assert saved.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert "database is not available" in saved.json()["detail"]
    page = client.get("/login", headers={"accept-language": "ru"})  # a page reading nothing
    assert page.status_code == 200
    start = client.get("/a/some-token", headers={"accept-language": "ru"})
    assert start.status_code == 503 and "База данных сейчас недоступна" in start.text
    assert client.get("/healthz").status_code == 200


def test_sqlite_readers_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'read.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    writing = threading.Event()
    done = threading.Event()

    def writer() -> None:
        with engine.begin() as connection:  # BEGIN IMMEDIATE: holds the write lock
            connection.execute(text("INSERT INTO t (v) VALUES ('w')"))
            writing.set()
            done.wait(5)

    thread = threading.Thread(target=writer)
    thread.start()
    assert writing.wait(5)
    try:
        started = time.monotonic()
        with reading(engine).begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
        assert time.monotonic() - started < 0.5, "a reader waited for the writer"
    finally:
        done.set()
        thread.join()
    engine.dispose()


def test_sqlite_writers_wait_at_most_the_bound_for_another_process(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "held.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"), engine.begin() as connection:
            connection.execute(text("INSERT INTO t DEFAULT VALUES"))
        assert time.monotonic() - started < WAIT_SECONDS + 2
    finally:
        other.execute("ROLLBACK")
        other.close()
    with engine.begin() as connection:  # the lock of this process was given back
        connection.execute(text("INSERT INTO t DEFAULT VALUES"))
    engine.dispose()


def test_a_pooled_connection_closed_while_idle_is_replaced(databases: DatabaseFactory) -> None:
    """PostgreSQL restarted or a firewall dropped an idle connection: the next request gets a
    new one; one that died while the pool was busy fails once, then the pool renews."""
    if databases.backend != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    engine = make_engine(databases.new_url(), pool_size=1, max_overflow=0)

    def backend_pid() -> int:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())

    def kill(pid: int) -> None:
        assert databases.admin is not None
        with databases.admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    first = backend_pid()
    kill(first)
    record = engine.pool._pool.queue[0]  # type: ignore[attr-defined]
    record.info["idle_since"] -= IDLE_PING_SECONDS + 1  # as if idle for a while
    second = backend_pid()  # tested at checkout, replaced: no error
    assert second != first
    kill(second)  # while "busy": not tested at checkout
    with pytest.raises(OperationalError):
        backend_pid()
    assert backend_pid() not in (first, second)  # the pool renewed itself
    engine.dispose()
