"""The JSON API under /api/v1 (Bearer API tokens)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from app.web.deps import ApiUser, CatalogDep

router = APIRouter(prefix="/api/v1", tags=["api"])


class MePublic(BaseModel):
    id: int
    email: str
    full_name: str
    role: str
    organisation_id: int


@router.get("/me", response_model=MePublic, name="api:me")
def me(user: ApiUser) -> MePublic:
    """The user the token belongs to."""
    return MePublic(
        id=user.id or 0,
        email=user.email,
        full_name=user.full_name,
        role=str(user.role),
        organisation_id=user.organisation_id or 0,
    )


@router.get("/model", name="api:model")
def model(user: ApiUser, catalog: CatalogDep) -> dict[str, Any]:
    """The competency model in force, with its version, and the instruments and batteries."""
    return {
        **catalog.summary(),
        "model": catalog.model.definition.model_dump(mode="json"),
    }
