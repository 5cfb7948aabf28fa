"""Targets a head of sales sets for the KPIs (values are `assessments.KpiValue`)."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.db import OrganisationScoped
from app.models._fields import now_column


class KpiTarget(OrganisationScoped, table=True):
    """The value one KPI should reach per period, for one team or (team_id NULL) for the
    whole organisation. A team's own target wins over the organisation's."""

    __tablename__ = "kpi_target"
    __table_args__ = (UniqueConstraint("organisation_id", "team_id", "kpi_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True, ondelete="CASCADE")
    kpi_id: str = Field(max_length=64)
    value: float
    set_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    updated_at: datetime = now_column()
