"""The staff directory's pages: people, teams, imports, KPIs and targets.

Admins and HR keep the directory (add, edit, move, archive, import); heads of sales read it
and set KPI targets; a manager sees only their own people and teams (anything else is 404,
as if it did not exist) and rates them from the team page with the manager-rating form.
Every change is a form post with CSRF; a refused one shows the reason and changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select
from starlette.datastructures import FormData

from app.i18n import get_language
from app.i18n import gettext as _
from app.models import Person, PersonKind, Role, Team, User
from app.scoring.definitions import CompetencyModel
from app.scoring.loader import Catalog
from app.services import kpis, reviews, staff, teams
from app.services.errors import Invalid, ServiceError
from app.web.csrf import verify_csrf
from app.web.deps import CatalogDep, SessionDep, require_roles
from app.web.hyphenation import hyphenate
from app.web.routes.hr import MAX_UPLOAD_BYTES, Upload, read_upload
from app.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

Reader = Annotated[
    User, Depends(require_roles(Role.admin, Role.hr, Role.head_of_sales, Role.manager))
]
Editor = Annotated[User, Depends(require_roles(Role.admin, Role.hr))]
KpiEditor = Annotated[User, Depends(require_roles(Role.admin, Role.hr, Role.head_of_sales))]
TargetSetter = Annotated[User, Depends(require_roles(Role.admin, Role.head_of_sales))]

PAGE_SIZE = 50
WINDOWS = (3, 6, 12)
"""The KPI windows offered on the pages (months); 3 is the default rolling quarter."""
MIN_PEOPLE = 5
"""Fewer people than this and a team's figures are individual cases, and the page says so."""


async def form_data(request: Request) -> FormData:
    return await request.form()


Posted = Annotated[FormData, Depends(form_data)]


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND)


def _number(value: str | None, default: int | None = None) -> int | None:
    if value is None or not value.strip():
        return default
    if not value.strip().isdigit() or len(value.strip()) > 9:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, _("A number was expected in the address."))
    return int(value.strip())


def months_param(value: str | None) -> int:
    months = _number(value, kpis.DEFAULT_MONTHS) or kpis.DEFAULT_MONTHS
    return months if 1 <= months <= kpis.MAX_MONTHS else kpis.DEFAULT_MONTHS


def _redirect(request: Request, name: str, done: str, **params: Any) -> RedirectResponse:
    return RedirectResponse(
        request.url_for(name, **params).path + f"?done={done}", status.HTTP_303_SEE_OTHER
    )


def _notice(done: str | None) -> str | None:
    notices = {
        "added": _("The person is added to the directory."),
        "saved": _("The changes are saved."),
        "moved": _("The person is moved."),
        "archived": _("Archived: kept with their history, left out of lists and figures."),
        "restored": _("Restored to the directory."),
        "team_added": _("The team is added."),
        "targets": _("The KPI targets are saved."),
    }
    return notices.get(done or "")


def _visible_person(session: Session, user: User, person_id: int) -> Person:
    try:
        person = staff.find_person(session, person_id)
    except ServiceError:
        raise _not_found() from None
    if user.role == Role.manager and not reviews.manages(session, user.id or 0, person):
        raise _not_found()
    return person


def _visible_team(session: Session, user: User, team_id: int) -> Team:
    try:
        team = staff.find_team(session, team_id)
    except ServiceError:
        raise _not_found() from None
    if user.role == Role.manager and team.id not in {
        t.id for t in teams.visible_teams(session, manager_id=user.id)
    }:
        raise _not_found()
    return team


def date_text(value: date | datetime | None) -> str:
    """A date as the page's language writes it (12 Mar 2024 / 12 мар. 2024 г.)."""
    if value is None:
        return "—"
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, format="medium", locale=get_language())


def _role_names(model: CompetencyModel) -> dict[str, str]:
    language = get_language()
    return {pid: profile.name.get(language) for pid, profile in model.profiles.items()}


