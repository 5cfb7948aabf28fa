"""Alembic makes the schema: from empty to head, then nothing left for autogenerate."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import app.models  # noqa: F401  (every table registered)
from app.db import make_engine, metadata
from app.migrate import alembic_config, is_current, upgrade
from tests.conftest import DatabaseFactory


def test_migrations_build_the_whole_schema_and_match_the_models(databases: DatabaseFactory) -> None:
    engine = make_engine(databases.new_url())
    try:
        assert not is_current(engine)
        upgrade(engine)
        assert is_current(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_migrations_downgrade_to_an_empty_database(databases: DatabaseFactory) -> None:
    engine = make_engine(databases.new_url())
    try:
        upgrade(engine)
        upgrade_tables = set(inspect(engine).get_table_names())
        assert "answer" in upgrade_tables
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
