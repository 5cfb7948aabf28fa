"""The JSON API: Bearer tokens, JSON errors, the OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Role
from app.services.accounts import create_api_token
from tests.factories import create_user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_identifies_its_user(client: TestClient, db: Session) -> None:
    user = create_user(db, role=Role.hr)
    _, token = create_api_token(db, email=user.email)
    db.commit()
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {
        "id": user.id,
        "email": user.email,
        "full_name": "",
        "role": "hr",
        "organisation_id": user.organisation_id,
    }


def test_missing_or_unknown_tokens_get_401_in_json(client: TestClient) -> None:
    for headers in [{}, bearer("sf_never-issued"), {"Authorization": "Basic abc"}]:
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "API token" in response.json()["detail"]


def test_the_model_endpoint_lists_competencies_and_profiles(
    client: TestClient, db: Session
) -> None:
    user = create_user(db)
    _, token = create_api_token(db, email=user.email)
    db.commit()
    body = client.get("/api/v1/model", headers=bearer(token)).json()
    assert len(body["competencies"]) == 7 and set(body["profiles"]) == {"active", "passive"}
    assert body["model"]["profiles"]["active"]["weights"]["persistence"] > 0


def test_openapi_and_its_docs_page_are_served_without_a_cdn(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/me" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/api/v1/openapi.json" in docs.text
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
