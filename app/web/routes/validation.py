"""The local validation page: does the assessment predict KPI results here? And the admin's
decision on re-weighted profile weights."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response

from app.i18n import get_language
from app.i18n import gettext as _
from app.models import Role, User
from app.scoring.validation import MIN_PEOPLE, TOP_SHARE
from app.services import validation
from app.services.errors import ServiceError
from app.web.csrf import verify_csrf
from app.web.deps import CatalogDep, SessionDep, require_roles
from app.web.routes.staff import WINDOWS, Posted, date_text, form_text, months_param
from app.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

Reader = Annotated[User, Depends(require_roles(Role.admin, Role.hr, Role.head_of_sales))]
Admin = Annotated[User, Depends(require_roles(Role.admin))]


def _page(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    user: User,
    role: str,
    months: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    try:
        evidence = validation.local_validation(session, catalog, role, months=months)
    except ServiceError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, exc.message) from None
    model = catalog.model.definition
    language = get_language()
    done = request.query_params.get("done")
    notices = {
        "accepted": _(
            "The new weights are in force: results from now on are scored with them; earlier "
            "results keep the version they were scored with."
        ),
        "rejected": _("The proposal is rejected; the weights stay as they are."),
    }
    return render(
        request,
        "staff/validation.html",
        {
            "evidence": evidence,
            "result": evidence.result,
            "role": role,
            "months": months,
            "windows": WINDOWS,
            "roles": {pid: p.name.get(language) for pid, p in model.profiles.items()},
            "names": {cid: c.name.get(language) for cid, c in model.competencies.items()},
            "min_people": MIN_PEOPLE,
            "top_share": round(TOP_SHARE * 100),
            "can_decide": user.role == Role.admin,
            "notice": notices.get(done or ""),
            "error": error,
            "date_text": date_text,
        },
        status_code=status_code,
    )


@router.get("/validation", name="validation:index")
def validation_page(
    request: Request,
    user: Reader,
    session: SessionDep,
    catalog: CatalogDep,
    role: str = "active",
) -> Response:
    months = months_param(request.query_params.get("months"))
    return _page(request, session, catalog, user, role, months)


@router.post("/validation/decision", name="validation:decide")
def decide(
    request: Request, user: Admin, session: SessionDep, catalog: CatalogDep, form: Posted
) -> Response:
    role = form_text(form, "role")
    months = months_param(form_text(form, "months"))
    accept = form_text(form, "decision") == "accept"
    try:
        validation.decide(
            session,
            catalog,
            role,
            accept=accept,
            digest=form_text(form, "digest"),
            months=months,
            actor_user_id=user.id,
        )
    except ServiceError as exc:
        session.rollback()
        shown = role if role in catalog.model.definition.profiles else "active"
        return _page(
            request,
            session,
            catalog,
            user,
            shown,
            months,
            error=exc.message,
            status_code=exc.status,
        )
    session.commit()
    target = request.url_for("validation:index").path
    done = "accepted" if accept else "rejected"
    return RedirectResponse(
        f"{target}?role={role}&months={months}&done={done}", status.HTTP_303_SEE_OTHER
    )
