"""Engine, sessions, constraint naming and organisation (tenant) scoping.

Tenant scoping lives here and nowhere else. A session scoped with `scope_to_organisation`
only ever reads, updates or deletes rows of that organisation in tables that carry an
`organisation_id` (every model built on `OrganisationScoped`), and stamps that organisation
on the rows it adds. Call sites never write `where organisation_id == ...` themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Engine, MetaData, TypeDecorator, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlmodel import Field, Session, SQLModel, create_engine
from sqlmodel.main import default_registry

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


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """An engine for SQLite (a file under data/) or PostgreSQL (`postgresql+psycopg://`)."""
    url: URL = make_url(database_url)
    kwargs.setdefault("json_deserializer", read_json)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            from pathlib import Path

            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin; otherwise
    # SAVEPOINTs and transactional DDL misbehave (SQLAlchemy's pysqlite documentation).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes SQLite's write lock at the start. With a deferred BEGIN, two requests
    # that both read and then write (an autosave and a form post of the same page) deadlock
    # on the lock upgrade and one fails at once with "database is locked"; this way the
    # second waits (busy_timeout) and both succeed. WAL keeps readers of other connections
    # unblocked. One SQLite process serialises writes anyway; PostgreSQL is for scale.
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # a read outside any transaction (e.g. the readiness probe)
    connection.exec_driver_sql("BEGIN IMMEDIATE")


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
    (`excluded`), anything else is used as an SQL expression as it is.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={
            column: statement.excluded[value] if isinstance(value, str) else value
            for column, value in update.items()
        },
    )
    session.execute(statement)


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
    state.statement = state.statement.options(
        *(
            with_loader_criteria(
                model, model.organisation_id == organisation_id, include_aliases=True
            )
            for model in _scoped_tables()
        )
    )


def _scoped_tables() -> list[type[OrganisationScoped]]:
    """Every mapped table class that carries `organisation_id`."""
    return [
        mapper.class_
        for mapper in default_registry.mappers
        if issubclass(mapper.class_, OrganisationScoped)
    ]


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
