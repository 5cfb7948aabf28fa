"""Test helpers for the staff directory's data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session

from app.models import KpiValue, Person
from app.services import kpis


def add_kpi_values(
    db: Session,
    person: Person,
    kpi_id: str,
    values: Sequence[float],
    *,
    newest: date | None = None,
) -> None:
    """Monthly values of one KPI, the last of them for `newest` (by default last month)."""
    last = newest or kpis.add_months(kpis.month_start(date.today()), -1)
    for back, value in enumerate(reversed(values)):
        start = kpis.add_months(last, -back)
        db.add(
            KpiValue(
                organisation_id=person.organisation_id,
                person_id=person.id or 0,
                kpi_id=kpi_id,
                period_start=start,
                period_end=kpis.month_end(start),
                value=value,
            )
        )
