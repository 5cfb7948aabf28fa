"""Pages for signed-in staff: the dashboard, the competency model, the account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import select

from app import i18n
from app.i18n import gettext as _
from app.labels import recommendation_label
from app.models import Person, Team
from app.services import campaigns as campaign_service
from app.services.audit import record_event
from app.services.reviews import completed_results
from app.web.csrf import verify_csrf
from app.web.deps import CatalogDep, CurrentUser, OptionalUser, SessionDep, manager_scope
from app.web.locale import SESSION_KEY as LANGUAGE_KEY
from app.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

LATEST_RESULTS = 5
"""Completed assessments shown on the dashboard."""


@router.get("/", name="home")
def home(request: Request, user: OptionalUser) -> Response:
    target = "pages:dashboard" if user else "auth:login"
    return RedirectResponse(request.url_for(target).path, status.HTTP_303_SEE_OTHER)


@router.get("/dashboard", name="pages:dashboard")
def dashboard(
    request: Request, user: CurrentUser, session: SessionDep, catalog: CatalogDep
) -> Response:
    people = dict(
        session.exec(select(Person.team_id, func.count()).group_by(Person.team_id)).all()  # type: ignore[arg-type]
    )
    teams = session.exec(select(Team).order_by(Team.name)).all()
    scope = manager_scope(user)
    return render(
        request,
        "dashboard/index.html",
        {
            "teams": [(team, people.get(team.id, 0)) for team in teams],
            "summaries": campaign_service.campaign_summaries(session, manager_id=scope),
            "latest": completed_results(session, manager_id=scope)[:LATEST_RESULTS],
            "batteries": catalog.batteries,
            "profiles": catalog.model.definition.profiles,
            "model_version": catalog.model.version,
            "recommendation_label": recommendation_label,
        },
    )


@router.get("/rankings", name="pages:rankings")
def rankings(
    request: Request, user: CurrentUser, session: SessionDep, catalog: CatalogDep
) -> Response:
    """Every campaign with its ranking, newest first: the head of sales' way in."""
    return render(
        request,
        "dashboard/rankings.html",
        {
            "summaries": campaign_service.campaign_summaries(
                session, manager_id=manager_scope(user)
            ),
            "batteries": catalog.batteries,
        },
    )


@router.get("/model", name="pages:model")
def model_page(request: Request, user: CurrentUser, catalog: CatalogDep) -> Response:
    return render(
        request,
        "model/index.html",
        {
            "model": catalog.model.definition,
            "model_version": catalog.model.version,
            "catalog": catalog,
        },
    )


@router.get("/account", name="pages:account")
def account(request: Request, user: CurrentUser) -> Response:
    return render(request, "account/index.html", {"saved": request.query_params.get("saved")})


@router.post("/account/language", name="pages:account_language")
def set_language(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    language: Annotated[str, Form(max_length=5)],
) -> Response:
    chosen = i18n.pick_language(language)
    if chosen is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, _("Choose one of the offered languages."))
    user.language = chosen
    session.add(user)
    record_event(
        session,
        organisation_id=user.organisation_id or 0,
        actor_user_id=user.id,
        action="user.language_changed",
        object_type="user",
        object_id=user.id,
        details={"language": chosen},
    )
    session.commit()
    request.session[LANGUAGE_KEY] = chosen
    return RedirectResponse(
        request.url_for("pages:account").path + "?saved=1", status.HTTP_303_SEE_OTHER
    )
