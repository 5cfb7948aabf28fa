"""The staff directory: people with their team, manager, current role and hire date; teams
with their manager. Added and changed one by one (pages, API) or from a CSV file.

A person is identified by e-mail: importing a file again updates the people it names and
never duplicates them. An import is planned first (`plan_staff_import`: what would be added,
what would change, what is wrong, row by row and column by column) and applied only when
asked (`apply_staff_plan`); a plan with any bad row is applied only with `skip_invalid`, and
then only its good rows. Empty cells leave the stored value as it is.

A manager is a user with the manager role. Archiving keeps a person's or a team's history
(assessments, KPIs) but leaves them out of lists, the team map, the planner and validation.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db import utcnow
from app.i18n import gettext as _
from app.models import (
    Campaign,
    Invitation,
    ManagerRating,
    Person,
    PersonKind,
    Role,
    ScoreSnapshot,
    Team,
    User,
)
from app.scoring.definitions import CompetencyModel
from app.scoring.loader import Catalog
from app.services.audit import record_event
from app.services.csvfile import ImportPlan, RowChecks, read_csv
from app.services.errors import Conflict, Invalid, NotFound
from app.services.kpis import (
    DEFAULT_MONTHS,
    PersonKpis,
    Target,
    Window,
    kpi_table,
    targets_for,
    window,
)
from app.services.people import clean_email
from app.services.results import latest_results
from app.services.reviews import rating_instruments
from app.services.teams import FitNow

STAFF_COLUMNS = ("full_name", "email", "team", "manager_email", "current_role", "hire_date")
REQUIRED_COLUMNS = STAFF_COLUMNS[:2]
EARLIEST_HIRE = date(1950, 1, 1)
_RU_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")

# ----------------------------------------------------------------------------- checks


def clean_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise Invalid(_("The full name is empty."), field="full_name")
    if len(name) > 200:
        raise Invalid(_("The full name is longer than 200 characters."), field="full_name")
    return name


def clean_team_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise Invalid(_("The team's name is empty."), field="name")
    if len(name) > 200:
        raise Invalid(_("The team's name is longer than 200 characters."), field="name")
    return name


def clean_role(model: CompetencyModel, value: str | None) -> str | None:
    """A profile id of the model (e.g. active, passive), or None for an empty value."""
    if value is None or not value.strip():
        return None
    role = value.strip().lower()
    if role not in model.profiles:
        raise Invalid(
            _("Unknown role “%(value)s”; use one of: %(roles)s.")
            % {"value": value.strip(), "roles": ", ".join(model.profiles)},
            field="current_role",
        )
    return role


def parse_date(value: str | None, *, today: date | None = None) -> date | None:
    """A hire date written YYYY-MM-DD or DD.MM.YYYY; None for an empty value."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    found = _ISO_DATE.match(text)
    parts: tuple[int, int, int] | None = None
    if found:
        parts = (int(found[1]), int(found[2]), int(found[3]))
    elif found := _RU_DATE.match(text):
        parts = (int(found[3]), int(found[2]), int(found[1]))
    if parts is None:
        raise Invalid(
            _("“%(value)s” is not a date; write it as YYYY-MM-DD (or DD.MM.YYYY).")
            % {"value": text},
            field="hire_date",
        )
    try:
        day = date(*parts)
    except ValueError:
        raise Invalid(
            _("“%(value)s” is not a date that exists.") % {"value": text}, field="hire_date"
        ) from None
    today = today or utcnow().date()
    if day > today:
        raise Invalid(
            _("The hire date %(value)s lies in the future.") % {"value": day.isoformat()},
            field="hire_date",
        )
    if day < EARLIEST_HIRE:
        raise Invalid(
            _("The hire date %(value)s is before %(earliest)s.")
            % {"value": day.isoformat(), "earliest": EARLIEST_HIRE.isoformat()},
            field="hire_date",
        )
    return day


