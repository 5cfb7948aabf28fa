"""The campaign ranking, the side-by-side comparison and the CSV/XLSX exports.

Admins, HR and heads of sales see everyone with a result; a manager sees only the people
they manage, and a campaign without any of them is answered with 404. Sorting and filters
are URL parameters (`?sort=fit:active&order=desc&confidence=medium`), so the page works
without JavaScript and an export link carries exactly what the page shows.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import Response
from sqlmodel import Session

from app import i18n
from app.i18n import gettext as _
from app.labels import confidence_label, flag_text, flag_title, is_serious, recommendation_label
from app.models import Campaign, Role, User
from app.scoring.loader import Catalog
from app.services import ranking as ranking_service
from app.services.audit import record_read
from app.services.errors import NotFound, ServiceError
from app.services.ranking import Ranking
from app.web.csrf import verify_csrf
from app.web.deps import CatalogDep, SessionDep, manager_scope, require_roles
from app.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)])

Staff = Annotated[
    User, Depends(require_roles(Role.admin, Role.hr, Role.head_of_sales, Role.manager))
]

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ----------------------------------------------------------------------------- words


def order_label(key: str, order: str) -> str:
    if key == "name":
        return _("from Z to A") if order == "desc" else _("from A to Z")
    return _("highest first") if order == "desc" else _("lowest first")


# ----------------------------------------------------------------------------- access


def _campaign(session: Session, user: User, campaign_id: int) -> Campaign:
    try:
        return ranking_service.visible_campaign(
            session, campaign_id, manager_id=manager_scope(user)
        )
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND) from exc


def _ranking(
    request: Request, session: Session, catalog: Catalog, user: User, campaign: Campaign
) -> tuple[Ranking, list[str]]:
    model = catalog.model.definition
    query, problems = ranking_service.read_query(
        request.query_params.multi_items(), model, campaign
    )
    ranked = ranking_service.rank_campaign(
        session, model, campaign, query, manager_id=manager_scope(user)
    )
    return ranked, problems


def _url(request: Request, name: str, campaign: Campaign, params: list[tuple[str, str]]) -> str:
    path = request.url_for(name, campaign_id=campaign.id).path
    return path + ("?" + urlencode(params) if params else "")


# ----------------------------------------------------------------------------- the ranking


def _sort_label(catalog: Catalog, key: str, language: str) -> str:
    model = catalog.model.definition
    if key.startswith(ranking_service.PROBABILITY_SORT):
        pid = key.removeprefix(ranking_service.PROBABILITY_SORT)
        if pid == ranking_service.EITHER:
            return _("Probability: the more likely role")
        name = model.profiles[pid].name.get(language) if pid in model.profiles else pid
        return _("Probability: %(profile)s") % {"profile": name}
    if key.startswith(ranking_service.FIT_SORT):
        pid = key.removeprefix(ranking_service.FIT_SORT)
        name = model.profiles[pid].name.get(language) if pid in model.profiles else pid
        return _("Fit: %(profile)s") % {"profile": name}
    if key.startswith(ranking_service.COMPETENCY_SORT):
        cid = key.removeprefix(ranking_service.COMPETENCY_SORT)
        return model.competencies[cid].name.get(language) if cid in model.competencies else cid
    labels = {
        "recommendation": _("Recommendation"),
        "confidence": _("Confidence"),
        "flags": _("Flags"),
        "name": _("Name"),
    }
    return labels.get(key, key)


@router.get("/campaigns/{campaign_id:id}/ranking", name="ranking:campaign")
def campaign_ranking(
    request: Request, campaign_id: int, user: Staff, session: SessionDep, catalog: CatalogDep
) -> Response:
    campaign = _campaign(session, user, campaign_id)
    ranked, problems = _ranking(request, session, catalog, user, campaign)
    query = ranked.query
    language = i18n.get_language()
    model = catalog.model.definition

    def sort_url(key: str) -> str:
        order = (
            ("asc" if query.order == "desc" else "desc")
            if key == query.sort
            else ranking_service.default_order(key)
        )
        return _url(request, "ranking:campaign", campaign, query.params(sort=key, order=order))

    def aria_sort(key: str) -> str | None:
        if key != query.sort:
            return None
        return "descending" if query.order == "desc" else "ascending"

    def outcome_url(code: str) -> str:
        return _url(request, "ranking:campaign", campaign, query.params(recommendations=(code,)))

    params = query.params()
    return render(
        request,
        "ranking/campaign.html",
        {
            "campaign": campaign,
            "ranking": ranked,
            "query": query,
            "problems": problems,
            "model": model,
            "sort_keys": [
                (key, _sort_label(catalog, key, language))
                for key in ranking_service.sort_keys(model)
            ],
            "sort_url": sort_url,
            "outcome_url": outcome_url,
            "aria_sort": aria_sort,
            "sort_label": _sort_label(catalog, query.sort, language),
            "order_label": order_label,
            "csv_url": _url(request, "ranking:csv", campaign, params),
            "xlsx_url": _url(request, "ranking:xlsx", campaign, params),
            "clear_url": _url(request, "ranking:campaign", campaign, []),
            "recommendations": ranking_service.RECOMMENDATIONS,
            "recommendation_label": recommendation_label,
            "confidence_label": confidence_label,
            "flag_title": flag_title,
            "flag_text": lambda code: flag_text(code, language),
            "is_serious": is_serious,
            "min_compare": ranking_service.MIN_COMPARE,
            "max_compare": ranking_service.MAX_COMPARE,
        },
    )


# ----------------------------------------------------------------------------- comparison


@router.get("/campaigns/{campaign_id:id}/compare", name="ranking:compare")
def compare(
    request: Request, campaign_id: int, user: Staff, session: SessionDep, catalog: CatalogDep
) -> Response:
    campaign = _campaign(session, user, campaign_id)
    language = i18n.get_language()
    error: ServiceError | None = None
    rows: list[Any] = []
    try:
        ids = ranking_service.read_people(request.query_params.getlist("people"))
        rows = ranking_service.compare(session, campaign, ids, manager_id=manager_scope(user))
        record_read(
            session,
            user=user,
            action="result.viewed",
            person_ids=[row.person.id for row in rows],
            object_type="campaign",
            object_id=campaign.id,
            details={"as": "comparison"},
        )
        session.commit()
    except ServiceError as exc:
        error = exc
    model = catalog.model.definition
    best: dict[str, float] = {}
    for cid in model.competencies:
        scores = [s for s in (row.competency(cid) for row in rows) if s is not None]
        if len(scores) > 1 and max(scores) > min(scores):
            best[cid] = max(scores)
    return render(
        request,
        "ranking/compare.html",
        {
            "campaign": campaign,
            "rows": rows,
            "error": error,
            "model": model,
            "best": best,
            "back_url": request.url_for("ranking:campaign", campaign_id=campaign.id).path,
            "recommendation_label": recommendation_label,
            "confidence_label": confidence_label,
            "flag_text": lambda code: flag_text(code, language),
            "is_serious": is_serious,
        },
        status_code=error.status if error else status.HTTP_200_OK,
    )


# ----------------------------------------------------------------------------- exports


def _export(
    request: Request,
    session: Session,
    catalog: Catalog,
    user: User,
    campaign_id: int,
    extension: str,
) -> Response:
    campaign = _campaign(session, user, campaign_id)
    ranked, problems = _ranking(request, session, catalog, user, campaign)
    if problems:
        # A file quietly different from what was asked for would mislead: refuse instead.
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            " ".join(problems) + " " + _("Nothing was exported; correct the link and try again."),
        )
    model = catalog.model.definition
    header = ranking_service.export_header(model)
    rows = ranking_service.export_rows(ranked, model)
    if extension == "csv":
        body, media_type = ranking_service.to_csv(header, rows), CSV_TYPE
    else:
        body = ranking_service.to_xlsx(header, rows, title="ranking")
        media_type = XLSX_TYPE
    ranking_service.record_export(session, ranked, user_id=user.id, file_format=extension)
    record_read(
        session,
        user=user,
        action="result.exported",
        person_ids=[row.person.id for row in ranked.rows],
        object_type="campaign",
        object_id=campaign.id,
        details={"format": extension},
    )
    session.commit()
    ascii_stem, unicode_stem = ranking_service.file_stem(campaign)
    disposition = (
        f'attachment; filename="{ascii_stem}.{extension}"; '
        f"filename*=UTF-8''{quote(unicode_stem + '.' + extension, safe='')}"
    )
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/campaigns/{campaign_id:id}/ranking.csv", name="ranking:csv")
def ranking_csv(
    request: Request, campaign_id: int, user: Staff, session: SessionDep, catalog: CatalogDep
) -> Response:
    return _export(request, session, catalog, user, campaign_id, "csv")


@router.get("/campaigns/{campaign_id:id}/ranking.xlsx", name="ranking:xlsx")
def ranking_xlsx(
    request: Request, campaign_id: int, user: Staff, session: SessionDep, catalog: CatalogDep
) -> Response:
    return _export(request, session, catalog, user, campaign_id, "xlsx")
