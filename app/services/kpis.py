"""KPIs of the staff: monthly values from a file, the API or a page, targets, attainment.

The KPIs are the catalogue of competencies.yaml. One value covers one calendar month
(`period` YYYY-MM) of one person; shares and rates are percent (0-100). Values are checked
row by row: the person (an employee, by e-mail), the KPI, the period (not in the future,
not before the hire date), the value against the KPI's unit, and the same person, KPI and
month twice. Importing a value that is already stored replaces it (and says so).

A person is judged on a KPI over a window of months (by default a rolling quarter, the last
three months up to the newest month with data): the mean of the monthly values against the
target, per team or for the organisation, that the head of sales sets. Attainment is
mean / target when higher is better and target / mean when lower is better, capped at 200%.
Without a target the reference is the organisation's median for that KPI in the window. A
person's overall attainment is the mean over the KPIs of their current role that have
values; active and passive KPIs are never mixed.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from app.db import upsert, utcnow
from app.i18n import gettext as _
from app.models import KpiTarget, KpiValue, Person, PersonKind, Team
from app.scoring.definitions import CompetencyModel, Kpi, KpiDirection
from app.services.audit import record_event
from app.services.csvfile import ImportPlan, RowChecks, read_csv
from app.services.errors import Invalid

KPI_COLUMNS = ("email", "period", "kpi", "value")
DEFAULT_MONTHS = 3
"""The window KPIs are judged over by default: a rolling quarter."""
MAX_MONTHS = 24
MAX_ATTAINMENT = 2.0
EARLIEST_PERIOD = date(2000, 1, 1)
UNIT_RANGES: dict[str, tuple[float, float, bool]] = {
    # unit: (lowest, highest, whole numbers only)
    "count": (0, 1_000_000, True),
    "percent": (0, 100, False),
    "days": (0, 3650, False),
    "hours": (0, 8760, False),
    "money": (0, 1e12, False),
    "score": (0, 100, False),
}
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")

# ----------------------------------------------------------------------------- months


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return date.fromordinal(add_months(day, 1).toordinal() - 1)


def period_label(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# ----------------------------------------------------------------------------- checks


def check_kpi(model: CompetencyModel, text: str) -> tuple[str, Kpi]:
    kpi_id = text.strip()
    if kpi_id not in model.kpis:
        raise Invalid(
            _("Unknown KPI “%(value)s”; use one of: %(kpis)s.")
            % {"value": kpi_id or "—", "kpis": ", ".join(model.kpis)},
            field="kpi",
        )
    return kpi_id, model.kpis[kpi_id]


def parse_period(text: str, *, today: date | None = None) -> date:
    """The first day of the month written YYYY-MM; Invalid for a month that is malformed,
    in the future or before 2000."""
    found = _PERIOD.match(text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise Invalid(
            _("“%(value)s” is not a month; write it as YYYY-MM, e.g. 2026-03.")
            % {"value": text.strip() or "—"},
            field="period",
        )
    period = date(int(found[1]), int(found[2]), 1)
    if period > month_start(today or utcnow().date()):
        raise Invalid(
            _("The month %(value)s has not begun yet.") % {"value": text.strip()}, field="period"
        )
    if period < EARLIEST_PERIOD:
        raise Invalid(
            _("The month %(value)s is before 2000.") % {"value": text.strip()}, field="period"
        )
    return period


def check_value(kpi_id: str, kpi: Kpi, raw: object) -> float:
    """The value as a number in the KPI's unit and range, or Invalid saying what is allowed."""
    low, high, whole = UNIT_RANGES[kpi.unit]
    value: float | None = None
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        text = raw.strip().replace("\u00a0", "").replace(" ", "")
        if kpi.unit == "percent":
            text = text.removesuffix("%")
        if _NUMBER.match(text):
            value = float(text.replace(",", "."))
    names = {"value": raw, "kpi": kpi_id, "low": _plain(low), "high": _plain(high)}
    if value is None or not math.isfinite(value):
        raise Invalid(_("“%(value)s” is not a number.") % names, field="value")
    if whole and not value.is_integer():
        raise Invalid(
            _("%(kpi)s counts whole things; “%(value)s” is not a whole number.") % names,
            field="value",
        )
    if not low <= value <= high:
        message = (
            _("%(kpi)s is a share in percent, from 0 to 100; “%(value)s” is outside.")
            if kpi.unit == "percent"
            else _("%(kpi)s must be from %(low)s to %(high)s; “%(value)s” is outside.")
        )
        raise Invalid(message % names, field="value")
    return value