def managers(session: Session) -> list[User]:
    """The organisation's active users with the manager role, by name."""
    return list(
        session.exec(
            select(User)
            .where(User.role == Role.manager, col(User.is_active).is_(True))
            .order_by(col(User.full_name), col(User.email))
        )
    )


def manager_by_email(session: Session, email: str, *, field_name: str = "manager_email") -> User:
    """The manager with this e-mail in the organisation, or Invalid saying why not."""
    address = clean_email(email)
    user = session.exec(select(User).where(User.email == address)).first()
    if user is None:
        raise Invalid(
            _("No user of this organisation has the e-mail %(email)s; add the manager first.")
            % {"email": address},
            field=field_name,
        )
    return _check_manager(user, field_name)


def manager_by_id(session: Session, user_id: int, *, field_name: str = "manager_id") -> User:
    user = session.exec(select(User).where(User.id == user_id)).first()
    if user is None:
        raise Invalid(_("There is no such manager."), field=field_name)
    return _check_manager(user, field_name)


def _check_manager(user: User, field_name: str) -> User:
    if user.role != Role.manager:
        raise Invalid(
            _("%(email)s is not a manager; give them the manager role or choose a manager.")
            % {"email": user.email},
            field=field_name,
        )
    if not user.is_active:
        raise Invalid(
            _("%(email)s is deactivated; choose an active manager.") % {"email": user.email},
            field=field_name,
        )
    return user


def find_team(session: Session, team_id: int) -> Team:
    team = session.exec(select(Team).where(Team.id == team_id)).first()
    if team is None:
        raise NotFound(_("There is no team with the number %(id)s.") % {"id": team_id})
    return team


def team_by_name(session: Session, name: str) -> Team | None:
    """The team with this name, ignoring case and extra spaces."""
    wanted = " ".join(name.split()).casefold()
    for team in session.exec(select(Team)):
        if team.name.casefold() == wanted:
            return team
    return None


def find_person(session: Session, person_id: int) -> Person:
    person = session.exec(select(Person).where(Person.id == person_id)).first()
    if person is None or person.anonymised_at is not None:
        raise NotFound(_("There is no such person."))
    return person


def person_by_email(session: Session, email: str) -> Person | None:
    """The organisation's person with this e-mail (the oldest, should there be two)."""
    return session.exec(
        select(Person)
        .where(Person.email == email, col(Person.anonymised_at).is_(None))
        .order_by(col(Person.id))
    ).first()


# ----------------------------------------------------------------------------- teams


def list_teams(session: Session, *, include_archived: bool = False) -> list[tuple[Team, int]]:
    """Teams by name with the number of (not archived) staff in each."""
    counts = dict(
        session.exec(
            select(Person.team_id, func.count())
            .where(
                Person.kind == PersonKind.employee,
                col(Person.archived_at).is_(None),
                col(Person.anonymised_at).is_(None),
            )
            .group_by(col(Person.team_id))
        ).all()
    )
    statement = select(Team).order_by(func.lower(Team.name), col(Team.id))
    if not include_archived:
        statement = statement.where(col(Team.archived_at).is_(None))
    return [(team, int(counts.get(team.id, 0))) for team in session.exec(statement)]


def _unique_team_name(session: Session, name: str, team: Team | None = None) -> None:
    other = team_by_name(session, name)
    if other is not None and (team is None or other.id != team.id):
        raise Invalid(
            _("There is already a team called “%(name)s”.") % {"name": other.name}, field="name"
        )


def create_team(
    session: Session,
    model: CompetencyModel,
    *,
    name: str,
    sales_mode: str | None = None,
    manager: User | None = None,
    actor_user_id: int | None = None,
) -> Team:
    """A new team; Invalid naming the field when the name is taken or a value is wrong."""
    name = clean_team_name(name)
    _unique_team_name(session, name)
    team = Team(
        name=name,
        sales_mode=clean_role(model, sales_mode),
        manager_id=manager.id if manager else None,
    )
    session.add(team)
    session.flush()
    _audit(session, team.organisation_id, actor_user_id, "team.created", "team", team.id, name=name)
    return team


