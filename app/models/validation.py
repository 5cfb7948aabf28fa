"""The organisation's own versions of the model: profile weights re-estimated on its data."""

from datetime import datetime
from typing import Any

from sqlmodel import Field

from app.db import OrganisationScoped
from app.models._fields import json_field, moment_column, now_column


class LocalModelVersion(OrganisationScoped, table=True):
    """An admin's decision on re-weighted profile weights from the local validation.

    An `accepted` row makes a new model version for the organisation: its weights replace
    the profile's weights from competencies.yaml from then on (see
    app/services/model_versions.py); results scored before keep the version they record.
    A `rejected` row only records the decision.
    """

    __tablename__ = "local_model_version"

    id: int | None = Field(default=None, primary_key=True)
    profile_id: str = Field(max_length=64)
    status: str = Field(max_length=20, description="accepted or rejected")
    base_version: str = Field(max_length=64, description="the model file's version then")
    weights: dict[str, float] = json_field()
    previous_weights: dict[str, float] = json_field()
    evidence: dict[str, Any] = json_field()
    decided_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = now_column()


class OrganisationInstrument(OrganisationScoped, table=True):
    """An instrument version that belongs to one organisation (app/services/catalogs.py).

    `kind` says what it is: `product_test`, the organisation's own product-knowledge test
    that fills a battery's `product_test` slot; or `calibrated`, a shipped instrument whose
    parameters `salesfit calibrate` estimated from the organisation's responses. `source` is
    the instrument file's YAML, validated like a shipped file before it is stored. The row
    in force is the newest one per instrument without `retired_at`; retired rows are kept,
    because results taken with them record their version and are scored with it.
    """

    __tablename__ = "organisation_instrument"

    id: int | None = Field(default=None, primary_key=True)
    instrument_id: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=20, description="product_test or calibrated")
    version: str = Field(max_length=64, description="content version: declared+sha256 prefix")
    source: str = Field(description="the instrument file (YAML) as validated")
    details: dict[str, Any] = json_field()
    created_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = now_column()
    retired_at: datetime | None = moment_column()