def _common(session: Session, catalog: Catalog) -> dict[str, Any]:
    model = catalog.model.definition
    return {
        "role_names": _role_names(model),
        "team_names": {t.id: t.name for t in session.exec(select(Team))},
        "manager_names": {u.id: u.full_name or u.email for u in session.exec(select(User))},
        "model": model,
        "date_text": date_text,
    }


# ----------------------------------------------------------------------------- people


@router.get("/people", name="staff:people")
def people_page(
    request: Request,
    user: Reader,
    session: SessionDep,
    catalog: CatalogDep,
    q: str | None = None,
    team: str | None = None,
    archived: str | None = None,
    page: str | None = None,
) -> Response:
    team_id = _number(team)
    page_number = max(1, _number(page, 1) or 1)
    if team_id is not None:
        _visible_team(session, user, team_id)
    show_archived = archived == "1"
    found = staff.list_people(
        session,
        team_id=team_id,
        kind=PersonKind.employee.value,
        query=q,
        archived=show_archived,
        manager_id=user.id if user.role == Role.manager else None,
        limit=PAGE_SIZE,
        offset=(page_number - 1) * PAGE_SIZE,
    )
    pages = max(1, math.ceil(found.total / PAGE_SIZE))
    if page_number > pages:
        raise _not_found()

    def page_url(number: int) -> str:
        query = {"q": q or None, "team": team_id, "archived": "1" if show_archived else None}
        query["page"] = number
        return (
            request.url_for("staff:people").path
            + "?"
            + urlencode({k: v for k, v in query.items() if v is not None})
        )

    return render(
        request,
        "staff/people.html",
        {
            **_common(session, catalog),
            "found": found,
            "q": q or "",
            "team_id": team_id,
            "show_archived": show_archived,
            "teams": teams.visible_teams(
                session, manager_id=user.id if user.role == Role.manager else None
            ),
            "page": page_number,
            "pages": pages,
            "page_url": page_url,
            "can_edit": user.role in (Role.admin, Role.hr),
            "notice": _notice(request.query_params.get("done")),
        },
    )


def _person_form(
    request: Request,
    session: Session,
    catalog: Catalog,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "staff/person_new.html",
        {
            **_common(session, catalog),
            "values": values,
            "errors": errors,
            "teams": [t for t, _n in staff.list_teams(session)],
            "managers": staff.managers(session),
        },
        status_code=status_code,
    )


@router.get("/people/new", name="staff:person_new")
def person_new(
    request: Request, user: Editor, session: SessionDep, catalog: CatalogDep
) -> Response:
    values = dict.fromkeys(
        ("full_name", "email", "team", "manager", "current_role", "hire_date"), ""
    )
    values["team"] = request.query_params.get("team", "")
    return _person_form(request, session, catalog, values=values, errors={})


def _values_from(
    session: Session,
    model: CompetencyModel,
    form: FormData,
    fields: Sequence[str],
    errors: dict[str, str],
) -> staff.StaffValues:
    """The checked values of the form's `fields`; each problem goes to `errors[field]`."""
    from app.services.people import clean_email

    found: dict[str, Any] = {}

    def check(name: str, fn: Callable[[], Any]) -> None:
        try:
            found[name] = fn()
        except ServiceError as exc:
            errors[name] = exc.message

    if "full_name" in fields:
        check("full_name", lambda: staff.clean_name(form_text(form, "full_name")))
    if "email" in fields:
        check("email", lambda: clean_email(form_text(form, "email")))
    if "current_role" in fields:
        check("current_role", lambda: staff.clean_role(model, form_text(form, "current_role")))
        found["clear_role"] = not form_text(form, "current_role")
    if "hire_date" in fields:
        check("hire_date", lambda: staff.parse_date(form_text(form, "hire_date")))
        found["clear_hire_date"] = not form_text(form, "hire_date")
    if "team" in fields:
        raw = form_text(form, "team")
        if raw:
            check("team", lambda: staff.find_team(session, _number(raw) or 0))
        found["clear_team"] = not raw
    if "manager" in fields:
        raw = form_text(form, "manager")
        if raw:
            check("manager", lambda: staff.manager_by_id(session, _number(raw) or 0))
        found["clear_manager"] = not raw
    return staff.StaffValues(
        **{k: v for k, v in found.items() if k in staff.StaffValues.__dataclass_fields__}
    )