def update_team(
    session: Session,
    model: CompetencyModel,
    team: Team,
    *,
    name: str,
    sales_mode: str | None,
    manager: User | None,
    actor_user_id: int | None = None,
) -> Team:
    name = clean_team_name(name)
    _unique_team_name(session, name, team)
    team.name, team.sales_mode = name, clean_role(model, sales_mode)
    team.manager_id = manager.id if manager else None
    session.add(team)
    session.flush()
    _audit(session, team.organisation_id, actor_user_id, "team.changed", "team", team.id, name=name)
    return team


def archive_team(
    session: Session, team: Team, *, archived: bool, actor_user_id: int | None = None
) -> Team:
    """Archive a team without staff left in it (move them first), or restore it."""
    if archived and team.archived_at is None:
        left = session.exec(
            select(func.count())
            .select_from(Person)
            .where(
                Person.team_id == team.id,
                col(Person.archived_at).is_(None),
                col(Person.anonymised_at).is_(None),
            )
        ).one()
        if left:
            raise Conflict(
                _("%(count)s people are still in this team; move or archive them first.")
                % {"count": left}
            )
        team.archived_at = utcnow()
    elif not archived:
        team.archived_at = None
    session.add(team)
    action = "team.archived" if archived else "team.restored"
    _audit(session, team.organisation_id, actor_user_id, action, "team", team.id)
    return team


# ----------------------------------------------------------------------------- people


@dataclass(frozen=True)
class StaffValues:
    """Checked values for a person of the directory; None means "leave as it is"."""

    full_name: str | None = None
    email: str | None = None
    team: Team | None = None
    clear_team: bool = False
    manager: User | None = None
    clear_manager: bool = False
    current_role: str | None = None
    clear_role: bool = False
    hire_date: date | None = None
    clear_hire_date: bool = False
    kind: PersonKind | None = None  # employee: a candidate was hired


def _check_email_free(session: Session, email: str, person: Person | None) -> None:
    other = person_by_email(session, email)
    if other is not None and (person is None or other.id != person.id):
        raise Conflict(
            _("Another person already has the e-mail %(email)s (number %(id)s).")
            % {"email": email, "id": other.id},
            field="email",
        )


def _describe(person: Person) -> dict[str, Any]:
    return {
        "kind": str(person.kind),
        "full_name": person.full_name,
        "email": person.email,
        "team_id": person.team_id,
        "manager_id": person.manager_id,
        "current_role": person.current_role,
        "hire_date": person.hire_date.isoformat() if person.hire_date else None,
    }


def create_staff_person(
    session: Session, values: StaffValues, *, actor_user_id: int | None = None
) -> Person:
    """A new employee in the directory; Conflict when the e-mail is already someone's."""
    if not values.full_name or not values.email:
        raise Invalid(_("The full name and the e-mail are required."), field="full_name")
    _check_email_free(session, values.email, None)
    person = Person(kind=PersonKind.employee, full_name=values.full_name, email=values.email)
    _assign(person, values)
    session.add(person)
    session.flush()
    _audit(
        session,
        person.organisation_id,
        actor_user_id,
        "staff.added",
        "person",
        person.id,
        **_describe(person),
    )
    return person


def update_staff_person(
    session: Session, person: Person, values: StaffValues, *, actor_user_id: int | None = None
) -> Person:
    """Change what `values` gives (`kind=employee` records that a candidate was hired)."""
    if values.email is not None and values.email != person.email:
        _check_email_free(session, values.email, person)
    before = _describe(person)
    _assign(person, values)
    session.add(person)
    session.flush()
    after = _describe(person)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changed:
        _audit(
            session,
            person.organisation_id,
            actor_user_id,
            "staff.changed",
            "person",
            person.id,
            changes=changed,
        )
    return person


