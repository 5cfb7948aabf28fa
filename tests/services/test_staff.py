"""The staff directory: import by file (plan, then apply), people and teams one by one."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from datetime import date

import pytest
from sqlmodel import Session, select

from app.db import scope_to_organisation
from app.models import AuditEvent, Organisation, Person, PersonKind, Role, Team, User
from app.scoring.loader import Catalog
from app.services import staff
from app.services.csvfile import CP1251, UTF8, UTF8_BOM, UTF16, decode, read_csv
from app.services.errors import Conflict, Invalid
from app.services.people import add_person
from tests.factories import create_organisation, create_user

TODAY = date(2026, 11, 20)
HEADER = "full_name,email,team,manager_email,current_role,hire_date\n"


@dataclass
class Org:
    organisation: Organisation
    manager: User
    hr: User


@pytest.fixture
def org(db: Session) -> Org:
    organisation = create_organisation(db)
    manager = create_user(db, organisation=organisation, role=Role.manager, email="boss@acme.ru")
    hr = create_user(db, organisation=organisation, role=Role.hr, email="hr@acme.ru")
    scope_to_organisation(db, organisation.id or 0)
    return Org(organisation, manager, hr)


def plan(db: Session, catalog: Catalog, text: str | bytes) -> staff.StaffPlan:
    content = text.encode("utf-8") if isinstance(text, str) else text
    return staff.plan_staff_import(db, catalog.model.definition, content, today=TODAY)


def people(db: Session) -> dict[str, Person]:
    return {p.email or "": p for p in db.exec(select(Person))}


GOOD = (
    HEADER
    + "Анна Петрова,anna@acme.ru,Входящие продажи,boss@acme.ru,passive,2021-03-15\n"
    + "Иван Смирнов,IVAN@acme.ru,Входящие продажи,,passive,15.06.2022\n"
)


def test_an_import_is_planned_first_and_applied_only_when_asked(
    db: Session, catalog: Catalog, org: Org
) -> None:
    first = plan(db, catalog, GOOD)
    assert [e.email for e in first.added] == ["anna@acme.ru", "ivan@acme.ru"]
    assert first.new_teams == ["Входящие продажи"] and first.problems == []
    assert db.exec(select(Person)).all() == [] and db.exec(select(Team)).all() == []
    result = staff.apply_staff_plan(db, catalog.model.definition, first, actor_user_id=org.hr.id)
    db.commit()
    assert (result.added, result.changed, result.teams_created) == (2, 0, 1)
    found = people(db)
    team = db.exec(select(Team)).one()
    anna = found["anna@acme.ru"]
    assert (anna.kind, anna.team_id, anna.manager_id) == (
        PersonKind.employee,
        team.id,
        org.manager.id,
    )
    assert (anna.current_role, anna.hire_date) == ("passive", date(2021, 3, 15))
    assert found["ivan@acme.ru"].hire_date == date(2022, 6, 15)
    assert found["ivan@acme.ru"].manager_id is None
    actions = {e.action for e in db.exec(select(AuditEvent))}
    assert {"staff.added", "team.created"} <= actions


def test_reimporting_updates_never_duplicates_and_lists_each_change(
    db: Session, catalog: Catalog, org: Org
) -> None:
    staff.apply_staff_plan(db, catalog.model.definition, plan(db, catalog, GOOD))
    db.commit()
    again = plan(db, catalog, GOOD)
    assert again.added == [] and again.changed == [] and len(again.unchanged) == 2
    renamed = GOOD.replace(
        "Анна Петрова,anna@acme.ru,Входящие продажи", "Анна Сидорова,anna@acme.ru,Исходящие"
    )
    changed = plan(db, catalog, renamed)
    assert changed.added == [] and changed.new_teams == ["Исходящие"]
    [entry] = changed.changed
    assert [(c.column, c.old, c.new) for c in entry.changes] == [
        ("full_name", "Анна Петрова", "Анна Сидорова"),
        ("team", "Входящие продажи", "Исходящие"),
    ]
    # the plan changed nothing
    assert people(db)["anna@acme.ru"].full_name == "Анна Петрова"
    staff.apply_staff_plan(db, catalog.model.definition, changed)
    db.commit()
    found = people(db)
    assert len(found) == 2
    assert found["anna@acme.ru"].full_name == "Анна Сидорова"
    assert db.get(Team, found["anna@acme.ru"].team_id).name == "Исходящие"  # type: ignore[union-attr]


def test_changes_not_confirmed_are_left_alone(db: Session, catalog: Catalog, org: Org) -> None:
    staff.apply_staff_plan(db, catalog.model.definition, plan(db, catalog, GOOD))
    renamed = GOOD.replace("Анна Петрова", "Анна Б.").replace("Иван Смирнов", "Иван С.")
    result = staff.apply_staff_plan(
        db, catalog.model.definition, plan(db, catalog, renamed), confirmed={"ivan@acme.ru"}
    )
    assert (result.changed, result.skipped_changes) == (1, 1)
    found = people(db)
    assert found["anna@acme.ru"].full_name == "Анна Петрова"
    assert found["ivan@acme.ru"].full_name == "Иван С."


def test_a_candidate_named_in_the_directory_becomes_an_employee_once(
    db: Session, catalog: Catalog, org: Org
) -> None:
    candidate = add_person(db, full_name="Анна Петрова", email="anna@acme.ru", language="ru")
    assert candidate.kind == PersonKind.candidate
    checked = plan(db, catalog, GOOD)
    [entry] = checked.changed
    assert ("kind", "candidate", "employee") in {(c.column, c.old, c.new) for c in entry.changes}
    staff.apply_staff_plan(db, catalog.model.definition, checked)
    assert len(db.exec(select(Person).where(Person.email == "anna@acme.ru")).all()) == 1
    assert candidate.kind == PersonKind.employee


BAD = (
    HEADER
    + "Анна Петрова,anna@acme.ru,Входящие продажи,boss@acme.ru,passive,2021-03-15\n"
    + "Bad Manager,bm@acme.ru,Входящие продажи,nobody@acme.ru,hunter,2022-02-30\n"
    + ",not-an-email,Team,hr@acme.ru,active,2999-01-01\n"
    + "Анна Вторая,anna@acme.ru,,,,\n"
)


def test_every_bad_cell_is_reported_with_its_line_and_column(
    db: Session, catalog: Catalog, org: Org
) -> None:
    checked = plan(db, catalog, BAD)
    found = {(p.line, p.column) for p in checked.problems}
    assert found == {
        (3, "manager_email"),
        (3, "current_role"),
        (3, "hire_date"),
        (4, "full_name"),
        (4, "email"),
        (4, "manager_email"),
        (4, "hire_date"),
        (5, "email"),
    }
    messages = {(p.line, p.column): p.message for p in checked.problems}
    assert "nobody@acme.ru" in messages[(3, "manager_email")]
    assert (
        "hunter" in messages[(3, "current_role")]
        and "active, passive" in messages[(3, "current_role")]
    )
    assert "2022-02-30" in messages[(3, "hire_date")]
    assert "is not a manager" in messages[(4, "manager_email")]
    assert "future" in messages[(4, "hire_date")]
    assert "line 2" in messages[(5, "email")]
    assert checked.bad_lines == [3, 4, 5]
    assert [e.email for e in checked.added] == ["anna@acme.ru"]


def test_a_file_with_bad_rows_changes_nothing_unless_the_good_rows_are_chosen(
    db: Session, catalog: Catalog, org: Org
) -> None:
    checked = plan(db, catalog, BAD)
    with pytest.raises(Invalid, match="3 rows"):
        staff.apply_staff_plan(db, catalog.model.definition, checked)
    assert db.exec(select(Person)).all() == [] and db.exec(select(Team)).all() == []
    result = staff.apply_staff_plan(db, catalog.model.definition, checked, skip_invalid=True)
    assert (result.added, result.skipped_rows) == (1, 3)
    assert list(people(db)) == ["anna@acme.ru"]
    # the team only the bad rows named is not created
    assert [t.name for t in db.exec(select(Team))] == ["Входящие продажи"]


def test_an_archived_team_or_a_deactivated_manager_is_refused(
    db: Session, catalog: Catalog, org: Org
) -> None:
    team = staff.create_team(db, catalog.model.definition, name="Входящие продажи")
    staff.archive_team(db, team, archived=True)
    org.manager.is_active = False
    db.add(org.manager)
    checked = plan(db, catalog, GOOD)
    problems = {(p.line, p.column): p.message for p in checked.problems}
    assert "archived" in problems[(2, "team")] and "deactivated" in problems[(2, "manager_email")]


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (GOOD.encode("utf-8"), UTF8),
        (codecs.BOM_UTF8 + GOOD.encode("utf-8"), UTF8_BOM),
        (GOOD.replace(",", ";").encode("cp1251"), CP1251),
        (GOOD.replace(",", "\t").encode("utf-16"), UTF16),
    ],
)
def test_files_from_excel_are_read_in_their_encoding(
    db: Session, catalog: Catalog, org: Org, content: bytes, encoding: str
) -> None:
    checked = plan(db, catalog, content)
    assert checked.encoding == encoding
    assert checked.problems == []
    assert [e.full_name for e in checked.added] == ["Анна Петрова", "Иван Смирнов"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (GOOD.encode("koi8_r"), "neither UTF-8 nor Russian Windows-1251"),
        (b"PK\x03\x04" + b"\x00" * 40, "Excel workbook"),
        (b"\x00\x01\x02", "not a text file"),
        (b"", "empty"),
        (b"full_name,email,tema\nA,a@acme.ru,x\n", "Unknown column tema"),
        (b"full_name,team\nA,x\n", "lacks the column email"),
        (b"full_name,email,email\nA,a@acme.ru,b@acme.ru\n", "appears twice"),
        (HEADER.encode(), "no rows"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(
    db: Session, catalog: Catalog, org: Org, content: bytes, message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        plan(db, catalog, content)


def test_a_row_with_too_many_cells_is_a_problem_of_its_line() -> None:
    table = read_csv(
        b'full_name,email\n"Petrova, Anna",a@acme.ru\nPetrova, Anna,a@acme.ru\n',
        required=["full_name", "email"],
    )
    assert [r.values["full_name"] for r in table.rows] == ["Petrova, Anna"]
    assert [(p.line, p.column) for p in table.problems] == [(3, None)]
    assert "3 cells" in table.problems[0].message


def test_windows_1251_is_told_apart_from_other_single_byte_encodings() -> None:
    assert decode("Иван Петров;Отдел продаж".encode("cp1251"))[1] == CP1251
    with pytest.raises(Invalid):
        decode("Иван Петров;Отдел продаж".encode("koi8_r"))


def test_people_and_teams_one_by_one(db: Session, catalog: Catalog, org: Org) -> None:
    model = catalog.model.definition
    team = staff.create_team(db, model, name="Исходящие", sales_mode="active", manager=org.manager)
    with pytest.raises(Invalid, match="already a team"):
        staff.create_team(db, model, name=" исходящие ")
    with pytest.raises(Invalid, match="Unknown role"):
        staff.create_team(db, model, name="Другая", sales_mode="hunting")
    person = staff.create_staff_person(
        db,
        staff.StaffValues(full_name="Анна", email="anna@acme.ru", team=team, current_role="active"),
    )
    with pytest.raises(Conflict, match="already has the e-mail"):
        staff.create_staff_person(db, staff.StaffValues(full_name="Б", email="anna@acme.ru"))
    with pytest.raises(Conflict, match="still in this team"):
        staff.archive_team(db, team, archived=True)
    staff.archive_person(db, person, archived=True)
    staff.archive_team(db, team, archived=True)
    assert team.archived_at is not None and person.archived_at is not None
    assert staff.list_teams(db) == []
    assert staff.list_people(db, kind="employee").total == 0
    assert staff.list_people(db, archived=True).people == [person]
    with pytest.raises(Invalid, match="not a manager"):
        staff.manager_by_email(db, "hr@acme.ru")


def test_the_list_is_filtered_searched_and_paged(db: Session, catalog: Catalog, org: Org) -> None:
    model = catalog.model.definition
    team = staff.create_team(db, model, name="A")
    for i in range(12):
        staff.create_staff_person(
            db,
            staff.StaffValues(
                full_name=f"Person {i:02d}", email=f"p{i}@acme.ru", team=team if i % 2 else None
            ),
        )
    page = staff.list_people(db, team_id=team.id, limit=4, offset=4)
    assert page.total == 6
    assert [p.full_name for p in page.people] == ["Person 09", "Person 11"]
    assert staff.list_people(db, query="p1").total == 3  # p1, p10, p11 by e-mail
    assert staff.list_people(db, query="PERSON 0").total == 10
    assert staff.list_people(db, query="%").total == 0  # a wildcard is a character here


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2021-03-05", date(2021, 3, 5)), ("5.3.2021", date(2021, 3, 5)), ("", None)],
)
def test_hire_dates(text: str, expected: date | None) -> None:
    assert staff.parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text", ["2021/03/05", "31.02.2021", "1949-12-31", "2026-11-21", "yesterday"]
)
def test_impossible_hire_dates(text: str) -> None:
    with pytest.raises(Invalid):
        staff.parse_date(text, today=TODAY)
