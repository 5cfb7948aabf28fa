"""Results for staff, and the queue of answers a person scores (work samples, manager ratings).

Admins, HR and heads of sales see the whole organisation; a manager sees only the people
they manage (directly or through a team they lead): anyone else is answered with 404, as if
the page did not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app import i18n
from app.i18n import gettext as _
from app.ids import parse_id
from app.labels import confidence_label, flag_text, recommendation_label
from app.models import AssessmentSession, Campaign, Invitation, Person, Role, User
from app.scoring.definitions import ManagerRating as ManagerRatingDefinition
from app.scoring.loader import Catalog
from app.services import reviews
from app.services.audit import record_read
from app.services.errors import ServiceError
from app.services.report import caution_sentences, pending_sentences
from app.services.results import current_ratings, latest_result
from app.web.csrf import verify_csrf
from app.web.deps import CatalogDep, SessionDep, manager_scope, require_roles
from app.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

Staff = Annotated[
    User, Depends(require_roles(Role.admin, Role.hr, Role.head_of_sales, Role.manager))
]

POINTS_FIELD = "points_"
RATING_FIELD = "rating_"


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (read here so the routes can stay synchronous)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]


# ----------------------------------------------------------------------------- access


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND)


def _visible_person(session: Session, user: User, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise _not_found()
    if user.role == Role.manager and not reviews.manages(session, user.id or 0, person):
        raise _not_found()
    return person


def _invitation(session: Session, user: User, invitation_id: int) -> tuple[Invitation, Person]:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise _not_found()
    return invitation, _visible_person(session, user, invitation.person_id)


def _campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise _not_found()
    return campaign


def _queue_url(request: Request, saved: str) -> str:
    return request.url_for("reviews:queue").path + f"?saved={saved}"


# ----------------------------------------------------------------------------- the queue


@router.get("/reviews", name="reviews:queue")
def queue(request: Request, user: Staff, session: SessionDep, catalog: CatalogDep) -> Response:
    waiting = reviews.queue(session, catalog, manager_id=manager_scope(user))
    return render(
        request,
        "reviews/queue.html",
        {"queue": waiting, "saved": request.query_params.get("saved")},
    )


# ----------------------------------------------------------------------------- work samples


def _work(
    session: Session, catalog: Catalog, user: User, session_id: int
) -> tuple[AssessmentSession, Any, Invitation, Person, Campaign]:
    instrument_session = session.get(AssessmentSession, session_id)
    if instrument_session is None or instrument_session.invitation_id is None:
        raise _not_found()
    instrument = reviews.work_sample_of(catalog, instrument_session)
    if instrument is None:
        raise _not_found()
    invitation, person = _invitation(session, user, instrument_session.invitation_id)
    return (
        instrument_session,
        instrument,
        invitation,
        person,
        _campaign(session, invitation.campaign_id),
    )


def _work_page(
    request: Request,
    session: Session,
    catalog: Catalog,
    user: User,
    session_id: int,
    *,
    chosen: dict[str, str] | None = None,
    error: ServiceError | None = None,
) -> Response:
    instrument_session, instrument, invitation, person, campaign = _work(
        session, catalog, user, session_id
    )
    if chosen is None:
        chosen = {k: str(v) for k, v in reviews.review_points(session, instrument_session).items()}
    answers = reviews.work_answers(session, instrument_session)
    return render(
        request,
        "reviews/work.html",
        {
            "instrument_session": instrument_session,
            "instrument": instrument,
            "invitation": invitation,
            "person": person,
            "campaign": campaign,
            "answers": answers,
            "words": {task_id: len(text.split()) for task_id, text in answers.items()},
            "chosen": chosen,
            "completed": reviews.is_completed(invitation),
            "error": error,
            "field_prefix": POINTS_FIELD,
            "answer_language": instrument_session.language,
        },
        status_code=error.status if error else status.HTTP_200_OK,
    )


@router.get("/reviews/work/{session_id:id}", name="reviews:work")
def work(
    request: Request, session_id: int, user: Staff, session: SessionDep, catalog: CatalogDep
) -> Response:
    response = _work_page(request, session, catalog, user, session_id)
    instrument_session = session.get(AssessmentSession, session_id)
    record_read(
        session,
        user=user,
        action="work_sample.viewed",
        person_ids=[instrument_session.person_id if instrument_session else None],
        object_type="assessment_session",
        object_id=session_id,
    )
    session.commit()
    return response


@router.post("/reviews/work/{session_id:id}", name="reviews:work_save")
def work_save(
    request: Request,
    session_id: int,
    user: Staff,
    session: SessionDep,
    catalog: CatalogDep,
    fields: FormFields,
) -> Response:
    instrument_session, instrument, *_rest = _work(session, catalog, user, session_id)
    points = {
        criterion.id: fields[POINTS_FIELD + criterion.id]
        for criterion in reviews.criteria_of(instrument)
        if POINTS_FIELD + criterion.id in fields
    }
    try:
        reviews.save_review(
            session,
            catalog,
            instrument_session=instrument_session,
            points=points,
            reviewer_id=user.id,
        )
    except ServiceError as exc:
        session.rollback()
        chosen = {k: str(v) for k, v in points.items()}
        return _work_page(request, session, catalog, user, session_id, chosen=chosen, error=exc)
    session.commit()
    return RedirectResponse(_queue_url(request, "review"), status.HTTP_303_SEE_OTHER)


# ----------------------------------------------------------------------------- manager ratings


def _rating(
    session: Session, catalog: Catalog, user: User, invitation_id: int
) -> tuple[Invitation, Person, Campaign, ManagerRatingDefinition]:
    invitation, person = _invitation(session, user, invitation_id)
    campaign = _campaign(session, invitation.campaign_id)
    instruments = reviews.rating_instruments(catalog, campaign)
    if not instruments:
        raise _not_found()
    return invitation, person, campaign, instruments[0]


def _rating_page(
    request: Request,
    session: Session,
    catalog: Catalog,
    user: User,
    invitation_id: int,
    *,
    chosen: dict[str, str] | None = None,
    error: ServiceError | None = None,
) -> Response:
    invitation, person, campaign, instrument = _rating(session, catalog, user, invitation_id)
    current = current_ratings(session, invitation, instrument.id)
    if chosen is None:
        chosen = {k: str(v) for k, v in current.items()}
    return render(
        request,
        "reviews/rating.html",
        {
            "invitation": invitation,
            "person": person,
            "campaign": campaign,
            "instrument": instrument,
            "chosen": chosen,
            "rated_before": bool(current),
            "completed": reviews.is_completed(invitation),
            "error": error,
            "field_prefix": RATING_FIELD,
        },
        status_code=error.status if error else status.HTTP_200_OK,
    )


@router.get("/reviews/rating/{invitation_id:id}", name="reviews:rating")
def rating(
    request: Request, invitation_id: int, user: Staff, session: SessionDep, catalog: CatalogDep
) -> Response:
    return _rating_page(request, session, catalog, user, invitation_id)


@router.post("/reviews/rating/{invitation_id:id}", name="reviews:rating_save")
def rating_save(
    request: Request,
    invitation_id: int,
    user: Staff,
    session: SessionDep,
    catalog: CatalogDep,
    fields: FormFields,
) -> Response:
    invitation, _who, _where, instrument = _rating(session, catalog, user, invitation_id)
    values = {item.id: fields.get(RATING_FIELD + item.id, "").strip() for item in instrument.items}
    try:
        reviews.save_rating(
            session,
            catalog,
            invitation=invitation,
            values=values,
            rater_id=user.id,
            instrument_id=instrument.id,
        )
    except ServiceError as exc:
        session.rollback()
        return _rating_page(
            request, session, catalog, user, invitation_id, chosen=values, error=exc
        )
    session.commit()
    return RedirectResponse(_queue_url(request, "rating"), status.HTTP_303_SEE_OTHER)


# ----------------------------------------------------------------------------- results


@router.get("/results", name="reviews:results")
def results(request: Request, user: Staff, session: SessionDep, catalog: CatalogDep) -> Response:
    raw = request.query_params.get("campaign", "").strip()
    campaign_id = parse_id(raw)
    error = None
    if raw and campaign_id is None:
        error = _("The campaign filter must be a campaign from the list; showing all campaigns.")
    rows = reviews.completed_results(
        session, campaign_id=campaign_id, manager_id=manager_scope(user)
    )
    return render(
        request,
        "reviews/results.html",
        {
            "rows": rows,
            "campaigns": reviews.campaigns_with_results(session, manager_id=manager_scope(user)),
            "campaign_id": campaign_id,
            "error": error,
            "recommendation_label": recommendation_label,
            "confidence_label": confidence_label,
        },
    )


@router.get("/results/{invitation_id:id}", name="reviews:result")
def result(
    request: Request, invitation_id: int, user: Staff, session: SessionDep, catalog: CatalogDep
) -> Response:
    invitation, person = _invitation(session, user, invitation_id)
    snapshot = latest_result(session, invitation_id) if reviews.is_completed(invitation) else None
    if snapshot is None:
        raise _not_found()
    campaign = _campaign(session, invitation.campaign_id)
    record_read(
        session,
        user=user,
        action="result.viewed",
        person_ids=[person.id],
        object_type="invitation",
        object_id=invitation_id,
    )
    session.commit()
    language = i18n.get_language()
    scores: dict[str, Any] = snapshot.scores or {}
    model = catalog.model.definition
    pending: list[dict[str, str]] = scores.get("pending") or []
    by_instrument = reviews.work_sessions(session, catalog, invitation)
    to_review = [
        by_instrument[p["instrument"]].id
        for p in pending
        if p.get("kind") == "review" and p.get("instrument") in by_instrument
    ]
    return render(
        request,
        "reviews/result.html",
        {
            "invitation": invitation,
            "person": person,
            "campaign": campaign,
            "snapshot": snapshot,
            "scores": scores,
            "summary": (scores.get("summary") or {}).get(language, ""),
            "model": model,
            "catalog": catalog,
            "flags": [(code, flag_text(code, language)) for code in snapshot.flags],
            "pending": pending_sentences(catalog, pending, language),
            "cautions": caution_sentences(
                catalog.model.definition,
                scores.get("cautions") or [],
                language,
                knockouts=scores.get("knockouts") or {},
            ),
            "review_link": to_review[0] if to_review else None,
            "rating_due": any(p.get("kind") == "manager_rating" for p in pending),
            "recommendation_label": recommendation_label,
            "confidence_label": confidence_label,
            "model_changed": snapshot.model_version != catalog.model.version,
        },
    )
