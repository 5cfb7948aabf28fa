"""The JSON API under /api/v1.

Staff endpoints take a Bearer API token (`ApiUser`) and are limited by role. The candidate's
endpoints under /sessions/{token} are reached with the secret link token alone: no Bearer, no
cookies, no CSRF. Errors are JSON: `{"detail": message}`, plus `item` for a refused answer
and `errors` for refused people. A request that is refused changes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import anyio
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlmodel import Session, col, select

from app import i18n
from app.db import utcnow
from app.i18n import gettext as _
from app.labels import flag_text, flag_title
from app.models import Campaign, Invitation, InvitationStatus, Person, Role, ScoreSnapshot, User
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services import report as report_service
from app.services import results as result_service
from app.services import sessions as session_service
from app.services import snapshot_view
from app.services.audit import API, record_read
from app.services.catalogs import organisation_catalog
from app.services.errors import Conflict, Invalid, NotFound, ServiceError
from app.services.people import add_person, check_person
from app.services.ratelimit import SlidingWindowLimiter
from app.web.deps import (
    INVALID_LINK_MIN_SECONDS,
    ApiUser,
    CatalogDep,
    SessionDep,
    SettingsDep,
    client_address,
    link_limiter,
)
from app.web.locale import COOKIE as LANGUAGE_COOKIE
from app.web.schemas import (
    AnswerErrorOut,
    AnswersIn,
    CampaignCreate,
    CampaignOut,
    CampaignRef,
    CompetencyScore,
    CompletedOut,
    ConsentIn,
    ErrorOut,
    FlagOut,
    InvitationErrorOut,
    InvitationOut,
    InvitationsCreate,
    PersonError,
    PersonOut,
    ReportInvitation,
    ReportOut,
    ResultOut,
    SavedOut,
    SectionStartOut,
    SessionOut,
    SessionStatusOut,
    SnapshotOut,
)

FINAL = frozenset(
    {
        InvitationStatus.completed,
        InvitationStatus.declined,
        InvitationStatus.expired,
        InvitationStatus.revoked,
    }
)
"""Statuses in which a session can no longer change."""
SAFE_INTEGER = 2**53
"""Larger numbers are no answer to anything (and would overflow a float)."""
NOT_FOUND = {"detail": "not found"}


class ApiProblem(Exception):
    """An error answered with exactly this JSON body."""

    def __init__(
        self, status_code: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(body.get("detail"))
        self.status_code = status_code
        self.body = body
        self.headers = headers


def _json_safe(value: Any) -> Any:
    """`value` as JSON, or None when it cannot be written (NaN, Infinity…)."""
    try:
        encoded = jsonable_encoder(value)
        json.dumps(encoded, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return encoded


def _validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """FastAPI's error list, without what JSON cannot carry: a body with NaN in a bad
    field would otherwise make the error response itself fail."""
    out = []
    for error in errors:
        entry = {key: error.get(key) for key in ("type", "loc", "msg")}
        entry["loc"] = [str(part) if not isinstance(part, int) else part for part in error["loc"]]
        if "input" in error:
            entry["input"] = _json_safe(error["input"])
        if "ctx" in error:
            entry["ctx"] = {key: str(value) for key, value in error["ctx"].items()}
        out.append(entry)
    return out


class _ApiRoute(APIRoute):
    """Turns ApiProblem, the services' errors and invalid requests into JSON responses."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiProblem as exc:
                return JSONResponse(exc.body, exc.status_code, headers=exc.headers)
            except RequestValidationError as exc:
                return JSONResponse(
                    {"detail": _validation_errors(exc.errors())},
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                )
            except ServiceError as exc:
                body: dict[str, Any] = {"detail": exc.message}
                if exc.field:
                    body["field"] = exc.field
                return JSONResponse(body, exc.status)

        return handle


router = APIRouter(prefix="/api/v1", route_class=_ApiRoute)

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _errors(*codes: int, model: type[BaseModel] = ErrorOut) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": model} for code in codes}


@contextmanager
def _changing(session: Session) -> Iterator[None]:
    """Commit what the block did, or roll all of it back when it fails."""
    try:
        yield
    except Exception:
        session.rollback()
        raise
    session.commit()


# ----------------------------------------------------------------------------- staff


class MePublic(BaseModel):
    id: int
    email: str
    full_name: str
    role: str
    organisation_id: int


