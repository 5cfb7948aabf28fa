"""The staff directory and KPIs in the JSON API (/api/v1): people, teams, KPI values.

Bearer tokens as in app/web/routes/api.py. Admins, HR and heads of sales read; admins and
HR change the directory; admins, HR and heads of sales send KPI values. A request that is
refused changes nothing: a KPI request with one bad entry stores none of them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from app.i18n import gettext as _
from app.models import Person, PersonKind, Role, Team, User
from app.scoring.validation import MIN_PEOPLE
from app.services import fairness, kpis, staff, validation
from app.services.errors import Invalid, NotFound
from app.web.deps import CatalogDep, SessionDep
from app.web.routes.api import ApiProblem, Id, _api_roles, _ApiRoute, _changing, _errors

router = APIRouter(prefix="/api/v1", route_class=_ApiRoute)

Reader = Annotated[User, Depends(_api_roles(Role.admin, Role.hr, Role.head_of_sales))]
Editor = Annotated[User, Depends(_api_roles(Role.admin, Role.hr))]
KpiSender = Annotated[User, Depends(_api_roles(Role.admin, Role.hr, Role.head_of_sales))]
MAX_PAGE = 200
MAX_KPI_VALUES = 10_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ----------------------------------------------------------------------------- people


class StaffPersonOut(Strict):
    id: int
    full_name: str
    email: str | None
    kind: str = Field(description="employee (staff) or candidate")
    language: str | None
    team_id: int | None
    team: str | None = Field(description="the team's name")
    manager_id: int | None = Field(description="the person's own manager (a user)")
    manager_email: str | None
    current_role: str | None = Field(description="profile id: active or passive")
    hire_date: date | None
    archived: bool
    created_at: datetime


class PeoplePage(Strict):
    items: list[StaffPersonOut]
    total: int = Field(description="people matching the filters, on every page together")
    limit: int
    offset: int


class PersonCreate(Strict):
    full_name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    team_id: int | None = Field(None, ge=1, le=2**31 - 1)
    manager_email: str | None = Field(
        None, max_length=254, description="a user with the manager role"
    )
    current_role: str | None = Field(None, max_length=64, description="active or passive")
    hire_date: str | None = Field(None, max_length=10, description="YYYY-MM-DD")


class PersonPatch(Strict):
    """Only the fields sent change; null clears team, manager, role or hire date."""

    full_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    team_id: int | None = Field(None, ge=1, le=2**31 - 1)
    manager_email: str | None = Field(None, max_length=254)
    current_role: str | None = Field(None, max_length=64)
    hire_date: str | None = Field(None, max_length=10)
    kind: Literal["employee", "candidate"] | None = None
    archived: bool | None = None


def _person_out(session: Session, person: Person) -> StaffPersonOut:
    team = (
        session.exec(select(Team).where(Team.id == person.team_id)).first()
        if person.team_id
        else None
    )
    manager = (
        session.exec(select(User).where(User.id == person.manager_id)).first()
        if person.manager_id
        else None
    )
    return StaffPersonOut(
        id=person.id or 0,
        full_name=person.full_name,
        email=person.email,
        kind=str(person.kind),
        language=person.language,
        team_id=person.team_id,
        team=team.name if team else None,
        manager_id=person.manager_id,
        manager_email=manager.email if manager else None,
        current_role=person.current_role,
        hire_date=person.hire_date,
        archived=person.archived_at is not None,
        created_at=person.created_at,
    )


@router.get(
    "/people",
    name="api:people",
    summary="List people (paged)",
    tags=["directory"],
    response_model=PeoplePage,
    responses=_errors(401, 403, 404),
)
def list_people(
    user: Reader,
    session: SessionDep,
    team: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="a team's id")] = None,
    kind: Annotated[
        Literal["employee", "candidate"] | None, Query(description="employee or candidate")
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="part of a name or e-mail")] = None,
    archived: Annotated[bool, Query(description="archived people instead of current")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="people per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1, description="people to skip")] = 0,
) -> PeoplePage:
    """People by name; `total` counts every match so that a client can page with
    `offset += limit` until `offset >= total`."""
    if team is not None:
        staff.find_team(session, team)
    found = staff.list_people(
        session, team_id=team, kind=kind, query=q, archived=archived, limit=limit, offset=offset
    )
    return PeoplePage(
        items=[_person_out(session, p) for p in found.people],
        total=found.total,
        limit=limit,
        offset=offset,
    )


def _values(session: Session, catalog: Any, body: BaseModel, sent: set[str]) -> staff.StaffValues:
    """Checked values of the fields sent; Invalid naming the first bad one."""
    from app.services.people import clean_email

    model = catalog.model.definition
    data = body.model_dump()
    found: dict[str, Any] = {}
    if "full_name" in sent:
        if data["full_name"] is None:
            raise Invalid(_("The full name is empty."), field="full_name")
        found["full_name"] = staff.clean_name(data["full_name"])
    if "email" in sent:
        if data["email"] is None:
            raise Invalid(_("The e-mail is required."), field="email")
        found["email"] = clean_email(data["email"])
    if "team_id" in sent:
        if data["team_id"] is None:
            found["clear_team"] = True
        else:
            try:
                found["team"] = staff.find_team(session, data["team_id"])
            except NotFound as exc:
                raise Invalid(exc.message, field="team_id") from None
    if "manager_email" in sent:
        if data["manager_email"] is None:
            found["clear_manager"] = True
        else:
            found["manager"] = staff.manager_by_email(session, data["manager_email"])
    if "current_role" in sent:
        found["current_role"] = staff.clean_role(model, data["current_role"])
        found["clear_role"] = found["current_role"] is None
    if "hire_date" in sent:
        found["hire_date"] = staff.parse_date(data["hire_date"])
        found["clear_hire_date"] = found["hire_date"] is None
    if data.get("kind") is not None:
        found["kind"] = PersonKind(data["kind"])
    return staff.StaffValues(**found)


@router.post(
    "/people",
    name="api:person_create",
    summary="Add a person to the staff directory",
    tags=["directory"],
    status_code=status.HTTP_201_CREATED,
    response_model=StaffPersonOut,
    responses=_errors(401, 403, 409, 422),
)
def create_person(
    body: PersonCreate, user: Editor, session: SessionDep, catalog: CatalogDep
) -> StaffPersonOut:
    """A new employee. 409 when someone already has the e-mail: change them with PATCH."""
    with _changing(session):
        values = _values(session, catalog, body, set(PersonCreate.model_fields))
        person = staff.create_staff_person(session, values, actor_user_id=user.id)
    return _person_out(session, person)


@router.patch(
    "/people/{person_id}",
    name="api:person_update",
    summary="Change, move or archive a person",
    tags=["directory"],
    response_model=StaffPersonOut,
    responses=_errors(401, 403, 404, 409, 422),
)
def update_person(
    person_id: Id, body: PersonPatch, user: Editor, session: SessionDep, catalog: CatalogDep
) -> StaffPersonOut:
    """Only the fields sent change; `archived` archives or restores."""
    person = staff.find_person(session, person_id)
    with _changing(session):
        values = _values(session, catalog, body, body.model_fields_set)
        staff.update_staff_person(session, person, values, actor_user_id=user.id)
        if body.archived is not None:
            staff.archive_person(session, person, archived=body.archived, actor_user_id=user.id)
    return _person_out(session, person)


# ----------------------------------------------------------------------------- teams


class TeamOut(Strict):
    id: int
    name: str
    sales_mode: str | None = Field(description="the profile the team works in")
    manager_id: int | None
    manager_email: str | None
    people: int = Field(description="staff in the team, archived people not counted")
    archived: bool


class TeamCreate(Strict):
    name: str = Field(max_length=200)
    sales_mode: str | None = Field(None, max_length=64, description="active or passive")
    manager_email: str | None = Field(
        None, max_length=254, description="a user with the manager role"
    )


def _team_out(session: Session, team: Team, people: int) -> TeamOut:
    manager = (
        session.exec(select(User).where(User.id == team.manager_id)).first()
        if team.manager_id
        else None
    )
    return TeamOut(
        id=team.id or 0,
        name=team.name,
        sales_mode=team.sales_mode,
        manager_id=team.manager_id,
        manager_email=manager.email if manager else None,
        people=people,
        archived=team.archived_at is not None,
    )


@router.get(
    "/teams",
    name="api:teams",
    summary="List the teams",
    tags=["directory"],
    response_model=list[TeamOut],
    responses=_errors(401, 403),
)
def list_teams(
    user: Reader,
    session: SessionDep,
    archived: Annotated[bool, Query(description="include archived teams")] = False,
) -> list[TeamOut]:
    """Every team by name with its manager and the number of staff in it."""
    return [
        _team_out(session, t, n) for t, n in staff.list_teams(session, include_archived=archived)
    ]


@router.post(
    "/teams",
    name="api:team_create",
    summary="Add a team",
    tags=["directory"],
    status_code=status.HTTP_201_CREATED,
    response_model=TeamOut,
    responses=_errors(401, 403, 422),
)
def create_team(
    body: TeamCreate, user: Editor, session: SessionDep, catalog: CatalogDep
) -> TeamOut:
    """A team with a name unique in the organisation, a sales mode and a manager."""
    with _changing(session):
        manager = (
            staff.manager_by_email(session, body.manager_email) if body.manager_email else None
        )
        team = staff.create_team(
            session,
            catalog.model.definition,
            name=body.name,
            sales_mode=body.sales_mode,
            manager=manager,
            actor_user_id=user.id,
        )
    return _team_out(session, team, 0)


# ----------------------------------------------------------------------------- KPIs


class KpiValueIn(Strict):
    email: str = Field(max_length=254, description="a member of staff")
    period: str = Field(max_length=7, description="the month, YYYY-MM")
    kpi: str = Field(max_length=64, description="a KPI id of the model")
    value: float | str = Field(description="shares and rates in percent (0-100)")


class KpisIn(Strict):
    values: list[KpiValueIn] = Field(min_length=1, max_length=MAX_KPI_VALUES)


class KpisOut(Strict):
    added: int
    replaced: int = Field(description="values that replaced a stored one (same person, KPI, month)")
    unchanged: int


class KpiErrorEntry(Strict):
    index: int = Field(description="the entry of `values`, from 0")
    field: str | None
    message: str


class KpiErrorOut(Strict):
    detail: str
    errors: list[KpiErrorEntry]


@router.post(
    "/kpis",
    name="api:kpis",
    summary="Send monthly KPI values",
    tags=["kpis"],
    response_model=KpisOut,
    responses={**_errors(401, 403), **_errors(422, model=KpiErrorOut)},
)
def send_kpis(body: KpisIn, user: KpiSender, session: SessionDep, catalog: CatalogDep) -> KpisOut:
    """Store the values (replacing any stored for the same person, KPI and month). Every
    entry is checked first; one bad entry refuses the request and nothing is stored."""
    plan = kpis.plan_kpis(
        session,
        catalog.model.definition,
        ((i, entry.model_dump()) for i, entry in enumerate(body.values)),
    )
    if plan.problems:
        errors = [
            KpiErrorEntry(index=p.line, field=p.column, message=p.message) for p in plan.problems
        ]
        detail = "\n".join(
            _("Entry %(index)s of values, field %(field)s: %(message)s")
            % {"index": e.index, "field": e.field or "-", "message": e.message}
            for e in errors
        )
        raise ApiProblem(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            {"detail": detail, "errors": [e.model_dump() for e in errors]},
        )
    with _changing(session):
        result = kpis.apply_kpi_plan(session, plan, source="api", actor_user_id=user.id)
    return KpisOut(added=result.added, replaced=result.replaced, unchanged=result.unchanged)


class KpiMonth(Strict):
    period: str
    value: float


class KpiSeriesOut(Strict):
    kpi: str
    role: str = Field(description="the profile the KPI evaluates")
    unit: str
    direction: str
    values: list[KpiMonth] = Field(description="month by month, the last twelve months")
    mean: float | None = Field(description="the mean over the window")
    months_with_values: int
    target: float | None
    reference: str | None = Field(description="team, organisation or median (no target)")
    attainment: float | None = Field(description="1.0 = the target met; capped at 2.0")


class PersonKpisOut(Strict):
    person_id: int
    window: dict[str, Any] = Field(description="start and end month, months")
    kpis: list[KpiSeriesOut]
    attainment: float | None = Field(description="mean over the KPIs of the person's role")


@router.get(
    "/people/{person_id}/kpis",
    name="api:person_kpis",
    summary="A person's KPIs: the trend and the window against the targets",
    tags=["kpis"],
    response_model=PersonKpisOut,
    responses=_errors(401, 403, 404),
)
def person_kpis(
    person_id: Id,
    user: Reader,
    session: SessionDep,
    catalog: CatalogDep,
    months: Annotated[
        int, Query(ge=1, le=kpis.MAX_MONTHS, description="the window; 3 = a rolling quarter")
    ] = kpis.DEFAULT_MONTHS,
) -> PersonKpisOut:
    model = catalog.model.definition
    person = staff.find_person(session, person_id)
    span, trends = kpis.person_trend(session, model, person, months=months)
    teams = {t.id or 0: t for t in session.exec(select(Team))}
    role = kpis.role_of(person, teams)
    cells = kpis.PersonKpis(person.id or 0, role, {t.kpi_id: t.cell for t in trends if t.cell})
    return PersonKpisOut(
        person_id=person.id or 0,
        window={
            "start": kpis.period_label(span.start),
            "end": kpis.period_label(span.end),
            "months": span.months,
        },
        kpis=[
            KpiSeriesOut(
                kpi=t.kpi_id,
                role=t.kpi.role,
                unit=t.kpi.unit,
                direction=t.kpi.direction.value,
                values=[
                    KpiMonth(period=kpis.period_label(m), value=v)
                    for m, v in zip(t.months, t.values, strict=True)
                    if v is not None
                ],
                mean=t.cell.mean if t.cell else None,
                months_with_values=t.cell.months if t.cell else 0,
                target=t.cell.target if t.cell else None,
                reference=t.cell.reference if t.cell else None,
                attainment=t.cell.attainment if t.cell else None,
            )
            for t in trends
        ],
        attainment=cells.overall(model),
    )


# ----------------------------------------------------------------------------- validation


class AucOut(Strict):
    estimate: float
    low: float = Field(description="95% bootstrap interval")
    high: float


class CorrelationOut(Strict):
    competency: str
    n: int
    r: float | None
    low: float | None = Field(description="95% interval (Fisher's z)")
    high: float | None


@router.get(
    "/validation",
    name="api:validation",
    summary="Local validation of a role's profile",
    tags=["validation"],
    responses=_errors(401, 403, 422),
)
def read_validation(
    user: Reader,
    session: SessionDep,
    catalog: CatalogDep,
    role: Annotated[str, Query(description="a profile id: active or passive")],
    months: Annotated[
        int, Query(ge=1, le=kpis.MAX_MONTHS, description="the KPI window")
    ] = kpis.DEFAULT_MONTHS,
) -> dict[str, Any]:
    """Always `role`, `n` (people with both an assessment and KPI results) and `needed` (how
    many more before anything is computed; 0 when enough). When enough: the correlations,
    the AUCs with intervals and the proposed weights."""
    evidence = validation.local_validation(session, catalog, role, months=months)
    out: dict[str, Any] = {
        "role": evidence.role,
        "n": evidence.n,
        "needed": evidence.needed,
        "minimum": MIN_PEOPLE,
        "window": {
            "start": kpis.period_label(evidence.window.start),
            "end": kpis.period_label(evidence.window.end),
            "months": evidence.window.months,
        },
        "model_version": evidence.model_version,
    }
    result = evidence.result
    if evidence.problem:
        out["problem"] = evidence.problem
    if result is None:
        return out

    def auc(value: Any) -> dict[str, float] | None:
        return None if value is None else AucOut(**value.__dict__).model_dump()

    out.update(
        {
            "top_performers": result.top,
            "correlations": [
                CorrelationOut(**c.__dict__).model_dump() for c in result.correlations
            ],
            "model_auc": auc(result.model_auc),
            "profile_auc": auc(result.profile_auc),
            "proposed_auc": auc(result.proposed_auc),
            "coefficients": result.coefficients,
            "weights": {"current": result.current_weights, "proposed": result.proposed_weights},
            "folds": result.folds,
        }
    )
    return out


# ----------------------------------------------------------------------------- fairness


@router.get(
    "/campaigns/{campaign_id}/fairness",
    name="api:campaign_fairness",
    summary="The fairness audit of a campaign",
    tags=["fairness"],
    responses=_errors(401, 403, 404),
)
def campaign_fairness(campaign_id: Id, user: Reader, session: SessionDep) -> dict[str, Any]:
    """Per attribute (gender, age band) the selection rates with impact ratios and the
    four-fifths flag, and the scoring rates; groups under 5 suppressed (counts only)."""
    from app.scoring.fairness import audit_json

    audit = fairness.campaign_audit(session, fairness.find_campaign(session, campaign_id))
    return {
        "campaign_id": campaign_id,
        "target_role": str(audit.campaign.target_role),
        "people": audit.people,
        "selected": audit.selected,
        "min_group": audit.min_group,
        "attributes": [
            {
                "attribute": a.attribute,
                "with_data": a.with_data,
                **audit_json(a.selection, a.scoring),
            }
            for a in audit.attributes
        ],
    }