def _assign(person: Person, values: StaffValues) -> None:
    if values.full_name is not None:
        person.full_name = values.full_name
    if values.email is not None:
        person.email = values.email
    if values.team is not None:
        person.team_id = values.team.id
    elif values.clear_team:
        person.team_id = None
    if values.manager is not None:
        person.manager_id = values.manager.id
    elif values.clear_manager:
        person.manager_id = None
    if values.current_role is not None:
        person.current_role = values.current_role
    elif values.clear_role:
        person.current_role = None
    if values.hire_date is not None:
        person.hire_date = values.hire_date
    elif values.clear_hire_date:
        person.hire_date = None
    if values.kind is not None:
        person.kind = values.kind


def archive_person(
    session: Session, person: Person, *, archived: bool, actor_user_id: int | None = None
) -> Person:
    """Archive (left the company; history kept) or restore a person."""
    person.archived_at = (person.archived_at or utcnow()) if archived else None
    session.add(person)
    action = "staff.archived" if archived else "staff.restored"
    _audit(session, person.organisation_id, actor_user_id, action, "person", person.id)
    return person


@dataclass(frozen=True)
class StaffPage:
    people: list[Person]
    total: int


def list_people(
    session: Session,
    *,
    team_id: int | None = None,
    kind: str | None = None,
    query: str | None = None,
    archived: bool = False,
    manager_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> StaffPage:
    """People by name, filtered; `total` counts every match, `people` is one page of them."""
    from app.services.reviews import managed_by

    conditions: list[Any] = [col(Person.anonymised_at).is_(None)]
    conditions.append(
        col(Person.archived_at).is_not(None) if archived else col(Person.archived_at).is_(None)
    )
    if team_id is not None:
        conditions.append(col(Person.team_id) == team_id)
    if kind is not None:
        conditions.append(col(Person.kind) == kind)
    if manager_id is not None:
        conditions.append(managed_by(manager_id))
    order = (func.lower(Person.full_name), col(Person.id))
    if query and query.strip():
        # Matched in Python: SQLite's lower() knows only ASCII, and names are Cyrillic.
        wanted = query.strip().casefold()
        rows = session.exec(
            select(Person.id, Person.full_name, Person.email).where(*conditions).order_by(*order)
        ).all()
        ids = [
            person_id
            for person_id, name, email in rows
            if wanted in name.casefold() or wanted in (email or "").casefold()
        ]
        chosen = ids[offset : offset + limit]
        found = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(chosen)))}
        return StaffPage([found[i] for i in chosen], len(ids))
    total = session.exec(select(func.count()).select_from(Person).where(*conditions)).one()
    people = session.exec(
        select(Person).where(*conditions).order_by(*order).offset(offset).limit(limit)
    ).all()
    return StaffPage(list(people), int(total))


# ----------------------------------------------------------------------------- import


@dataclass(frozen=True)
class FieldChange:
    column: str  # a CSV column, or "kind" / "archived"
    old: str
    new: str


@dataclass(frozen=True)
class StaffEntry:
    """One good row of the file and what it would do."""

    line: int
    email: str
    full_name: str
    team: str | None  # the team's name (an existing team's own spelling)
    manager_email: str | None
    current_role: str | None
    hire_date: date | None
    person_id: int | None  # None: a new person
    changes: tuple[FieldChange, ...] = ()

    def key(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "email": self.email,
            "person": self.person_id,
            "changes": [[c.column, c.old, c.new] for c in self.changes],
        }


@dataclass
class StaffPlan(ImportPlan):
    """What importing a directory file would do, before anything is changed."""

    added: list[StaffEntry] = field(default_factory=list)
    changed: list[StaffEntry] = field(default_factory=list)
    unchanged: list[StaffEntry] = field(default_factory=list)
    new_teams: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.added) + len(self.changed) + len(self.unchanged) + super().rows

    def digest(self) -> str:
        return self.fingerprint(
            {
                "added": [e.key() for e in self.added],
                "changed": [e.key() for e in self.changed],
                "teams": self.new_teams,
            }
        )