@router.get("/me", response_model=MePublic, name="api:me", tags=["api"])
def me(user: ApiUser) -> MePublic:
    """The user the token belongs to."""
    return MePublic(
        id=user.id or 0,
        email=user.email,
        full_name=user.full_name,
        role=str(user.role),
        organisation_id=user.organisation_id or 0,
    )


@router.get("/model", name="api:model", tags=["api"])
def model(user: ApiUser, session: SessionDep, catalog: CatalogDep) -> dict[str, Any]:
    """The competency model in force for the token's organisation, with its version, and the
    instruments and batteries (with its product test and calibrated versions)."""
    catalog = organisation_catalog(session, catalog)
    return {
        **catalog.summary(),
        "model": catalog.model.definition.model_dump(mode="json"),
    }


def _api_roles(*roles: Role) -> Callable[[User], User]:
    """A dependency admitting only API users with one of `roles` (403 otherwise)."""

    def check(user: ApiUser) -> User:
        if user.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, _("Your role does not give access to this request.")
            )
        return user

    return check


CampaignManager = Annotated[User, Depends(_api_roles(Role.admin, Role.hr))]
ResultReader = Annotated[User, Depends(_api_roles(Role.admin, Role.hr, Role.head_of_sales))]
STAFF_ERRORS = _errors(401, 403, 404)


def _campaign_out(session: Session, campaign: Campaign) -> CampaignOut:
    people = campaign_service.participants(session, campaign)
    return CampaignOut(
        id=campaign.id or 0,
        name=campaign.name,
        target_role=str(campaign.target_role),
        battery=campaign.battery_id,
        language=campaign.language,
        deadline=campaign.deadline_date,
        candidate_feedback=campaign.candidate_feedback,
        status=str(campaign.status),
        created_at=campaign.created_at,
        counts=campaign_service.status_counts(people),
    )


@router.post(
    "/campaigns",
    name="api:campaign_create",
    summary="Create a campaign",
    tags=["campaigns"],
    status_code=status.HTTP_201_CREATED,
    response_model=CampaignOut,
    responses=_errors(401, 403, 422),
)
def create_campaign(
    body: CampaignCreate, user: CampaignManager, session: SessionDep, catalog: CatalogDep
) -> CampaignOut:
    """An open campaign with a battery; its links work until the deadline (or 14 days)."""
    with _changing(session):
        campaign = campaign_service.create_campaign(
            session,
            catalog=catalog,
            name=body.name,
            battery=body.battery,
            target_role=body.target_role,
            language=body.language,
            deadline=body.deadline,
            candidate_feedback=body.candidate_feedback,
            created_by_id=user.id,
        )
    return _campaign_out(session, campaign)


@router.get(
    "/campaigns/{campaign_id}",
    name="api:campaign",
    summary="Read a campaign",
    tags=["campaigns"],
    response_model=CampaignOut,
    responses=STAFF_ERRORS,
)
def read_campaign(campaign_id: Id, user: ResultReader, session: SessionDep) -> CampaignOut:
    """The campaign with the number of people in each invitation status."""
    return _campaign_out(session, campaign_service.get_campaign(session, campaign_id))


def _checked_people(body: InvitationsCreate, campaign: Campaign) -> list[tuple[str, str, str, str]]:
    """Every person's cleaned values, or ApiProblem 422 naming each bad entry and field."""
    cleaned: list[tuple[str, str, str, str]] = []
    errors: list[PersonError] = []
    for index, entry in enumerate(body.people):
        try:
            name, email, language, kind = check_person(
                entry.full_name, entry.email, entry.language or campaign.language, entry.kind
            )
        except Invalid as exc:
            errors.append(PersonError(index=index, field=exc.field, message=exc.message))
            continue
        cleaned.append((name, email, language, kind.value))
    if errors:
        detail = "\n".join(
            _("Entry %(index)s of people, field %(field)s: %(message)s")
            % {"index": e.index, "field": e.field or "-", "message": e.message}
            for e in errors
        )
        raise ApiProblem(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            {"detail": detail, "errors": [e.model_dump() for e in errors]},
        )
    return cleaned