PERSON_FIELDS = ("full_name", "email", "team", "manager", "current_role", "hire_date")


@router.post("/people", name="staff:person_create")
def person_create(
    request: Request, user: Editor, session: SessionDep, catalog: CatalogDep, form: Posted
) -> Response:
    errors: dict[str, str] = {}
    values = _values_from(session, catalog.model.definition, form, PERSON_FIELDS, errors)
    if not errors:
        try:
            person = staff.create_staff_person(session, values, actor_user_id=user.id)
        except ServiceError as exc:
            errors[exc.field or "email"] = exc.message
    if errors:
        session.rollback()
        shown = {name: form_text(form, name) for name in PERSON_FIELDS}
        return _person_form(request, session, catalog, values=shown, errors=errors, status_code=422)
    session.commit()
    return _redirect(request, "staff:person", "added", person_id=person.id)


def _person_page(
    request: Request,
    session: Session,
    catalog: Catalog,
    user: User,
    person: Person,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    model = catalog.model.definition
    months = months_param(request.query_params.get("months"))
    span, trends = kpis.person_trend(session, model, person, months=months)
    team_list = staff.list_teams(session)
    current = {
        "full_name": person.full_name,
        "email": person.email or "",
        "current_role": person.current_role or "",
        "hire_date": person.hire_date.isoformat() if person.hire_date else "",
        "team": str(person.team_id or ""),
        "manager": str(person.manager_id or ""),
    }
    return render(
        request,
        "staff/person.html",
        {
            **_common(session, catalog),
            "person": person,
            "values": {**current, **(values or {})},
            "errors": errors or {},
            "teams": [t for t, _n in team_list],
            "managers": staff.managers(session),
            "assessments": staff.assessments_of(session, catalog, person),
            "window": span,
            "months": months,
            "windows": WINDOWS,
            "trends": trends,
            "sparkline": kpis.sparkline,
            "period_label": kpis.period_label,
            "can_edit": user.role in (Role.admin, Role.hr),
            "notice": _notice(request.query_params.get("done")),
        },
        status_code=status_code,
    )


@router.get("/people/{person_id:id}", name="staff:person")
def person_page(
    request: Request, person_id: int, user: Reader, session: SessionDep, catalog: CatalogDep
) -> Response:
    person = _visible_person(session, user, person_id)
    return _person_page(request, session, catalog, user, person)


def _save_person(
    request: Request,
    person_id: int,
    user: User,
    session: Session,
    catalog: Catalog,
    form: FormData,
    fields: Sequence[str],
    done: str,
) -> Response:
    person = _visible_person(session, user, person_id)
    errors: dict[str, str] = {}
    values = _values_from(session, catalog.model.definition, form, fields, errors)
    if not errors:
        try:
            staff.update_staff_person(session, person, values, actor_user_id=user.id)
        except ServiceError as exc:
            errors[exc.field or fields[0]] = exc.message
    if errors:
        session.rollback()
        person = _visible_person(session, user, person_id)
        shown = {name: form_text(form, name) for name in fields}
        return _person_page(
            request, session, catalog, user, person, errors=errors, values=shown, status_code=422
        )
    session.commit()
    return _redirect(request, "staff:person", done, person_id=person_id)


@router.post("/people/{person_id:id}", name="staff:person_save")
def person_save(
    request: Request,
    person_id: int,
    user: Editor,
    session: SessionDep,
    catalog: CatalogDep,
    form: Posted,
) -> Response:
    fields = ("full_name", "email", "current_role", "hire_date")
    return _save_person(request, person_id, user, session, catalog, form, fields, "saved")


@router.post("/people/{person_id:id}/move", name="staff:person_move")
def person_move(
    request: Request,
    person_id: int,
    user: Editor,
    session: SessionDep,
    catalog: CatalogDep,
    form: Posted,
) -> Response:
    return _save_person(
        request, person_id, user, session, catalog, form, ("team", "manager"), "moved"
    )


@router.post("/people/{person_id:id}/archive", name="staff:person_archive")
def person_archive(
    request: Request, person_id: int, user: Editor, session: SessionDep, form: Posted
) -> Response:
    person = _visible_person(session, user, person_id)
    archived = form_text(form, "archived") == "1"
    staff.archive_person(session, person, archived=archived, actor_user_id=user.id)
    session.commit()
    return _redirect(
        request, "staff:person", "archived" if archived else "restored", person_id=person_id
    )


# ----------------------------------------------------------------------------- imports


@dataclass(frozen=True)
class ImportKind:
    """The two file imports share one page: upload, preview, confirm."""

    kind: str  # "staff" or "kpis"
    columns: tuple[str, ...]
    preview_route: str
    confirm_route: str
    back_route: str


STAFF_IMPORT = ImportKind(
    "staff", staff.STAFF_COLUMNS, "staff:import_preview", "staff:import_confirm", "staff:people"
)
KPI_IMPORT = ImportKind(
    "kpis", kpis.KPI_COLUMNS, "kpis:import_preview", "kpis:import_confirm", "kpis:index"
)


def _import_page(
    request: Request,
    how: ImportKind,
    *,
    plan: staff.StaffPlan | kpis.KpiPlan | None = None,
    content: bytes | None = None,
    error: str | None = None,
    notice: str | None = None,
    done: Any = None,
    status_code: int = 200,
    extra: dict[str, Any] | None = None,
) -> Response:
    return render(
        request,
        "staff/import.html",
        {
            "how": how,
            "page_title": _("Import the staff directory") if how.kind == "staff" else _("KPIs"),
            "plan": plan,
            "content": base64.b64encode(content).decode() if content is not None else "",
            "error": error,
            "notice": notice,
            "done": done,
            "max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
            "period_label": kpis.period_label,
            **(extra or {}),
        },
        status_code=status_code,
    )


def _posted_content(form: FormData) -> bytes:
    try:
        content = base64.b64decode(form_text(form, "content"), validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, _("The form was damaged; upload the file again.")
        ) from None
    if not content or len(content) > MAX_UPLOAD_BYTES:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, _("The form was damaged; upload the file again.")
        )
    return content


