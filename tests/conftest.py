"""Test set-up: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is taken from TEST_POSTGRES_URL (default: the local server, database `test`,
user `postgres`). The suite makes its own database there and drops it afterwards. Where
PostgreSQL cannot be reached its runs are skipped with the reason, except under CI=true,
where that fails the run. Each test works inside a transaction that is rolled back.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.config import Settings
from app.db import ORGANISATION_KEY, make_engine
from app.main import create_app
from app.migrate import upgrade
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.loader import Catalog, load_catalog
from app.web.deps import get_db

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _postgres_admin_engine() -> Engine:
    engine = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        reason = (
            f"PostgreSQL unreachable at {make_url(POSTGRES_URL).render_as_string()}: {exc.orig}"
        )
        if IN_CI:
            pytest.fail(f"{reason} (CI=true requires it)", pytrace=False)
        pytest.skip(reason)
    return engine


class DatabaseFactory:
    """Makes empty databases of one backend and removes them afterwards."""

    def __init__(self, backend: str, tmp_dir: Path) -> None:
        self.backend = backend
        self.tmp_dir = tmp_dir
        self.created: list[str] = []
        self.admin = _postgres_admin_engine() if backend == "postgresql" else None

    def new_url(self) -> str:
        name = f"salesfit_test_{uuid.uuid4().hex[:12]}"
        if self.admin is None:
            return f"sqlite:///{self.tmp_dir / (name + '.db')}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.admin is None:
            return
        with self.admin.connect() as connection:
            for name in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(request.param, tmp_path_factory.mktemp(request.param))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def engine(databases: DatabaseFactory) -> Iterator[Engine]:
    """One migrated database per backend for the whole run."""
    engine = make_engine(databases.new_url())
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (commits become savepoints)."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()
    transaction.rollback()
    connection.close()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(MODEL_FILE, ASSESSMENTS_DIR)


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": "sqlite://",
        "secret_key": TEST_SECRET,
        "base_url": "http://testserver",
        "default_language": "en",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def app_factory(engine: Engine, db: Session, catalog: Catalog) -> Callable[..., TestClient]:
    """Build a test client on the test session; keyword arguments override settings."""

    def build(**overrides: object) -> TestClient:
        app = create_app(make_settings(**overrides), catalog=catalog, engine=engine)

        def test_db() -> Iterator[Session]:
            db.info.pop(ORGANISATION_KEY, None)  # each request scopes afresh
            yield db

        app.dependency_overrides[get_db] = test_db
        return TestClient(app, base_url=str(overrides.get("base_url", "http://testserver")))

    return build


@pytest.fixture
def client(app_factory: Callable[..., TestClient]) -> TestClient:
    return app_factory()


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
