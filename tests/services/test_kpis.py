"""KPIs: each row checked, targets, the window and attainment (hand-computed)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from app.db import scope_to_organisation
from app.models import KpiTarget, KpiValue, Person
from app.scoring.loader import Catalog
from app.services import kpis, staff
from app.services.errors import Invalid
from tests.directory_factories import add_kpi_values
from tests.factories import create_organisation

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("kpi", "raw", "expected"),
    [
        ("contacts_made", "120", 120.0),
        ("close_rate", "12,5", 12.5),
        ("close_rate", "45%", 45.0),
        ("close_rate", 100, 100.0),
        ("average_deal_size", "1 250 000", 1_250_000.0),
        ("request_response_hours", 0, 0.0),
    ],
)
def test_values_in_the_kpis_unit_are_accepted(
    catalog: Catalog, kpi: str, raw: object, expected: float
) -> None:
    model = catalog.model.definition
    assert kpis.check_value(kpi, model.kpis[kpi], raw) == expected


@pytest.mark.parametrize(
    ("kpi", "raw", "message"),
    [
        ("close_rate", "120", "share in percent"),
        ("close_rate", "0.5.1", "not a number"),
        ("contacts_made", "12.5", "whole number"),
        ("contacts_made", "-1", "from 0"),
        ("deal_velocity_days", "nan", "not a number"),
        ("customer_satisfaction", True, "not a number"),
        ("successful_presentation_share", "", "not a number"),
    ],
)
def test_values_outside_the_kpis_unit_are_refused(
    catalog: Catalog, kpi: str, raw: object, message: str
) -> None:
    model = catalog.model.definition
    with pytest.raises(Invalid, match=message):
        kpis.check_value(kpi, model.kpis[kpi], raw)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "not a month"),
        ("03.2026", "not a month"),
        ("2026-12", "not begun"),
        ("1999-12", "before 2000"),
    ],
)
def test_periods(text: str, message: str) -> None:
    assert kpis.parse_period("2026-11", today=TODAY) == date(2026, 11, 1)
    with pytest.raises(Invalid, match=message):
        kpis.parse_period(text, today=TODAY)


def test_attainment_follows_the_direction_and_is_capped(catalog: Catalog) -> None:
    model = catalog.model.definition
    assert kpis.attainment(model.kpis["close_rate"], 15, 20) == 0.75
    assert kpis.attainment(model.kpis["request_response_hours"], 3, 4) == pytest.approx(4 / 3)
    assert kpis.attainment(model.kpis["close_rate"], 90, 20) == 2.0
    assert kpis.attainment(model.kpis["request_response_hours"], 0, 4) == 2.0
    assert kpis.attainment(model.kpis["close_rate"], 10, 0) is None


def _value(db: Session, person: Person, kpi: str, month: str, value: float) -> None:
    add_kpi_values(db, person, kpi, [value], newest=kpis.parse_period(month, today=TODAY))


def test_the_window_targets_and_overall_attainment(db: Session, catalog: Catalog) -> None:
    model = catalog.model.definition
    organisation = create_organisation(db)
    scope_to_organisation(db, organisation.id or 0)
    team = staff.create_team(db, model, name="Исходящие", sales_mode="active")
    other = staff.create_team(db, model, name="Другие", sales_mode="active")
    ann = staff.create_staff_person(db, staff.StaffValues(full_name="A", email="a@x.ru", team=team))
    bob = staff.create_staff_person(
        db, staff.StaffValues(full_name="B", email="b@x.ru", team=other)
    )
    # June to September; the window of a quarter ends with the newest month: July-September
    for month, a, b in [
        ("2026-06", 0, 0),
        ("2026-07", 10, 30),
        ("2026-08", 20, 30),
        ("2026-09", 30, 30),
    ]:
        _value(db, ann, "close_rate", month, a)
        _value(db, bob, "close_rate", month, b)
    _value(db, ann, "customer_satisfaction", "2026-09", 50)  # a passive KPI: apart
    db.flush()
    span = kpis.window(db, 3, today=TODAY)
    assert (span.start, span.end) == (date(2026, 7, 1), date(2026, 9, 1))
    kpis.set_targets(db, model, team=None, values={"close_rate": "40"})
    kpis.set_targets(db, model, team=team, values={"close_rate": "25"})
    table = kpis.kpi_table(
        db, model, [(ann.id or 0, team.id, "active"), (bob.id or 0, other.id, "active")], span
    )
    cell = table[ann.id or 0].cells["close_rate"]
    assert (cell.mean, cell.months, cell.target, cell.reference) == (20, 3, 25, "team")
    assert cell.attainment == 0.8
    bob_cell = table[bob.id or 0].cells["close_rate"]
    assert (bob_cell.target, bob_cell.reference, bob_cell.attainment) == (40, "organisation", 0.75)
    # no target for satisfaction: against the organisation's median (Ann's 50 alone)
    assert table[ann.id or 0].cells["customer_satisfaction"].reference == "median"
    assert table[ann.id or 0].overall(model) == 0.8  # the passive KPI is not mixed in
    # an empty value removes the team's own target: the organisation's applies again
    kpis.set_targets(db, model, team=team, values={"close_rate": ""})
    assert [t.team_id for t in db.exec(select(KpiTarget))] == [None]
    with pytest.raises(Invalid, match="0 to 100"):
        kpis.set_targets(
            db,
            model,
            team=team,
            values={"close_rate": "30", "successful_presentation_share": "130"},
        )
    assert [t.team_id for t in db.exec(select(KpiTarget))] == [None]


def test_a_file_row_before_the_hire_date_or_repeated_is_refused(
    db: Session, catalog: Catalog
) -> None:
    model = catalog.model.definition
    organisation = create_organisation(db)
    scope_to_organisation(db, organisation.id or 0)
    staff.create_staff_person(
        db, staff.StaffValues(full_name="A", email="a@x.ru", hire_date=date(2026, 3, 10))
    )
    plan = kpis.plan_kpi_file(
        db,
        model,
        b"email;period;kpi;value\na@x.ru;2026-02;close_rate;10\na@x.ru;2026-03;close_rate;10\n"
        b"A@X.RU;2026-03;close_rate;12\n",
        today=TODAY,
    )
    assert [(p.line, p.column) for p in plan.problems] == [(2, "period"), (4, "period")]
    assert "hired" in plan.problems[0].message and "line 3" in plan.problems[1].message
    assert [e.line for e in plan.new] == [3]
    with pytest.raises(Invalid):
        kpis.apply_kpi_plan(db, plan)
    assert db.exec(select(KpiValue)).all() == []
    kpis.apply_kpi_plan(db, plan, skip_invalid=True)
    assert [v.value for v in db.exec(select(KpiValue))] == [10]