@router.get("/people/import", name="staff:import")
def staff_import(request: Request, user: Editor) -> Response:
    return _import_page(request, STAFF_IMPORT)


@router.post("/people/import", name="staff:import_preview")
def staff_import_preview(
    request: Request,
    user: Editor,
    session: SessionDep,
    catalog: CatalogDep,
    upload: Annotated[Upload, Depends(read_upload)],
) -> Response:
    if upload.content is None:
        return _import_page(
            request, STAFF_IMPORT, error=upload.error, status_code=upload.status_code
        )
    try:
        plan = staff.plan_staff_import(session, catalog.model.definition, upload.content)
    except ServiceError as exc:
        return _import_page(
            request,
            STAFF_IMPORT,
            error=_("Nothing was imported: %(reason)s") % {"reason": exc.message},
            status_code=exc.status,
        )
    return _import_page(request, STAFF_IMPORT, plan=plan, content=upload.content)


@router.post("/people/import/confirm", name="staff:import_confirm")
def staff_import_confirm(
    request: Request, user: Editor, session: SessionDep, catalog: CatalogDep, form: Posted
) -> Response:
    model = catalog.model.definition
    content = _posted_content(form)
    try:
        plan = staff.plan_staff_import(session, model, content)
    except ServiceError as exc:
        return _import_page(request, STAFF_IMPORT, error=exc.message, status_code=exc.status)
    if plan.digest() != form_text(form, "digest"):
        return _import_page(
            request,
            STAFF_IMPORT,
            plan=plan,
            content=content,
            notice=_("The directory changed since the preview. Check what the file does now."),
            status_code=status.HTTP_409_CONFLICT,
        )
    confirmed = {v for v in form.getlist("change") if isinstance(v, str)}
    try:
        result = staff.apply_staff_plan(
            session,
            model,
            plan,
            skip_invalid=form_text(form, "skip_invalid") == "1",
            confirmed=confirmed,
            actor_user_id=user.id,
        )
    except ServiceError as exc:
        session.rollback()
        return _import_page(
            request,
            STAFF_IMPORT,
            plan=plan,
            content=content,
            error=exc.message,
            status_code=exc.status,
        )
    session.commit()
    return _import_page(request, STAFF_IMPORT, done=result)


