"""Liveness and readiness."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.db import make_engine
from app.main import create_app
from app.scoring.loader import Catalog
from tests.conftest import make_settings


def test_alive_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


def test_not_ready_when_the_database_is_unreachable(catalog: Catalog) -> None:
    unreachable = make_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    client = TestClient(create_app(make_settings(), catalog=catalog, engine=unreachable))
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"