def _plain(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") if value >= 10_000 else f"{value:g}"


# ----------------------------------------------------------------------------- import


@dataclass(frozen=True)
class KpiEntry:
    line: int  # the file's line, or the index in an API request
    person_id: int
    email: str
    kpi_id: str
    period: date
    value: float
    stored: float | None  # the value stored now for this person, KPI and month

    def key(self) -> list[Any]:
        return [self.line, self.person_id, self.kpi_id, self.period.isoformat(), self.value]


@dataclass
class KpiPlan(ImportPlan):
    """What storing KPI values would do, before anything is changed."""

    new: list[KpiEntry] = field(default_factory=list)
    replaced: list[KpiEntry] = field(default_factory=list)
    unchanged: list[KpiEntry] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.new) + len(self.replaced) + len(self.unchanged) + super().rows

    def digest(self) -> str:
        return self.fingerprint(
            {"new": [e.key() for e in self.new], "replaced": [e.key() for e in self.replaced]}
        )


def plan_kpis(
    session: Session,
    model: CompetencyModel,
    rows: Iterable[tuple[int, Mapping[str, object]]],
    *,
    today: date | None = None,
    encoding: str | None = None,
) -> KpiPlan:
    """Check `(line, {email, period, kpi, value})` rows; say what they would store."""
    from app.services.people import clean_email

    today = today or utcnow().date()
    rows = list(rows)
    plan = KpiPlan(encoding)
    staff = {
        p.email: p
        for p in session.exec(
            select(Person).where(
                col(Person.email).is_not(None), col(Person.anonymised_at).is_(None)
            )
        )
    }
    seen: dict[tuple[int, str, date], int] = {}
    checked: list[tuple[int, Person, str, date, float]] = []
    for line, values in rows:
        cells = RowChecks(line)
        check = cells.check
        email = check("email", clean_email, str(values.get("email") or ""))
        person = staff.get(email) if email else None
        if email and person is None:
            cells.add(
                "email",
                _("No one in the staff directory has the e-mail %(email)s.") % {"email": email},
            )
        elif person is not None and person.kind != PersonKind.employee:
            cells.add(
                "email",
                _(
                    "%(email)s is a candidate, not a member of staff; add them to the staff directory first."
                )
                % {"email": email},
            )
        found = check("kpi", check_kpi, model, str(values.get("kpi") or ""))
        period = check(
            "period", lambda t: parse_period(t, today=today), str(values.get("period") or "")
        )
        value = (
            check("value", check_value, found[0], found[1], values.get("value")) if found else None
        )
        hired = person.hire_date if person is not None else None
        if period is not None and hired is not None and period < month_start(hired):
            cells.add(
                "period",
                _("%(period)s is before %(email)s was hired (%(hired)s).")
                % {"period": period_label(period), "email": email, "hired": hired.isoformat()},
            )
        if person is not None and found is not None and period is not None:
            key = (person.id or 0, found[0], period)
            if key in seen:
                cells.add(
                    "period",
                    _("%(kpi)s of %(email)s for %(period)s is already on line %(line)s.")
                    % {
                        "kpi": found[0],
                        "email": email,
                        "period": period_label(period),
                        "line": seen[key],
                    },
                )
            else:
                seen[key] = line
        if cells.problems or person is None or found is None or period is None or value is None:
            plan.problems.extend(cells.problems)
            continue
        checked.append((line, person, found[0], period, value))
    stored = _stored(session, {(p.id or 0) for _l, p, *_rest in checked})
    for line, person, kpi_id, period, value in checked:
        before = stored.get((person.id or 0, kpi_id, period))
        entry = KpiEntry(line, person.id or 0, person.email or "", kpi_id, period, value, before)
        if before is None:
            plan.new.append(entry)
        elif before == value:
            plan.unchanged.append(entry)
        else:
            plan.replaced.append(entry)
    plan.problems.sort(key=lambda p: (p.line, KPI_COLUMNS.index(p.column) if p.column else -1))
    return plan