def plan_staff_import(
    session: Session, model: CompetencyModel, content: bytes, *, today: date | None = None
) -> StaffPlan:
    """Read and check a directory file; say what it would add and change. Changes nothing.

    Invalid when the file cannot be read at all (encoding, header); a bad cell is a problem
    of its row and column, and its row does nothing.
    """
    table = read_csv(content, required=REQUIRED_COLUMNS, optional=STAFF_COLUMNS[2:])
    plan = StaffPlan(table.encoding, problems=list(table.problems))
    teams = {team.name.casefold(): team for team in session.exec(select(Team))}
    users = {user.email: user for user in session.exec(select(User))}
    team_names = {team.id or 0: team.name for team in teams.values()}
    manager_emails = {user.id or 0: user.email for user in users.values()}
    seen: dict[str, int] = {}
    for row in table.rows:
        values = row.values
        cells = RowChecks(row.line)
        check = cells.check
        name = check("full_name", clean_name, values["full_name"])
        email = check("email", clean_email, values["email"])
        if email and email in seen:
            cells.add(
                "email",
                _("%(email)s is already on line %(line)s.") % {"email": email, "line": seen[email]},
            )
        elif email:
            seen[email] = row.line
        team_name = " ".join(values["team"].split()) or None
        if team_name:
            existing = teams.get(team_name.casefold())
            if existing is not None and existing.archived_at is not None:
                cells.add(
                    "team",
                    _("The team “%(name)s” is archived; restore it on its page first.")
                    % {"name": existing.name},
                )
            elif existing is not None:
                team_name = existing.name
            elif len(team_name) > 200:
                cells.add("team", _("The team's name is longer than 200 characters."))
        manager_email = None
        if values["manager_email"]:
            manager_email = check("manager_email", clean_email, values["manager_email"])
            if manager_email:
                user = users.get(manager_email)
                if user is None:
                    cells.add(
                        "manager_email",
                        _("No user has the e-mail %(email)s; add the manager first.")
                        % {"email": manager_email},
                    )
                else:
                    check("manager_email", _check_manager, user, "manager_email")
        role = check("current_role", clean_role, model, values["current_role"])
        hired = check("hire_date", lambda text: parse_date(text, today=today), values["hire_date"])
        if cells.problems or name is None or email is None:
            plan.problems.extend(cells.problems)
            continue
        person = person_by_email(session, email)
        entry = StaffEntry(
            line=row.line,
            email=email,
            full_name=name,
            team=team_name,
            manager_email=manager_email,
            current_role=role,
            hire_date=hired,
            person_id=person.id if person else None,
        )
        if team_name and team_name.casefold() not in teams and team_name not in plan.new_teams:
            plan.new_teams.append(team_name)
        if person is None:
            plan.added.append(entry)
            continue
        changes = _changes(person, entry, team_names, manager_emails)
        if changes:
            plan.changed.append(replace(entry, changes=tuple(changes)))
        else:
            plan.unchanged.append(entry)
    plan.problems.sort(key=lambda p: (p.line, STAFF_COLUMNS.index(p.column) if p.column else -1))
    return plan


def _changes(
    person: Person, entry: StaffEntry, teams: dict[int, str], emails: dict[int, str]
) -> list[FieldChange]:
    out = []
    if person.full_name != entry.full_name:
        out.append(FieldChange("full_name", person.full_name, entry.full_name))
    current_team = teams.get(person.team_id) if person.team_id else None
    if entry.team and entry.team != current_team:
        out.append(FieldChange("team", current_team or "", entry.team))
    current_manager = emails.get(person.manager_id) if person.manager_id else None
    if entry.manager_email and entry.manager_email != current_manager:
        out.append(FieldChange("manager_email", current_manager or "", entry.manager_email))
    if entry.current_role and entry.current_role != person.current_role:
        out.append(FieldChange("current_role", person.current_role or "", entry.current_role))
    if entry.hire_date and entry.hire_date != person.hire_date:
        out.append(
            FieldChange(
                "hire_date",
                person.hire_date.isoformat() if person.hire_date else "",
                entry.hire_date.isoformat(),
            )
        )
    if person.kind != PersonKind.employee:
        out.append(FieldChange("kind", str(person.kind), PersonKind.employee.value))
    if person.archived_at is not None:
        out.append(FieldChange("archived", "yes", "no"))
    return out


