"""The team map and the planner of a move between roles (pages and JSON).

Admins, HR and heads of sales see the whole organisation and may narrow it to a team or to
a manager's people; a manager sees only the people they manage, and a team or a manager that
is not theirs is answered with 404, as if it did not exist. The planner is also in the API at
GET /api/v1/teams/transition (Bearer token; admins, HR and heads of sales).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from app.i18n import get_language, ngettext
from app.i18n import gettext as _
from app.labels import recommendation_label
from app.models import Role, User
from app.scoring.definitions import CompetencyModel
from app.services import teams
from app.services.errors import ServiceError
from app.services.report import component_name
from app.web.csrf import verify_csrf
from app.web.deps import ApiUser, CatalogDep, SessionDep, require_roles
from app.web.hyphenation import hyphenate
from app.web.templating import number, render

pages = APIRouter(dependencies=[Depends(verify_csrf)])
api = APIRouter(prefix="/api/v1")
router = APIRouter()

Viewer = Annotated[
    User, Depends(require_roles(Role.admin, Role.hr, Role.head_of_sales, Role.manager))
]
PAGE_SIZE = 100
"""Rows of the team map per page; the summary row always covers everyone in scope."""
LIST_LIMIT = 50
"""People shown per list of the planner's page unless all are asked for (`all=1`)."""
MAX_ID_DIGITS = 9
MAX_HEADCOUNT = teams.MAX_HEADCOUNT

# ----------------------------------------------------------------------------- helpers


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND)


def _bad_request(message: str) -> HTTPException:
    return HTTPException(status.HTTP_400_BAD_REQUEST, message)


def _id_param(value: str | None, message: str) -> int | None:
    """A number from the query string (empty means none); 400 with `message` otherwise."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not text.isdigit() or len(text) > MAX_ID_DIGITS:
        raise _bad_request(message)
    return int(text)


def _scope(
    session: Session, user: User, team_id: int | None, manager_id: int | None
) -> tuple[int | None, int | None]:
    """The team and manager to narrow to; for a manager, always their own people."""
    if user.role != Role.manager:
        return team_id, manager_id
    if manager_id is not None and manager_id != user.id:
        raise _not_found()
    if team_id is not None and team_id not in {
        t.id for t in teams.visible_teams(session, manager_id=user.id)
    }:
        raise _not_found()
    return team_id, user.id


def _path_pattern(request: Request, name: str, param: str) -> str:
    """A route's path with `{}` for its one parameter: url_for once, not once per row."""
    marker = 987654321
    path = request.url_for(name, **{param: marker}).path
    return path.replace("{", "{{").replace("}", "}}").replace(str(marker), "{}")


def _levels(model: CompetencyModel, language: str) -> list[dict[str, Any]]:
    """The reporting levels, lowest first, with the letter shown in a cell."""
    ordered = sorted(model.levels.items(), key=lambda item: item[1].min)
    return [
        {
            "id": level_id,
            "name": level.name.get(language),
            "letter": level.name.get(language)[:1].upper(),
            "min": level.min,
            "max": level.max,
        }
        for level_id, level in ordered
    ]


def _role_name(model: CompetencyModel, role: str | None, language: str) -> str:
    if role and role in model.profiles:
        return model.profiles[role].name.get(language)
    return _("not recorded")


def _attainment(value: float | None) -> str:
    """KPI attainment as a whole per cent, or a dash."""
    return "—" if value is None else f"{round(value * 100)}%"


def _months(value: float | None) -> str:
    """Months as the plan gives them (halves), without a needless .0."""
    return "—" if value is None else number(value)


# ----------------------------------------------------------------------------- the team map