# ----------------------------------------------------------------------------- teams


@router.get("/teams", name="staff:teams")
def teams_page(
    request: Request, user: Reader, session: SessionDep, catalog: CatalogDep
) -> Response:
    show_archived = request.query_params.get("archived") == "1"
    found = staff.list_teams(session, include_archived=show_archived)
    if user.role == Role.manager:
        mine = {t.id for t in teams.visible_teams(session, manager_id=user.id)}
        found = [(t, n) for t, n in found if t.id in mine]
    return render(
        request,
        "staff/teams.html",
        {
            **_common(session, catalog),
            "teams": found,
            "show_archived": show_archived,
            "managers": staff.managers(session),
            "values": {"name": "", "sales_mode": "", "manager": ""},
            "errors": {},
            "can_edit": user.role in (Role.admin, Role.hr),
            "notice": _notice(request.query_params.get("done")),
        },
    )


def _team_values(
    session: Session, model: CompetencyModel, form: FormData, errors: dict[str, str]
) -> tuple[str, str | None, User | None]:
    name, mode, manager = form_text(form, "name"), form_text(form, "sales_mode") or None, None
    try:
        staff.clean_team_name(name)
    except ServiceError as exc:
        errors["name"] = exc.message
    try:
        staff.clean_role(model, mode)
    except ServiceError as exc:
        errors["sales_mode"] = exc.message
    if form_text(form, "manager"):
        try:
            manager = staff.manager_by_id(session, _number(form_text(form, "manager")) or 0)
        except ServiceError as exc:
            errors["manager"] = exc.message
    return name, mode, manager


@router.post("/teams", name="staff:team_create")
def team_create(
    request: Request, user: Editor, session: SessionDep, catalog: CatalogDep, form: Posted
) -> Response:
    model = catalog.model.definition
    errors: dict[str, str] = {}
    name, mode, manager = _team_values(session, model, form, errors)
    if not errors:
        try:
            team = staff.create_team(
                session, model, name=name, sales_mode=mode, manager=manager, actor_user_id=user.id
            )
        except ServiceError as exc:
            errors[exc.field or "name"] = exc.message
    if errors:
        session.rollback()
        return render(
            request,
            "staff/teams.html",
            {
                **_common(session, catalog),
                "teams": staff.list_teams(session),
                "show_archived": False,
                "managers": staff.managers(session),
                "values": {k: form_text(form, k) for k in ("name", "sales_mode", "manager")},
                "errors": errors,
                "can_edit": True,
                "notice": None,
            },
            status_code=422,
        )
    session.commit()
    return _redirect(request, "staff:team", "team_added", team_id=team.id)