def _stored(session: Session, person_ids: set[int]) -> dict[tuple[int, str, date], float]:
    if not person_ids:
        return {}
    return {
        (v.person_id, v.kpi_id, v.period_start): v.value
        for v in session.exec(select(KpiValue).where(col(KpiValue.person_id).in_(person_ids)))
    }


def plan_kpi_file(
    session: Session, model: CompetencyModel, content: bytes, *, today: date | None = None
) -> KpiPlan:
    """Check a CSV file of `email,period,kpi,value`; Invalid when it cannot be read at all."""
    table = read_csv(content, required=KPI_COLUMNS)
    plan = plan_kpis(
        session,
        model,
        ((row.line, row.values) for row in table.rows),
        today=today,
        encoding=table.encoding,
    )
    plan.problems = sorted([*table.problems, *plan.problems], key=lambda p: p.line)
    return plan


@dataclass(frozen=True)
class KpiImportResult:
    added: int
    replaced: int
    unchanged: int
    skipped_rows: int


def apply_kpi_plan(
    session: Session,
    plan: KpiPlan,
    *,
    skip_invalid: bool = False,
    source: str = "import",
    actor_user_id: int | None = None,
) -> KpiImportResult:
    """Store the plan's values (replacing what is stored for the same person, KPI and
    month). Refused (Invalid, nothing changed) when it has bad rows, unless `skip_invalid`."""
    if plan.problems and not skip_invalid:
        raise Invalid(
            _(
                "%(count)s rows have problems, so nothing was imported. Correct them, or "
                "choose to import only the good rows."
            )
            % {"count": len(plan.bad_lines)}
        )
    ids = {e.person_id for e in [*plan.new, *plan.replaced]}
    organisations = dict(
        session.exec(
            select(Person.id, Person.organisation_id).where(col(Person.id).in_(list(ids)))
        ).all()
    )
    now = utcnow()

    def row(entry: KpiEntry) -> dict[str, Any]:
        return {
            "organisation_id": organisations[entry.person_id],
            "person_id": entry.person_id,
            "kpi_id": entry.kpi_id,
            "period_start": entry.period,
            "period_end": month_end(entry.period),
            "value": entry.value,
            "source": source,
            "created_at": now,
        }

    if plan.new:
        # One multi-row INSERT: a concurrent import of the same month fails on the unique
        # key and rolls the whole import back rather than duplicating anything.
        session.execute(insert(KpiValue), [row(entry) for entry in plan.new])
    for entry in plan.replaced:
        upsert(
            session,
            KpiValue,
            row(entry),
            keys=["person_id", "kpi_id", "period_start"],
            update={"value": "value", "source": "source", "period_end": "period_end"},
        )
    organisation_id = next(iter(organisations.values()), None)
    if organisation_id is not None:
        record_event(
            session,
            organisation_id=organisation_id,
            actor="user" if actor_user_id else "system",
            actor_user_id=actor_user_id,
            action="kpis.imported",
            details={"added": len(plan.new), "replaced": len(plan.replaced), "source": source},
        )
    return KpiImportResult(
        len(plan.new), len(plan.replaced), len(plan.unchanged), len(plan.bad_lines)
    )


# ----------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    value: float
    team_id: int | None  # None: the organisation's target


def targets_for(
    session: Session, team_ids: Iterable[int | None]
) -> dict[int | None, dict[str, Target]]:
    """Per team id (and None for people without a team): each KPI's target, the team's own
    when it has one, else the organisation's."""
    rows = list(session.exec(select(KpiTarget)))
    organisation = {r.kpi_id: Target(r.value, None) for r in rows if r.team_id is None}
    out: dict[int | None, dict[str, Target]] = {}
    for team_id in set(team_ids) | {None}:
        own = {
            r.kpi_id: Target(r.value, r.team_id)
            for r in rows
            if r.team_id == team_id and team_id is not None
        }
        out[team_id] = {**organisation, **own}
    return out


