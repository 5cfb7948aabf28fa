"""Engine, sessions, constraint naming and organisation (tenant) scoping.

Tenant scoping lives here and nowhere else. A session scoped with `scope_to_organisation`
only ever reads, updates or deletes rows of that organisation in tables that carry an
`organisation_id` (every model built on `OrganisationScoped`), and stamps that organisation
on the rows it adds. Call sites never write `where organisation_id == ...` themselves.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DateTime,
    Dialect,
    Engine,
    MetaData,
    TypeDecorator,
    column,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlmodel import Field, Session, SQLModel, create_engine

from app.config import WAIT_SECONDS, Capacity
from app.security import replace_lone_surrogates

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata

ORGANISATION_KEY = "organisation_id"
ALL_ORGANISATIONS = "all_organisations"
"""Execution option that lifts scoping for one statement (sign-in, the mail worker)."""


class OrganisationScoped(SQLModel):
    """Mixin for every table whose rows belong to one organisation."""

    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", index=True, nullable=False, ondelete="CASCADE"
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime (app.db.utcnow)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CrossOrganisationWrite(PermissionError):
    """A scoped session tried to write a row of another organisation."""


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def read_json(data: str | bytes | memoryview) -> Any:
    """A JSON column's value. A lone surrogate stored before such input was refused comes
    back as U+FFFD, so old data cannot break a page that shows it."""
    # psycopg hands over bytes; SQLite may hand over a number, which json.loads refuses with
    # the TypeError SQLAlchemy's SQLite JSON type expects (it then keeps the number).
    text = bytes(data).decode("utf-8") if isinstance(data, bytes | memoryview) else data
    value = json.loads(text)
    if _SURROGATE_ESCAPE.search(text):  # rare: only then look at every string
        value = replace_lone_surrogates(value)
    return value


READ_FIRST = "salesfit_read_first"
"""Engine execution option: on SQLite, begin transactions without the write lock (a request
that only reads, e.g. a GET); the first write takes it (see `_SQLiteConnection`)."""


def make_engine(database_url: str, *, capacity: Capacity | None = None, **kwargs: Any) -> Engine:
    """An engine for SQLite (a file under data/) or PostgreSQL (`postgresql+psycopg://`);
    `capacity` sizes its connection pool (the app passes its CONCURRENCY's)."""
    url: URL = make_url(database_url)
    kwargs.setdefault("json_deserializer", read_json)
    if url.get_backend_name() == "sqlite":
        in_memory = not url.database or url.database == ":memory:"
        path = Path(url.database).resolve() if url.database and not in_memory else None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if capacity is not None:
                for key, value in capacity.pool_options().items():
                    kwargs.setdefault(key, value)
        kwargs.setdefault(
            "connect_args",
            {"check_same_thread": False, "timeout": WAIT_SECONDS, "factory": _SQLiteConnection},
        )
        engine = create_engine(url, **kwargs)
        lock = _write_lock(str(path) if path is not None else f"memory:{id(engine)}")

        def pragmas(dbapi_connection: Any, _record: Any) -> None:
            _sqlite_pragmas(dbapi_connection, lock)

        event.listen(engine, "connect", pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", _sqlite_before_write)
        return engine
    if capacity is not None:
        for key, value in capacity.pool_options().items():
            kwargs.setdefault(key, value)
    if url.get_backend_name() == "postgresql":
        # a server that does not answer is a bounded wait (then 503), not a hang
        kwargs.setdefault("connect_args", {"connect_timeout": math.ceil(WAIT_SECONDS)})
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkin", _note_idle_since)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


IDLE_PING_SECONDS = 10.0
"""A pooled connection idle this long is tested before use (a server restart or a firewall
may have closed it meanwhile; the pool then opens a new one). A busy pool skips the test: it
would be a round trip on every request. A connection that died while in use fails its request
with 503, and the pool replaces every connection opened before (SQLAlchemy invalidates them)."""


def _note_idle_since(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:
        raise DisconnectionError(f"a pooled connection was closed while idle: {exc}") from exc


def reading(engine: Engine) -> Engine:
    """`engine` for work that reads first (a GET): on SQLite its transactions begin without
    the write lock; elsewhere the same engine. Made once per engine (it costs ~45 µs)."""
    if engine.dialect.name != "sqlite":
        return engine
    found: Engine | None = getattr(engine, "_salesfit_reader", None)
    if found is None:
        found = engine.execution_options(**{READ_FIRST: True})
        engine._salesfit_reader = found  # type: ignore[attr-defined]
    return found


# ----------------------------------------------------------------------------- SQLite
#
# SQLite lets one connection write at a time. Requests that only read begin a deferred
# transaction (WAL: they read a snapshot and never wait for writers). Every other transaction
# takes the write lock at its start (BEGIN IMMEDIATE): with a deferred BEGIN, two requests that
# both read and then write (an autosave racing a form post) would deadlock on the lock upgrade
# and one would fail at once with "database is locked"; this way the second waits its turn.
#
# Writers of one process queue on a Python lock per database file before BEGIN IMMEDIATE, so
# the next writer starts the moment the previous one commits. Left to SQLite's busy handler
# they would poll with sleeps of up to 100 ms (the long tail measured in issue 9). Writers in
# other processes (the mail worker, the CLI, a second app process) still meet SQLite's own
# lock and busy timeout. A lock wait is bounded by WAIT_SECONDS, then "database is locked"
# (answered 503). Durability: WAL with synchronous=FULL, so every acknowledged commit is on
# disk before the answer and survives a killed process and a power cut alike (NORMAL would
# save the fsync, about 0.4 ms a commit here, and lose the last commits on a power cut).

_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _write_lock(key: str) -> threading.Lock:
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


class _SQLiteConnection(sqlite3.Connection):
    """A DBAPI connection holding its process's write lock of the file from BEGIN IMMEDIATE
    until COMMIT, ROLLBACK or close."""

    write_lock: threading.Lock
    holding = False
    reading = False
    """In a deferred (read-only so far) transaction."""

    def take_write_lock(self) -> None:
        if self.holding:
            return
        if not self.write_lock.acquire(timeout=WAIT_SECONDS):
            raise sqlite3.OperationalError(
                f"database is locked (no turn to write within {WAIT_SECONDS:g} s)"
            )
        self.holding = True

    def _release(self) -> None:
        self.reading = False
        if self.holding:
            self.holding = False
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()


def _sqlite_pragmas(dbapi_connection: Any, lock: threading.Lock) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin; otherwise
    # SAVEPOINTs and transactional DDL misbehave (SQLAlchemy's pysqlite documentation).
    dbapi_connection.isolation_level = None
    dbapi_connection.write_lock = lock
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={int(WAIT_SECONDS * 1000)}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    options = connection.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return  # a read outside any transaction (e.g. the readiness probe)
    dbapi_connection = connection.connection.dbapi_connection
    if options.get(READ_FIRST, False):
        connection.exec_driver_sql("BEGIN")
        dbapi_connection.reading = True
        return
    try:
        dbapi_connection.take_write_lock()
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        dbapi_connection._release()
        raise


_READS = ("SELECT", "PRAGMA", "EXPLAIN")


def _sqlite_before_write(
    connection: Any,
    cursor: Any,
    statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    """The first write of a deferred transaction ends its read snapshot and takes the write
    lock (BEGIN IMMEDIATE): in between, another transaction may commit, as under PostgreSQL's
    READ COMMITTED. A deferred transaction never upgrades in place, which could fail at once."""
    dbapi_connection = cursor.connection
    if not getattr(dbapi_connection, "reading", False):
        return
    head = statement.lstrip()[:7].upper()
    writes = context is not None and (context.isinsert or context.isupdate or context.isdelete)
    if not writes and (head.startswith(_READS) or head.startswith("WITH")):
        return
    dbapi_connection.reading = False
    sqlite3.Connection.commit(dbapi_connection)  # ends the read snapshot, keeps no lock
    dbapi_connection.take_write_lock()
    cursor.execute("BEGIN IMMEDIATE")


def upsert(
    session: Session,
    table: type[SQLModel],
    values: dict[str, Any],
    *,
    keys: list[str],
    update: dict[str, Any],
) -> None:
    """INSERT, or UPDATE the row with the same `keys`, atomically (ON CONFLICT on SQLite and
    PostgreSQL alike): a retried or concurrent save can neither duplicate a row nor fail.

    `update` maps columns to new values; a string value names a column of the proposed row
    (`excluded`), anything else is used as an SQL expression as it is. Without `update` an
    existing row is kept as it is (the first of two concurrent inserts wins).
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # on the table itself: a plain INSERT, without the ORM's bulk-insert machinery
    statement = insert(table.__table__).values(**values)  # type: ignore[attr-defined]
    if not update:
        session.execute(statement.on_conflict_do_nothing(index_elements=keys))
        return
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={
            column: statement.excluded[value] if isinstance(value, str) else value
            for column, value in update.items()
        },
    )
    session.execute(statement)


def take_turns(session: Session, name: str) -> None:
    """Until the end of its transaction, `session` is the only one of its organisation doing
    `name` (e.g. "person": finding or adding people by e-mail). For check-then-insert work that
    no unique constraint guards: two imports of the same CSV at the same moment must not both
    see a person missing and both add them. PostgreSQL: a transaction-level advisory lock (the
    other waits; READ COMMITTED then shows it the first one's rows). SQLite: nothing to do,
    writing transactions already take turns (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{name}:{current_organisation(session)}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def scope_to_organisation(session: Session, organisation_id: int) -> Session:
    """Limit everything `session` reads and writes to one organisation."""
    session.info[ORGANISATION_KEY] = organisation_id
    return session


def current_organisation(session: Session) -> int | None:
    value = session.info.get(ORGANISATION_KEY)
    return int(value) if value is not None else None


@contextmanager
def organisation_session(engine: Engine, organisation_id: int) -> Iterator[Session]:
    """A session scoped to one organisation (for services run outside a request)."""
    with Session(engine) as session:
        scope_to_organisation(session, organisation_id)
        yield session


@event.listens_for(Session, "do_orm_execute")
def _limit_to_organisation(state: ORMExecuteState) -> None:
    organisation_id = state.session.info.get(ORGANISATION_KEY)
    if (
        organisation_id is None
        or state.is_column_load
        or state.is_relationship_load
        or state.execution_options.get(ALL_ORGANISATIONS, False)
        or not (state.is_select or state.is_update or state.is_delete)
    ):
        return
    # One criterion on the mixin covers every scoped table (joins and aliases included). As a
    # lambda it is cached with the statement and the organisation is a bound parameter, so the
    # criteria cost about a third of one option per table (measured in issue 9).
    state.statement = state.statement.options(
        with_loader_criteria(
            OrganisationScoped,
            lambda cls: _organisation_column(cls) == organisation_id,
            include_aliases=True,
        )
    )


def _organisation_column(cls: Any) -> Any:
    """`cls.organisation_id`; for the unmapped mixin itself (SQLAlchemy calls the criteria
    once with it to analyse the lambda) a stand-in column of the same name."""
    try:
        return cls.organisation_id
    except AttributeError:
        return column(ORGANISATION_KEY)


@event.listens_for(Session, "before_flush")
def _stamp_organisation(session: Session, _context: Any, _instances: Any) -> None:
    organisation_id = session.info.get(ORGANISATION_KEY)
    if organisation_id is None:
        return
    for obj in session.new:
        if isinstance(obj, OrganisationScoped):
            if obj.organisation_id is None:
                obj.organisation_id = organisation_id
            elif obj.organisation_id != organisation_id:
                raise CrossOrganisationWrite(
                    f"{type(obj).__name__} belongs to organisation {obj.organisation_id}, "
                    f"not {organisation_id}"
                )
    for obj in session.dirty | session.deleted:
        if isinstance(obj, OrganisationScoped) and obj.organisation_id != organisation_id:
            raise CrossOrganisationWrite(
                f"{type(obj).__name__} of organisation {obj.organisation_id} cannot be changed "
                f"from organisation {organisation_id}"
            )