@dataclass(frozen=True)
class StaffImportResult:
    added: int
    changed: int
    skipped_changes: int
    teams_created: int
    skipped_rows: int


def apply_staff_plan(
    session: Session,
    model: CompetencyModel,
    plan: StaffPlan,
    *,
    skip_invalid: bool = False,
    confirmed: Collection[str] | None = None,
    actor_user_id: int | None = None,
) -> StaffImportResult:
    """Apply a plan: add the new people and make the changes (only those of the e-mails in
    `confirmed`, when given). A plan with bad rows is refused (Invalid, nothing changed)
    unless `skip_invalid`, which applies the good rows only."""
    if plan.problems and not skip_invalid:
        raise Invalid(
            _(
                "%(count)s rows of the file have problems, so nothing was imported. Correct "
                "them, or choose to import only the good rows."
            )
            % {"count": len(plan.bad_lines)}
        )
    changes = [e for e in plan.changed if confirmed is None or e.email in confirmed]
    wanted = {e.team for e in [*plan.added, *changes] if e.team}
    created: dict[str, Team] = {}
    for name in plan.new_teams:
        if name in wanted:
            created[name] = create_team(session, model, name=name, actor_user_id=actor_user_id)
    teams = {team.name: team for team in session.exec(select(Team))}
    users = {user.email: user for user in session.exec(select(User))}

    def values_of(entry: StaffEntry) -> StaffValues:
        return StaffValues(
            full_name=entry.full_name,
            email=entry.email,
            team=teams[entry.team] if entry.team else None,
            manager=users[entry.manager_email] if entry.manager_email else None,
            current_role=entry.current_role,
            hire_date=entry.hire_date,
            kind=PersonKind.employee,
        )

    for entry in plan.added:
        create_staff_person(session, values_of(entry), actor_user_id=actor_user_id)
    for entry in changes:
        person = find_person(session, entry.person_id or 0)
        update_staff_person(session, person, values_of(entry), actor_user_id=actor_user_id)
        if person.archived_at is not None:
            archive_person(session, person, archived=False, actor_user_id=actor_user_id)
    session.flush()
    return StaffImportResult(
        added=len(plan.added),
        changed=len(changes),
        skipped_changes=len(plan.changed) - len(changes),
        teams_created=len(created),
        skipped_rows=len(plan.bad_lines),
    )


def _audit(
    session: Session,
    organisation_id: int | None,
    actor_user_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    **details: Any,
) -> None:
    record_event(
        session,
        organisation_id=organisation_id or 0,
        actor="user" if actor_user_id else "system",
        actor_user_id=actor_user_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details={
            k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in details.items()
        },
    )


# ----------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Assessment:
    """A completed assessment of a person, for their page."""

    invitation: Invitation
    campaign: Campaign
    snapshot: ScoreSnapshot | None
    rating_due: bool  # the battery has a manager rating
    rated: bool


def assessments_of(session: Session, catalog: Catalog, person: Person) -> list[Assessment]:
    """The person's completed assessments, newest first, with their latest result."""
    return assessments_by_person(session, catalog, [person.id or 0]).get(person.id or 0, [])