def set_targets(
    session: Session,
    model: CompetencyModel,
    *,
    team: Team | None,
    values: Mapping[str, str],
    actor_user_id: int | None = None,
) -> dict[str, float | None]:
    """Set (or, with an empty value, remove) the targets of a team or of the organisation.

    Every value is checked first against its KPI's unit; one bad value refuses them all
    (Invalid naming the KPI) and nothing changes."""
    checked: dict[str, float | None] = {}
    for kpi_id, raw in values.items():
        if kpi_id not in model.kpis:
            raise Invalid(_("Unknown KPI “%(value)s”.") % {"value": kpi_id}, field=kpi_id)
        if raw is None or not str(raw).strip():
            checked[kpi_id] = None
            continue
        try:
            checked[kpi_id] = check_value(kpi_id, model.kpis[kpi_id], raw)
        except Invalid as exc:
            raise Invalid(exc.message, field=kpi_id) from None
        if checked[kpi_id] == 0:
            raise Invalid(
                _("A target of 0 cannot be reached or missed; leave it empty instead."),
                field=kpi_id,
            )
    team_id = team.id if team else None
    existing = {r.kpi_id: r for r in session.exec(select(KpiTarget)) if r.team_id == team_id}
    for kpi_id, value in checked.items():
        row = existing.get(kpi_id)
        if value is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = KpiTarget(team_id=team_id, kpi_id=kpi_id, value=value)
        row.value, row.set_by_id, row.updated_at = value, actor_user_id, utcnow()
        session.add(row)
    session.flush()
    record_event(
        session,
        organisation_id=(team.organisation_id if team else None) or _organisation_of(session),
        actor_user_id=actor_user_id,
        action="kpi_targets.set",
        object_type="team" if team else "organisation",
        object_id=team_id,
        details=dict(checked),
    )
    return checked


def _organisation_of(session: Session) -> int:
    from app.db import current_organisation

    return current_organisation(session) or 0


# ----------------------------------------------------------------------------- attainment


def attainment(kpi: Kpi, mean: float, target: float) -> float | None:
    """mean / target (higher is better) or target / mean (lower is better), in [0, 2]."""
    if target <= 0:
        return None
    if kpi.direction == KpiDirection.higher_is_better:
        ratio = mean / target
    else:
        ratio = target / mean if mean > 0 else MAX_ATTAINMENT
    return max(0.0, min(MAX_ATTAINMENT, ratio))


@dataclass(frozen=True)
class Window:
    start: date  # first month
    end: date  # last month
    months: int

    def label(self) -> str:
        return f"{period_label(self.start)} – {period_label(self.end)}"


def window(session: Session, months: int = DEFAULT_MONTHS, *, today: date | None = None) -> Window:
    """The last `months` months up to the newest month with any KPI value (this month when
    there is none)."""
    months = max(1, min(MAX_MONTHS, months))
    current = month_start(today or utcnow().date())
    newest: date | None = session.exec(select(func.max(KpiValue.period_start))).one()
    end = min(newest, current) if newest else current
    return Window(add_months(end, -(months - 1)), end, months)


@dataclass(frozen=True)
class KpiCell:
    mean: float
    months: int  # months with a value in the window
    target: float | None
    reference: str  # "team", "organisation" or "median"
    attainment: float | None


@dataclass(frozen=True)
class PersonKpis:
    person_id: int
    role: str | None
    cells: dict[str, KpiCell]

    def overall(self, model: CompetencyModel) -> float | None:
        """Mean attainment over the KPIs of the person's role that have values."""
        values = [
            cell.attainment
            for kpi_id, cell in self.cells.items()
            if cell.attainment is not None and model.kpis[kpi_id].role == self.role
        ]
        return statistics.fmean(values) if values else None