@router.post(
    "/campaigns/{campaign_id}/invitations",
    name="api:invitations_create",
    summary="Invite people to a campaign",
    tags=["campaigns"],
    status_code=status.HTTP_201_CREATED,
    response_model=list[InvitationOut],
    responses={
        **STAFF_ERRORS,
        **_errors(409),
        **_errors(422, model=InvitationErrorOut),
    },
)
def create_invitations(
    campaign_id: Id,
    body: InvitationsCreate,
    user: CampaignManager,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
) -> list[InvitationOut]:
    """Add the people (known e-mails are reused) and invite each once, queueing the e-mail.

    Every entry is checked first: one bad entry refuses the whole request and nothing is
    created. Inviting someone again returns the existing invitation."""
    campaign = campaign_service.get_campaign(session, campaign_id)
    people = _checked_people(body, campaign)
    out: list[InvitationOut] = []
    with _changing(session):
        for name, email, language, kind in people:
            person = add_person(session, full_name=name, email=email, language=language, kind=kind)
            invited = campaign_service.invite(
                session,
                campaign=campaign,
                person=person,
                secret_key=settings.get_secret_key(),
                base_url=settings.base_url,
                actor_user_id=user.id,
                catalog=catalog,
            )
            out.append(
                InvitationOut(
                    person_id=person.id or 0,
                    invitation_id=invited.invitation.id or 0,
                    url=invited.url,
                    expires_at=invited.invitation.expires_at,
                    created=invited.created,
                )
            )
    return out


def _flag_details(snapshot: ScoreSnapshot) -> list[FlagOut]:
    language = i18n.get_language()
    return [
        FlagOut(
            code=code, severity=severity, title=flag_title(code), text=flag_text(code, language)
        )
        for code, severity in snapshot_view.flag_severities(snapshot).items()
    ]


def _codes(values: Any) -> list[str]:
    return [str(v) for v in values] if isinstance(values, list) else []


def _result_out(
    participant: campaign_service.Participant, snapshot: ScoreSnapshot | None
) -> ResultOut:
    if snapshot is None:
        return ResultOut(
            person_id=participant.person.id or 0,
            status=participant.status.value,
            competencies={},
            fit={},
            recommendation=None,
            confidence=None,
            flags=[],
            provisional=False,
        )
    scores = snapshot.scores or {}
    language = i18n.get_language()
    words = scores.get("confidence_text")
    outcome = scores.get("recommendation", snapshot.recommendation)
    competencies = {}
    for cid in scores.get("competencies") or {}:
        score, low, high = snapshot_view.competency_interval(snapshot, cid)
        entry = (scores.get("competencies") or {}).get(cid) or {}
        competencies[cid] = CompetencyScore(
            score=score,
            band=entry.get("band") if isinstance(entry, dict) else None,
            low=low,
            high=high,
            se=snapshot_view.finite(entry.get("se")) if isinstance(entry, dict) else None,
            measured=snapshot_view.measured(snapshot, cid),
        )
    return ResultOut(
        person_id=participant.person.id or 0,
        status=participant.status.value,
        engine=snapshot_view.engine_of(scores),
        model_version=snapshot.model_version,
        level=snapshot_view.finite(scores.get("level")),
        competencies=competencies,
        fit=dict(scores.get("fit") or {}),
        fit_low=dict(scores.get("fit_low") or {}),
        fit_high=dict(scores.get("fit_high") or {}),
        probabilities=dict(scores.get("probabilities") or {}),
        differential=snapshot_view.differential(snapshot),
        recommendation=outcome,
        outcome=outcome,
        confidence=scores.get("confidence", snapshot.confidence),
        confidence_text=(words.get(language) or words.get("en"))
        if isinstance(words, dict)
        else None,
        open_competencies=_codes(scores.get("open_competencies")),
        next_steps=_codes(scores.get("next_steps")),
        invalid_reasons=_codes(scores.get("invalid_reasons")),
        flags=list(snapshot.flags or []),
        flag_details=_flag_details(snapshot),
        provisional=snapshot.provisional,
    )


@router.get(
    "/campaigns/{campaign_id}/results",
    name="api:campaign_results",
    summary="Results of a campaign",
    tags=["results"],
    response_model=list[ResultOut],
    responses=STAFF_ERRORS,
)
def campaign_results(campaign_id: Id, user: ResultReader, session: SessionDep) -> list[ResultOut]:
    """One entry per invited person, from their latest result; people without a result yet
    have their status and empty result fields."""
    campaign = campaign_service.get_campaign(session, campaign_id)
    people = campaign_service.participants(session, campaign)
    results = result_service.latest_results(session, [p.invitation.id or 0 for p in people])
    with _changing(session):
        record_read(
            session,
            user=user,
            action="result.viewed",
            person_ids=[p.person.id for p in people if p.invitation.id in results],
            via=API,
            object_type="campaign",
            object_id=campaign_id,
        )
    return [_result_out(p, results.get(p.invitation.id or 0)) for p in people]