def _team_page(
    request: Request,
    session: Session,
    catalog: Catalog,
    user: User,
    team: Team,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    model = catalog.model.definition
    months = months_param(request.query_params.get("months"))
    overview = staff.team_overview(session, catalog, team, months=months)
    current = {
        "name": team.name,
        "sales_mode": team.sales_mode or "",
        "manager": str(team.manager_id or ""),
    }
    target_values = {
        kpi_id: "" if t is None or t.team_id is None else f"{t.value:g}"
        for kpi_id, t in ((k, overview.targets.get(k)) for k in model.kpis)
    }
    return render(
        request,
        "staff/team.html",
        {
            **_common(session, catalog),
            "team": team,
            "overview": overview,
            "values": {**current, **target_values, **(values or {})},
            "errors": errors or {},
            "managers": staff.managers(session),
            "months": months,
            "windows": WINDOWS,
            "min_people": MIN_PEOPLE,
            "hyphenate": hyphenate,
            "can_edit": user.role in (Role.admin, Role.hr),
            "can_set_targets": user.role in (Role.admin, Role.head_of_sales),
            "is_manager": user.role == Role.manager,
            "notice": _notice(request.query_params.get("done")),
        },
        status_code=status_code,
    )


@router.get("/teams/{team_id:id}", name="staff:team")
def team_page(
    request: Request, team_id: int, user: Reader, session: SessionDep, catalog: CatalogDep
) -> Response:
    return _team_page(request, session, catalog, user, _visible_team(session, user, team_id))


@router.post("/teams/{team_id:id}", name="staff:team_save")
def team_save(
    request: Request,
    team_id: int,
    user: Editor,
    session: SessionDep,
    catalog: CatalogDep,
    form: Posted,
) -> Response:
    model = catalog.model.definition
    team = _visible_team(session, user, team_id)
    errors: dict[str, str] = {}
    name, mode, manager = _team_values(session, model, form, errors)
    if not errors:
        try:
            staff.update_team(
                session,
                model,
                team,
                name=name,
                sales_mode=mode,
                manager=manager,
                actor_user_id=user.id,
            )
        except ServiceError as exc:
            errors[exc.field or "name"] = exc.message
    if errors:
        session.rollback()
        team = _visible_team(session, user, team_id)
        shown = {k: form_text(form, k) for k in ("name", "sales_mode", "manager")}
        return _team_page(
            request, session, catalog, user, team, errors=errors, values=shown, status_code=422
        )
    session.commit()
    return _redirect(request, "staff:team", "saved", team_id=team_id)


@router.post("/teams/{team_id:id}/archive", name="staff:team_archive")
def team_archive(
    request: Request,
    team_id: int,
    user: Editor,
    session: SessionDep,
    catalog: CatalogDep,
    form: Posted,
) -> Response:
    team = _visible_team(session, user, team_id)
    archived = form_text(form, "archived") == "1"
    try:
        staff.archive_team(session, team, archived=archived, actor_user_id=user.id)
    except ServiceError as exc:
        session.rollback()
        team = _visible_team(session, user, team_id)
        return _team_page(
            request,
            session,
            catalog,
            user,
            team,
            errors={"archive": exc.message},
            status_code=exc.status,
        )
    session.commit()
    return _redirect(request, "staff:team", "archived" if archived else "restored", team_id=team_id)


@router.post("/teams/{team_id:id}/targets", name="staff:team_targets")
def team_targets(
    request: Request,
    team_id: int,
    user: TargetSetter,
    session: SessionDep,
    catalog: CatalogDep,
    form: Posted,
) -> Response:
    model = catalog.model.definition
    team = _visible_team(session, user, team_id)
    values = {kpi_id: form_text(form, f"target_{kpi_id}") for kpi_id in model.kpis}
    try:
        kpis.set_targets(session, model, team=team, values=values, actor_user_id=user.id)
    except Invalid as exc:
        session.rollback()
        team = _visible_team(session, user, team_id)
        return _team_page(
            request,
            session,
            catalog,
            user,
            team,
            errors={exc.field or "targets": exc.message},
            values=values,
            status_code=exc.status,
        )
    session.commit()
    return _redirect(request, "staff:team", "targets", team_id=team_id)


# ----------------------------------------------------------------------------- KPIs


def _kpi_page(
    request: Request,
    session: Session,
    catalog: Catalog,
    user: User,
    **extra: Any,
) -> Response:
    model = catalog.model.definition
    organisation_targets = kpis.targets_for(session, [None])[None]
    values = {k: f"{t.value:g}" for k, t in organisation_targets.items()}
    return _import_page(
        request,
        KPI_IMPORT,
        extra={
            "model": model,
            "targets": organisation_targets,
            "values": {**values, **extra.pop("values", {})},
            "errors": extra.pop("errors", {}),
            "can_set_targets": user.role in (Role.admin, Role.head_of_sales),
            "kpi_notice": _notice(request.query_params.get("done")),
        },
        **extra,
    )


@router.get("/kpis", name="kpis:index")
def kpi_index(
    request: Request, user: KpiEditor, session: SessionDep, catalog: CatalogDep
) -> Response:
    return _kpi_page(request, session, catalog, user)


@router.post("/kpis/targets", name="kpis:targets")
def kpi_targets(
    request: Request, user: TargetSetter, session: SessionDep, catalog: CatalogDep, form: Posted
) -> Response:
    model = catalog.model.definition
    values = {kpi_id: form_text(form, f"target_{kpi_id}") for kpi_id in model.kpis}
    try:
        kpis.set_targets(session, model, team=None, values=values, actor_user_id=user.id)
    except Invalid as exc:
        session.rollback()
        return _kpi_page(
            request,
            session,
            catalog,
            user,
            values=values,
            errors={exc.field or "targets": exc.message},
            status_code=exc.status,
        )
    session.commit()
    return _redirect(request, "kpis:index", "targets")


@router.post("/kpis/import", name="kpis:import_preview")
def kpi_import_preview(
    request: Request,
    user: KpiEditor,
    session: SessionDep,
    catalog: CatalogDep,
    upload: Annotated[Upload, Depends(read_upload)],
) -> Response:
    if upload.content is None:
        return _kpi_page(
            request, session, catalog, user, error=upload.error, status_code=upload.status_code
        )
    try:
        plan = kpis.plan_kpi_file(session, catalog.model.definition, upload.content)
    except ServiceError as exc:
        return _kpi_page(
            request,
            session,
            catalog,
            user,
            error=_("Nothing was imported: %(reason)s") % {"reason": exc.message},
            status_code=exc.status,
        )
    return _kpi_page(request, session, catalog, user, plan=plan, content=upload.content)


@router.post("/kpis/import/confirm", name="kpis:import_confirm")
def kpi_import_confirm(
    request: Request, user: KpiEditor, session: SessionDep, catalog: CatalogDep, form: Posted
) -> Response:
    content = _posted_content(form)
    try:
        plan = kpis.plan_kpi_file(session, catalog.model.definition, content)
    except ServiceError as exc:
        return _kpi_page(request, session, catalog, user, error=exc.message, status_code=exc.status)
    if plan.digest() != form_text(form, "digest"):
        return _kpi_page(
            request,
            session,
            catalog,
            user,
            plan=plan,
            content=content,
            notice=_("The stored values changed since the preview. Check what the file does now."),
            status_code=status.HTTP_409_CONFLICT,
        )
    try:
        result = kpis.apply_kpi_plan(
            session,
            plan,
            skip_invalid=form_text(form, "skip_invalid") == "1",
            actor_user_id=user.id,
        )
    except ServiceError as exc:
        session.rollback()
        return _kpi_page(
            request,
            session,
            catalog,
            user,
            plan=plan,
            content=content,
            error=exc.message,
            status_code=exc.status,
        )
    session.commit()
    return _kpi_page(request, session, catalog, user, done=result)