def _means(
    session: Session, person_ids: Sequence[int] | None, span: Window
) -> dict[tuple[int, str], tuple[float, int]]:
    statement = select(KpiValue).where(
        col(KpiValue.period_start) >= span.start, col(KpiValue.period_start) <= span.end
    )
    if person_ids is not None:
        statement = statement.where(col(KpiValue.person_id).in_(list(person_ids)))
    values: dict[tuple[int, str], list[float]] = {}
    for row in session.exec(statement):
        values.setdefault((row.person_id, row.kpi_id), []).append(row.value)
    return {key: (statistics.fmean(v), len(v)) for key, v in values.items()}


def kpi_table(
    session: Session,
    model: CompetencyModel,
    people: Sequence[tuple[int, int | None, str | None]],
    span: Window,
) -> dict[int, PersonKpis]:
    """(person id, team id, role) → each KPI's mean over the window against its target.

    Without a target a KPI is judged against the organisation's median in the window."""
    means = _means(session, [p for p, _t, _r in people], span)
    medians: dict[str, float] = {}
    everyone = _means(session, None, span)
    for kpi_id in model.kpis:
        found = [mean for (_p, k), (mean, _n) in everyone.items() if k == kpi_id]
        if found:
            medians[kpi_id] = statistics.median(found)
    targets = targets_for(session, {team for _p, team, _r in people})
    out = {}
    for person_id, team_id, role in people:
        cells = {}
        for kpi_id, kpi in model.kpis.items():
            found_mean = means.get((person_id, kpi_id))
            if found_mean is None:
                continue
            mean, count = found_mean
            target = targets[team_id].get(kpi_id)
            if target is not None:
                reference = "organisation" if target.team_id is None else "team"
                goal: float | None = target.value
            else:
                reference, goal = "median", medians.get(kpi_id)
            cells[kpi_id] = KpiCell(
                mean,
                count,
                target.value if target else None,
                reference,
                attainment(kpi, mean, goal) if goal is not None else None,
            )
        out[person_id] = PersonKpis(person_id, role, cells)
    return out


def role_of(person: Person, teams: Mapping[int, Team]) -> str | None:
    """The person's current role, else their team's sales mode."""
    if person.current_role:
        return person.current_role
    team = teams.get(person.team_id or 0)
    return team.sales_mode if team else None


@dataclass(frozen=True)
class Trend:
    kpi_id: str
    kpi: Kpi
    months: list[date]
    values: list[float | None]  # per month, None when none was given
    cell: KpiCell | None  # over the window


def person_trend(
    session: Session,
    model: CompetencyModel,
    person: Person,
    *,
    months: int = DEFAULT_MONTHS,
    history: int = 12,
    today: date | None = None,
) -> tuple[Window, list[Trend]]:
    """The person's KPIs month by month over `history` months, with the window's figures;
    the KPIs of their role first."""
    span = window(session, months, today=today)
    first = add_months(span.end, -(history - 1))
    calendar = [add_months(first, i) for i in range(history)]
    rows = session.exec(select(KpiValue).where(KpiValue.person_id == person.id)).all()
    by_kpi: dict[str, dict[date, float]] = {}
    for row in rows:
        by_kpi.setdefault(row.kpi_id, {})[row.period_start] = row.value
    teams = {t.id or 0: t for t in session.exec(select(Team))}
    role = role_of(person, teams)
    cells = kpi_table(session, model, [(person.id or 0, person.team_id, role)], span)
    found = cells[person.id or 0].cells
    order = sorted(
        (k for k in model.kpis if k in by_kpi),
        key=lambda k: (model.kpis[k].role != role, list(model.kpis).index(k)),
    )
    return span, [
        Trend(k, model.kpis[k], calendar, [by_kpi[k].get(m) for m in calendar], found.get(k))
        for k in order
    ]


def sparkline(values: Sequence[float | None], *, width: int = 120, height: int = 28) -> str:
    """SVG polyline points for a small trend chart (gaps where a month has no value)."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = width / max(1, len(values) - 1)
    points = [
        f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
        for i, v in enumerate(values)
        if v is not None
    ]
    return " ".join(points)