@router.get(
    "/people/{person_id}/report",
    name="api:person_report",
    summary="A person's whole report",
    tags=["results"],
    response_model=ReportOut,
    responses=STAFF_ERRORS,
)
def person_report(
    person_id: Id, user: ResultReader, session: SessionDep, catalog: CatalogDep
) -> ReportOut:
    """The person and, per invitation, the campaign, the status and the latest result in full
    (scores, flags, the model and instrument versions that produced it); `report` is the
    report of the latest completed assessment, the same model the report page renders."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(_("There is no such person."))
    now = utcnow()
    rows = session.exec(
        select(Invitation, Campaign)
        .join(Campaign, col(Campaign.id) == col(Invitation.campaign_id))
        .where(Invitation.person_id == person.id)
        .order_by(col(Invitation.id))
    ).all()
    invitations = []
    for invitation, campaign in rows:
        snapshot = result_service.latest_result(session, invitation.id or 0)
        invitations.append(
            ReportInvitation(
                invitation_id=invitation.id or 0,
                campaign=CampaignRef(id=campaign.id or 0, name=campaign.name),
                status=invitation.status(now).value,
                result=None
                if snapshot is None
                else SnapshotOut(
                    id=snapshot.id or 0,
                    created_at=snapshot.created_at,
                    provisional=snapshot.provisional,
                    recommendation=snapshot.recommendation,
                    confidence=snapshot.confidence,
                    model_version=snapshot.model_version,
                    instrument_versions=snapshot.instrument_versions,
                    scores=snapshot.scores,
                    flags=snapshot.flags,
                    flag_details=_flag_details(snapshot),
                    engine=snapshot_view.engine_of(snapshot.scores),
                ),
            )
        )
    try:
        report: dict[str, Any] | None = report_service.person_report(
            session, catalog, person, i18n.get_language()
        )
    except NotFound:
        report = None
    with _changing(session):
        record_read(session, user=user, action="report.viewed", person_ids=[person.id], via=API)
    return ReportOut(
        person=PersonOut(
            id=person.id or 0,
            full_name=person.full_name,
            email=person.email,
            kind=str(person.kind),
            language=person.language,
        ),
        invitations=invitations,
        report=report,
    )


# ----------------------------------------------------------------------------- candidate


def _refuse_if_guessing(limiter: SlidingWindowLimiter, address: str) -> None:
    wait = limiter.retry_after(address)
    if wait:
        raise ApiProblem(
            status.HTTP_429_TOO_MANY_REQUESTS,
            {"detail": "too many links that do not work; try later"},
            headers={"Retry-After": str(wait)},
        )


def _unknown_link_delay(limiter: SlidingWindowLimiter, address: str, started: float) -> float:
    """Count a link that does not work; the seconds left of the minimum answer time (the
    same as the pages', whether the token exists or not: no timing oracle)."""
    limiter.hit(address)
    return INVALID_LINK_MIN_SECONDS - (time.monotonic() - started)


async def _refuse_unknown_link(
    limiter: SlidingWindowLimiter, address: str, started: float
) -> NoReturn:
    remaining = _unknown_link_delay(limiter, address, started)
    if remaining > 0:
        await anyio.sleep(remaining)  # on the event loop: holds no thread
    raise ApiProblem(status.HTTP_404_NOT_FOUND, NOT_FOUND)


def get_invitation_or_404(token: str, request: Request, session: SessionDep) -> Invitation:
    """The invitation a link token opens; every kind of bad token gets the same 404, and
    repeated guessing from one address is refused (429), as on the candidate pages."""
    started = time.monotonic()
    limiter, address = link_limiter(request), client_address(request)
    _refuse_if_guessing(limiter, address)
    invitation = campaign_service.find_invitation(session, token)
    if invitation is None:
        session.rollback()  # no lock (SQLite's write lock on a POST) held while padding
        remaining = _unknown_link_delay(limiter, address, started)
        if remaining > 0:
            time.sleep(remaining)
        raise ApiProblem(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return invitation


TokenInvitation = Annotated[Invitation, Depends(get_invitation_or_404)]
CANDIDATE_ERRORS = _errors(404, 409, 410)


def _chosen_language(request: Request) -> str | None:
    """The language the person chose: `?lang=` or the `lang` cookie."""
    return i18n.pick_language(request.query_params.get("lang")) or i18n.pick_language(
        request.cookies.get(LANGUAGE_COOKIE)
    )


def _session_language(request: Request, invitation: Invitation, campaign: Campaign) -> str:
    """The language the person chose, else the invitation's, else the campaign's."""
    return _chosen_language(request) or invitation.language or campaign.language


@contextmanager
def _in_language(
    request: Request, session: Session, invitation: Invitation
) -> Iterator[tuple[str, Campaign]]:
    """Answer in the person's language; yields it with the invitation's campaign."""
    campaign = session.get(Campaign, invitation.campaign_id)
    if campaign is None:
        raise ApiProblem(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    language = _session_language(request, invitation, campaign)
    with i18n.language(language):
        yield language, campaign


def _refuse_if_expired(invitation: Invitation) -> None:
    if invitation.status(utcnow()) is InvitationStatus.expired:
        raise ApiProblem(status.HTTP_410_GONE, {"detail": _("This link has expired.")})


def _require_consent(session: Session, invitation: Invitation, message: str) -> None:
    if not session_service.consent_given(session, invitation):
        raise Conflict(message)


@router.get(
    "/sessions/{token}",
    name="api:session",
    summary="Open a candidate's session",
    tags=["candidate sessions"],
    response_model=SessionOut,
    responses=_errors(404),
)
def read_session(
    request: Request,
    invitation: TokenInvitation,
    session: SessionDep,
    catalog: CatalogDep,
    lang: Annotated[str | None, Query(description="ru or en; else the invitation's")] = None,
) -> SessionOut:
    """The questionnaire (never its keys), the answers stored so far and the time left.

    Once the session can no longer change (completed, declined, expired, revoked) only its
    status is given."""
    catalog = organisation_catalog(session, catalog)  # its product test, calibrated versions
    with _in_language(request, session, invitation) as (language, campaign):
        state = invitation.status(utcnow())
        consent = session_service.consent_given(session, invitation)
        if state in FINAL:
            return SessionOut(
                status=state.value,
                language=language,
                consent_required=not consent,
                sections=[],
                answers={},
                remaining_s={},
            )
        if invitation.opened_at is None:
            with _changing(session):
                session_service.mark_opened(session, invitation)
        remaining = session_service.remaining_seconds(session, invitation, catalog)
        return SessionOut.model_validate(
            {
                "status": invitation.status(utcnow()).value,
                "language": language,
                "consent_required": not consent,
                "sections": session_service.sections(catalog, campaign, language),
                "answers": session_service.stored_answers(session, invitation),
                "remaining_s": {k: v for k, v in remaining.items() if v is not None},
            }
        )


@router.post(
    "/sessions/{token}/consent",
    name="api:session_consent",
    summary="Accept or decline consent",
    tags=["candidate sessions"],
    response_model=SessionStatusOut,
    responses=CANDIDATE_ERRORS,
)
def give_consent(
    request: Request, body: ConsentIn, invitation: TokenInvitation, session: SessionDep
) -> SessionStatusOut:
    """Record the consent (with the text's version) before anything else is stored; declining
    ends the session and keeps nothing but the refusal."""
    with _in_language(request, session, invitation) as (language, _campaign):
        _refuse_if_expired(invitation)
        with _changing(session):
            session_service.record_consent(
                session, invitation, accepted=body.accepted, language=language
            )
        return SessionStatusOut(
            status=invitation.status(utcnow()).value,
            consent_required=not session_service.consent_given(session, invitation),
        )


def _answer_problem(answers: dict[str, Any]) -> None:
    """Refuse values no item accepts before the services see them (422 naming the item)."""

    def bad(value: Any) -> bool:
        if isinstance(value, int) and not isinstance(value, bool):
            return abs(value) > SAFE_INTEGER
        if isinstance(value, str):
            return "\x00" in value
        if isinstance(value, dict):
            return any(bad(k) or bad(v) for k, v in value.items())
        if isinstance(value, list):
            return any(bad(v) for v in value)
        return False

    for item_id, value in answers.items():
        if bad(value):
            raise ApiProblem(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                {
                    "detail": _("%(item)s: this value is not allowed.") % {"item": item_id},
                    "item": item_id,
                },
            )


def _save_now(
    session: Session,
    token: str,
    body: AnswersIn,
    catalog: Catalog,
    chosen_language: str | None,
) -> SavedOut | None:
    """The whole save in one worker thread: look-up, checks, upsert, commit (None: no such
    link). One thread and one short transaction per request, nothing held in between."""
    opened = session_service.open_invitation(session, token)
    if opened is None:
        session.rollback()  # no lock held while the answer is padded
        return None
    invitation = opened.invitation
    with i18n.language(chosen_language or invitation.language or opened.campaign.language):
        _refuse_if_expired(invitation)
        _answer_problem(body.answers)
        try:
            with _changing(session):
                saved = session_service.save_opened(
                    session, opened, catalog, body.answers, seconds=body.seconds
                )
        except Invalid as exc:
            raise ApiProblem(exc.status, {"detail": exc.message, "item": exc.field}) from None
        return SavedOut(saved=saved)


@router.put(
    "/sessions/{token}/answers",
    name="api:session_answers",
    summary="Save answers",
    tags=["candidate sessions"],
    response_model=SavedOut,
    responses={**CANDIDATE_ERRORS, **_errors(422, model=AnswerErrorOut)},
)
async def save_answers(
    request: Request,
    token: str,
    body: AnswersIn,
    session: SessionDep,
    catalog: CatalogDep,
) -> SavedOut:
    """Store answers; saving an item again replaces its answer. An unknown item or an
    invalid value refuses the whole request (422 naming the item) and stores nothing."""
    # The page autosaves through here: the hottest path, so it makes one thread hop and
    # three statements (the link with its campaign, consent and started sections; the upsert;
    # the commit) instead of a hop and a query per dependency.
    started = time.monotonic()
    limiter, address = link_limiter(request), client_address(request)
    _refuse_if_guessing(limiter, address)
    saved = await run_in_threadpool(
        _save_now, session, token, body, catalog, _chosen_language(request)
    )
    if saved is None:
        await _refuse_unknown_link(limiter, address, started)
    return saved


@router.post(
    "/sessions/{token}/sections/{section_id}/start",
    name="api:session_section_start",
    summary="Start a section (its timer, if timed)",
    tags=["candidate sessions"],
    response_model=SectionStartOut,
    responses=CANDIDATE_ERRORS,
)
def start_section(
    request: Request,
    section_id: str,
    invitation: TokenInvitation,
    session: SessionDep,
    catalog: CatalogDep,
) -> SectionStartOut:
    """Open a section when it is shown: a timed section's clock starts now (saving its first
    answer starts it too). Starting it again changes nothing."""
    catalog = organisation_catalog(session, catalog)
    with _in_language(request, session, invitation) as (_language, campaign):
        _refuse_if_expired(invitation)
        session_service.check_open(invitation)
        _require_consent(
            session, invitation, _("Consent is needed before the assessment can start.")
        )
        known = {i.id for i in session_service.person_instruments(catalog, campaign)}
        if section_id not in known:
            raise NotFound(_("There is no such section."))
        with _changing(session):
            session_service.start_section(session, invitation, catalog, section_id)
        left = session_service.remaining_seconds(session, invitation, catalog).get(section_id)
        return SectionStartOut(section=section_id, remaining_s=left)


@router.post(
    "/sessions/{token}/complete",
    name="api:session_complete",
    summary="Complete the session",
    tags=["candidate sessions"],
    response_model=CompletedOut,
    responses=CANDIDATE_ERRORS,
)
def complete_session(
    request: Request, invitation: TokenInvitation, session: SessionDep, catalog: CatalogDep
) -> CompletedOut:
    """Finish and score the assessment; refused (409) while required items are unanswered.
    Completing again answers the same."""
    with _in_language(request, session, invitation) as (_language, _campaign):
        if invitation.status(utcnow()) is InvitationStatus.completed:
            return CompletedOut(status=InvitationStatus.completed.value)
        _refuse_if_expired(invitation)
        session_service.check_open(invitation)
        _require_consent(
            session, invitation, _("Consent is needed before the assessment can be completed.")
        )
        with _changing(session):
            result_service.complete(session, catalog, invitation)
        return CompletedOut(status=invitation.status(utcnow()).value)