def assessments_by_person(
    session: Session, catalog: Catalog, person_ids: Sequence[int]
) -> dict[int, list[Assessment]]:
    if not person_ids:
        return {}
    rows = session.exec(
        select(Invitation, Campaign)
        .join(Campaign, col(Campaign.id) == col(Invitation.campaign_id))
        .where(
            col(Invitation.person_id).in_(list(person_ids)),
            col(Invitation.completed_at).is_not(None),
            col(Invitation.revoked_at).is_(None),
        )
        .order_by(col(Invitation.completed_at).desc(), col(Invitation.id).desc())
    ).all()
    ids = [invitation.id or 0 for invitation, _campaign in rows]
    snapshots = latest_results(session, ids)
    rated = set(
        session.exec(
            select(ManagerRating.invitation_id).where(col(ManagerRating.invitation_id).in_(ids))
        ).all()
    )
    out: dict[int, list[Assessment]] = {}
    for invitation, campaign in rows:
        out.setdefault(invitation.person_id, []).append(
            Assessment(
                invitation,
                campaign,
                snapshots.get(invitation.id or 0),
                bool(rating_instruments(catalog, campaign)),
                invitation.id in rated,
            )
        )
    return out


@dataclass(frozen=True)
class MemberRow:
    person: Person
    role: str | None
    fit: FitNow | None  # for the person's current role
    recommendation: str | None
    assessed: bool
    kpis: PersonKpis
    attainment: float | None  # overall, over the KPIs of the person's role
    to_rate: Assessment | None  # the latest assessment with a manager rating


@dataclass(frozen=True)
class TeamOverview:
    team: Team
    manager: User | None
    window: Window
    members: list[MemberRow]
    active_kpis: list[str]
    passive_kpis: list[str]
    targets: dict[str, Target]
    averages: dict[str, tuple[float, int]]  # KPI -> (mean of the members' means, people)

    @property
    def assessed(self) -> int:
        return sum(1 for m in self.members if m.assessed)

    @property
    def with_kpis(self) -> int:
        return sum(1 for m in self.members if m.kpis.cells)


def team_overview(
    session: Session, catalog: Catalog, team: Team, *, months: int = DEFAULT_MONTHS
) -> TeamOverview:
    """A team's people with their fit for their current role, KPIs against the targets over
    the window, and whom their manager can rate."""
    from app.services.teams import team_map

    model = catalog.model.definition
    found = team_map(session, catalog, team_id=team.id)
    people = {
        p.id: p
        for p in session.exec(
            select(Person).where(col(Person.id).in_([r.member.person_id for r in found.rows]))
        )
    }
    span = window(session, months)
    table = kpi_table(
        session,
        model,
        [(r.member.person_id, r.member.team_id, r.member.current_role) for r in found.rows],
        span,
    )
    assessments = assessments_by_person(session, catalog, [p for p in people if p])
    members = []
    for row in found.rows:
        member = row.member
        person_kpis = table[member.person_id]
        rateable = [a for a in assessments.get(member.person_id, []) if a.rating_due]
        role = member.current_role
        members.append(
            MemberRow(
                person=people[member.person_id],
                role=role,
                fit=row.fits.get(role) if role else None,
                recommendation=row.recommendation,
                assessed=member.assessed,
                kpis=person_kpis,
                attainment=person_kpis.overall(model),
                to_rate=rateable[0] if rateable else None,
            )
        )
    averages: dict[str, tuple[float, int]] = {}
    for kpi_id in model.kpis:
        means = [m.kpis.cells[kpi_id].mean for m in members if kpi_id in m.kpis.cells]
        if means:
            averages[kpi_id] = (statistics.fmean(means), len(means))
    manager = (
        session.exec(select(User).where(User.id == team.manager_id)).first()
        if team.manager_id
        else None
    )
    return TeamOverview(
        team=team,
        manager=manager,
        window=span,
        members=members,
        active_kpis=[k for k, v in model.kpis.items() if v.role == "active"],
        passive_kpis=[k for k, v in model.kpis.items() if v.role != "active"],
        targets=targets_for(session, [team.id])[team.id],
        averages=averages,
    )