@pages.get("/teams/map", name="teams:map")
def team_map(
    request: Request,
    user: Viewer,
    session: SessionDep,
    catalog: CatalogDep,
    team: str | None = None,
    manager: str | None = None,
    page: str | None = None,
) -> Response:
    team_id = _id_param(team, _("Choose the team from the list (team=its number)."))
    manager_id = _id_param(manager, _("Choose the manager from the list (manager=their number)."))
    page_number = _id_param(page, _("The page must be a whole number from 1.")) or 1
    team_id, manager_id = _scope(session, user, team_id, manager_id)
    try:
        found = teams.team_map(session, catalog, team_id=team_id, manager_id=manager_id)
    except ServiceError as exc:
        raise HTTPException(exc.status, exc.message) from exc
    pages_total = max(1, -(-len(found.rows) // PAGE_SIZE))
    if page_number > pages_total:
        raise _not_found()
    rows = found.rows[(page_number - 1) * PAGE_SIZE : page_number * PAGE_SIZE]
    model = catalog.model.definition
    language = get_language()
    is_manager = user.role == Role.manager
    levels = _levels(model, language)

    def page_url(number: int) -> str:
        query = {"team": team_id, "manager": None if is_manager else manager_id, "page": number}
        return (
            request.url_for("teams:map").path
            + "?"
            + urlencode({key: value for key, value in query.items() if value is not None})
        )

    report_path = _path_pattern(request, "report:person", "person_id")

    def knockout_names(competencies: Sequence[str]) -> str:
        return ", ".join(component_name(catalog, c, language) for c in competencies)

    return render(
        request,
        "teams/map.html",
        {
            "map": found,
            "rows": rows,
            "model": model,
            "levels": levels,
            "level_names": {level["id"]: level["name"] for level in levels},
            "level_letters": {level["id"]: level["letter"] for level in levels},
            "level_of": lambda score: teams.level_of(model, score),
            "knockout_names": knockout_names,
            "page_url": page_url,
            "report_url": lambda person_id: report_path.format(person_id),
            "teams": teams.visible_teams(session, manager_id=user.id if is_manager else None),
            "managers": [] if is_manager else teams.managers(session),
            "team_id": team_id,
            "manager_id": None if is_manager else manager_id,
            "is_manager": is_manager,
            "page": page_number,
            "pages": pages_total,
            "recommendation_label": recommendation_label,
            "hyphenate": hyphenate,
        },
    )


# ----------------------------------------------------------------------------- the planner


def answer_sentences(plan: teams.Transition, model: CompetencyModel, language: str) -> list[str]:
    """The plan in plain words, one sentence per group, the hiring last."""
    role = _role_name(model, plan.role, language)
    sentences = []
    n = len(plan.fit_now)
    sentences.append(
        ngettext("%(num)s person fits “%(role)s” now.", "%(num)s people fit “%(role)s” now.", n)
        % {"num": n, "role": role}
    )
    n = len(plan.developable)
    needed = len(plan.to_develop)
    if n == 0:
        sentences.append(_("No one else can be developed into it within the model's limits."))
    elif needed == n:
        sentences.append(
            ngettext(
                "%(num)s can be developed into it in about %(months)s months.",
                "%(num)s can be developed into it in about %(months)s months.",
                n,
            )
            % {"num": n, "months": _months(plan.months_to_staff)}
        )
    elif needed > 0:
        sentences.append(
            ngettext(
                "%(num)s can be developed into it; the %(needed)s needed for the headcount "
                "take about %(months)s months.",
                "%(num)s can be developed into it; the %(needed)s needed for the headcount "
                "take about %(months)s months.",
                n,
            )
            % {"num": n, "needed": needed, "months": _months(plan.months_to_staff)}
        )
    else:
        sentences.append(
            ngettext(
                "%(num)s more can be developed into it (about %(months)s months), though the "
                "headcount is reached without them.",
                "%(num)s more can be developed into it (up to %(months)s months), though the "
                "headcount is reached without them.",
                n,
            )
            % {"num": n, "months": _months(plan.longest_plan)}
        )
    for current, entries in plan.keep_by_role().items():
        n = len(entries)
        sentences.append(
            ngettext(
                "%(num)s is better kept in “%(role)s”, the role they are in now.",
                "%(num)s are better kept in “%(role)s”, the role they are in now.",
                n,
            )
            % {"num": n, "role": _role_name(model, current, language)}
        )
    n = len(plan.not_a_fit)
    if n:
        sentences.append(
            ngettext(
                "%(num)s fits neither this role nor the role they are in now.",
                "%(num)s fit neither this role nor the role they are in now.",
                n,
            )
            % {"num": n}
        )
    n = len(plan.insufficient_data)
    if n:
        sentences.append(
            ngettext(
                "%(num)s person has no assessment with enough scores to judge.",
                "%(num)s people have no assessment with enough scores to judge.",
                n,
            )
            % {"num": n}
        )
    hires = plan.hires_needed
    if hires:
        sentences.append(
            ngettext(
                "Hire %(num)s to reach a headcount of %(headcount)s.",
                "Hire %(num)s to reach a headcount of %(headcount)s.",
                hires,
            )
            % {"num": hires, "headcount": plan.headcount}
        )
    else:
        sentences.append(
            _("No hiring is needed to reach a headcount of %(headcount)s.")
            % {"headcount": plan.headcount}
        )
    if plan.other is not None:
        other = plan.other
        sentences.append(
            ngettext(
                "In “%(role)s”, %(num)s person who stays fits it now; hire %(hires)s to reach "
                "%(headcount)s there.",
                "In “%(role)s”, %(num)s people who stay fit it now; hire %(hires)s to reach "
                "%(headcount)s there.",
                other.available,
            )
            % {
                "role": _role_name(model, other.role, language),
                "num": other.available,
                "hires": other.hires_needed,
                "headcount": other.headcount,
            }
        )
    return sentences


def _headcount_param(value: str | None, *, other: bool) -> tuple[int | None, str | None]:
    """(the headcount, None) or (None, a message saying what is wrong)."""
    if value is None or not value.strip():
        return None, None
    text = value.strip()
    names = {"max": MAX_HEADCOUNT, "value": text}
    if text.startswith("-") and text[1:].isdigit():
        message = (
            _("The headcount in the other role must be 0 or more.")
            if other
            else _("The target headcount must be 0 or more.")
        )
        return None, message
    if not text.isdigit() or int(text) > MAX_HEADCOUNT:
        message = (
            _(
                "The headcount in the other role must be a whole number from 0 to %(max)s; "
                "“%(value)s” was given."
            )
            if other
            else _(
                "The target headcount must be a whole number from 0 to %(max)s; "
                "“%(value)s” was given."
            )
        )
        return None, message % names
    return int(text), None


@pages.get("/teams/transition", name="teams:transition")
def transition_page(
    request: Request,
    user: Viewer,
    session: SessionDep,
    catalog: CatalogDep,
    role: str | None = None,
    headcount: str | None = None,
    other_headcount: str | None = None,
    team: str | None = None,
    show_all: Annotated[str | None, Query(alias="all")] = None,
) -> Response:
    language = get_language()
    model = catalog.model.definition
    team_id = _id_param(team, _("Choose the team from the list (team=its number)."))
    team_id, manager_id = _scope(session, user, team_id, None)
    chosen_role = (role or "active").strip()
    errors: dict[str, str] = {}
    if chosen_role not in model.profiles:
        errors["role"] = _("Unknown role “%(role)s”: choose one of the roles in the list.") % {
            "role": chosen_role
        }
    target, message = _headcount_param(headcount, other=False)
    if message:
        errors["headcount"] = message
    other, message = _headcount_param(other_headcount, other=True)
    if message:
        errors["other_headcount"] = message
    other_role = teams.other_role(model, chosen_role) if chosen_role in model.profiles else None
    plan = None
    if not errors and target is not None:
        try:
            plan = teams.transition(
                session,
                catalog,
                role=chosen_role,
                headcount=target,
                team_id=team_id,
                manager_id=manager_id,
                other_headcount=other if other_role else None,
            )
        except ServiceError as exc:
            if exc.status == status.HTTP_404_NOT_FOUND:
                raise _not_found() from exc
            errors[exc.field or "headcount"] = exc.message
    elif team_id is not None:
        try:
            teams.resolve_scope(session, team_id=team_id)
        except ServiceError as exc:
            raise _not_found() from exc
    is_manager = user.role == Role.manager
    return render(
        request,
        "teams/transition.html",
        {
            "plan": plan,
            "answer": answer_sentences(plan, model, language) if plan else [],
            "model": model,
            "component_name": lambda cid: component_name(catalog, cid, language),
            "profiles": list(model.profiles.items()),
            "teams": teams.visible_teams(session, manager_id=user.id if is_manager else None),
            "team_id": team_id,
            "role": chosen_role,
            "other_role": other_role,
            "headcount": headcount or "",
            "other_headcount": other_headcount or "",
            "errors": errors,
            "months": _months,
            "limit": None if show_all == "1" else LIST_LIMIT,
            "show_all_url": request.url.path
            + "?"
            + urlencode({**dict(request.query_params), "all": "1"}),
            "role_name": lambda r: _role_name(model, r, language),
            "kpi": _attainment,
        },
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if errors else status.HTTP_200_OK,
    )


# ----------------------------------------------------------------------------- the API


class PlanStepOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    competency: str
    score: float = Field(description="the score now (0-100)")
    aim: float = Field(description="the score the plan works towards")
    months: float = Field(description="estimated months to get there (expert estimate)")
    activities: list[str] = Field(description="ids of the model's development activities")


class TransitionPersonOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    full_name: str
    team_id: int | None
    team: str | None
    current_role: str | None = Field(description="the person's role, else their team's mode")
    fit: float | None = Field(description="fit index for the target role now (0-100)")
    current_role_fit: float | None = Field(description="fit index for the current role now")
    months: float | None = Field(None, description="developable: the plan's estimated months")
    projected_fit: float | None = Field(None, description="developable: fit after the plan")
    develop: list[PlanStepOut] = Field(
        default_factory=list, description="developable: the competencies to develop"
    )
    blocking: list[str] = Field(
        default_factory=list, description="not a fit: what development cannot close"
    )
    kpi_attainment: float | None = Field(
        None,
        description="KPI results of the current role over the last three months against the "
        "targets (1.0 = on target)",
    )


class TransitionOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str
    headcount: int
    fit_now: list[TransitionPersonOut]
    developable: list[TransitionPersonOut]
    keep_in_current_role: list[TransitionPersonOut]
    not_a_fit: list[TransitionPersonOut]
    insufficient_data: list[TransitionPersonOut]
    hires_needed: int


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _rounded_ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _person_out(entry: teams.TransitionEntry, *, plan: bool = False) -> dict[str, Any]:
    """One person as TransitionPersonOut describes them (built as a dict: 2,000 of them are
    written straight to JSON rather than validated one by one)."""
    member = entry.member
    return {
        "person_id": member.person_id,
        "full_name": member.full_name,
        "team_id": member.team_id,
        "team": member.team,
        "current_role": member.current_role,
        "fit": _rounded(entry.fit),
        "current_role_fit": _rounded(entry.current_role_fit),
        "months": entry.months if plan else None,
        "projected_fit": _rounded(entry.projected_fit) if plan else None,
        "develop": [
            {
                "competency": step.competency,
                "score": round(step.score, 1),
                "aim": round(step.aim, 1),
                "months": round(step.months, 1),
                "activities": [a.id for a in step.activities],
            }
            for step in entry.plan
        ]
        if plan
        else [],
        "blocking": list(entry.blocking) if not plan else [],
        "kpi_attainment": _rounded_ratio(member.attainment),
    }


def _api_reader(user: ApiUser) -> User:
    if user.role not in (Role.admin, Role.hr, Role.head_of_sales):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, _("Your role does not give access to this request.")
        )
    return user


@api.get(
    "/teams/transition",
    name="api:teams_transition",
    summary="Plan a move of people into a role",
    tags=["teams"],
    response_model=TransitionOut,
    responses={
        401: {"description": "no valid API token"},
        403: {"description": "the token's role may not read plans"},
        404: {"description": "no such team in this organisation"},
        422: {"description": "unknown role or a negative headcount"},
    },
)
def transition_api(
    user: Annotated[User, Depends(_api_reader)],
    session: SessionDep,
    catalog: CatalogDep,
    headcount: Annotated[
        int, Query(description=f"target headcount in the role, 0 to {MAX_HEADCOUNT}")
    ],
    role: Annotated[str, Query(description="profile id, e.g. active")] = "active",
    team: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="a team's id")] = None,
) -> Response:
    """Who fits the role now, who can be developed (with plans), who is better kept in the
    role they are in, who fits neither, and how many to hire for the headcount."""
    try:
        plan = teams.transition(session, catalog, role=role, headcount=headcount, team_id=team)
    except ServiceError as exc:
        raise HTTPException(exc.status, exc.message) from exc
    return JSONResponse(
        {
            "role": plan.role,
            "headcount": plan.headcount,
            "fit_now": [_person_out(e) for e in plan.fit_now],
            "developable": [_person_out(e, plan=True) for e in plan.developable],
            "keep_in_current_role": [_person_out(e) for e in plan.keep_in_current_role],
            "not_a_fit": [_person_out(e) for e in plan.not_a_fit],
            "insufficient_data": [_person_out(e) for e in plan.insufficient_data],
            "hires_needed": plan.hires_needed,
        }
    )


router.include_router(pages)
router.include_router(api)
