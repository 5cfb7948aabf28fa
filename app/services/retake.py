"""A retake in one step: a fresh link for the instruments whose answers cannot be used.

When a result is `invalid` (a serious validity flag: failed attention, a long string of
identical answers, answers faster than reading), HR sends the person a fresh link for the
affected instruments (docs/scoring.md §validity, docs/api.md "Retake"):

* the old answers are kept, never deleted: the instrument's session is marked `superseded`
  and detached from the invitation (its person, answers and reviews stay; the audit event
  names it), so the invitation gets a new, empty session for that instrument when the
  person opens it (its timer, if timed, starts then);
* the invitation is open again (no longer completed, its link valid for at least
  `MIN_DAYS_LEFT` days) under a new token: the old link stops working;
* the invitation e-mail is queued with the new link, when the person has an address;
* the whole step is audited (`invitation.retake`) and done in one transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
from sqlmodel import Session, select

from app.db import utcnow
from app.i18n import gettext as _
from app.models import (
    Answer,
    AssessmentSession,
    AuditEvent,
    Campaign,
    Invitation,
    InvitationStatus,
    Person,
    SessionStatus,
)
from app.scoring.definitions import ManagerRating
from app.scoring.engine import score_instrument
from app.scoring.loader import Catalog
from app.scoring.responses import AnswerError, elements
from app.scoring.validity import flag_view, serious
from app.security import hash_token
from app.services import campaigns as campaign_service
from app.services.audit import record_event
from app.services.errors import Conflict, Invalid
from app.services.results import answers_by_instrument

MIN_DAYS_LEFT = 7
"""A retake link works at least this many days from now."""
MAIL_KIND = "retake"


@dataclass(frozen=True)
class Retake:
    invitation: Invitation
    url: str
    instruments: list[str]
    superseded_sessions: list[int]
    mail_queued: bool


def serious_flags(
    session: Session, catalog: Catalog, invitation: Invitation
) -> dict[str, list[str]]:
    """The serious validity flags each answered instrument of the invitation raises now."""
    out: dict[str, list[str]] = {}
    for instrument_id, (_section, answers) in answers_by_instrument(session, invitation).items():
        loaded = catalog.instruments.get(instrument_id)
        if loaded is None or not answers:
            continue
        columns = elements(loaded.definition)
        row: list[Any] = []
        timing: list[float] = []
        for element in columns:
            answer = answers.get(element.id)
            try:
                row.append(None if answer is None else element.parse(answer.value))
            except AnswerError:  # an answer the current version no longer accepts
                row.append(None)
            seconds = None if answer is None else answer.seconds
            timing.append(np.nan if seconds is None else float(seconds))
        if all(value is None for value in row):
            continue
        timed = not all(np.isnan(timing))
        scored = score_instrument(
            loaded.definition,
            [str(invitation.person_id)],
            rows=[row],
            item_seconds=np.array([timing]) if timed else None,
        )
        flagged = serious(scored.flags[0])
        if flagged:
            out[instrument_id] = flagged
    return out


def _chosen(
    session: Session,
    catalog: Catalog,
    invitation: Invitation,
    campaign: Campaign,
    instruments: Sequence[str] | None,
    current: dict[str, tuple[AssessmentSession, dict[str, Answer]]],
) -> list[str]:
    battery = catalog.batteries[campaign.battery_id]
    if instruments is None:
        flagged = serious_flags(session, catalog, invitation)
        chosen = [i for i in battery.instruments if i in flagged]
        if not chosen:
            raise Conflict(
                _(
                    "No instrument of this assessment has a serious validity flag. Name the "
                    "instruments to retake in `instruments`."
                )
            )
        return chosen
    if not instruments:
        raise Invalid(_("Name at least one instrument to retake."), field="instruments")
    chosen = []
    for instrument_id in instruments:
        if instrument_id in chosen:
            continue
        if instrument_id not in battery.instruments:
            raise Invalid(
                _("%(instrument)s is not part of this assessment; choose from %(allowed)s.")
                % {"instrument": instrument_id, "allowed": ", ".join(battery.instruments)},
                field="instruments",
            )
        if isinstance(catalog.instruments[instrument_id].definition, ManagerRating):
            raise Invalid(
                _("%(instrument)s is a manager's rating, which the person does not take.")
                % {"instrument": instrument_id},
                field="instruments",
            )
        if instrument_id not in current:
            raise Conflict(
                _("%(instrument)s has not been started, so there is nothing to retake.")
                % {"instrument": instrument_id}
            )
        chosen.append(instrument_id)
    return chosen


def _mail_number(session: Session, invitation: Invitation) -> int:
    """How many retakes the invitation had before this one (numbers the mail's key)."""
    return len(
        session.exec(
            select(AuditEvent.id).where(
                AuditEvent.action == "invitation.retake",
                AuditEvent.object_type == "invitation",
                AuditEvent.object_id == str(invitation.id),
            )
        ).all()
    )


def retake(
    session: Session,
    *,
    catalog: Catalog,
    invitation: Invitation,
    secret_key: str,
    base_url: str,
    instruments: Sequence[str] | None = None,
    actor_user_id: int | None = None,
    actor: str = "user",
) -> Retake:
    """Give the person a fresh link for `instruments` (default: those with a serious flag).

    Refused, changing nothing, when the invitation is revoked or declined, its campaign is
    closed, an instrument is unknown to the battery, is a manager's rating or was never
    started, or (by default) when no instrument has a serious flag."""
    now = utcnow()
    status = invitation.status(now)
    if status is InvitationStatus.revoked:
        raise Conflict(_("This invitation has been revoked and can no longer change."))
    if status is InvitationStatus.declined:
        raise Conflict(_("The person declined consent; the invitation can no longer change."))
    campaign = campaign_service.get_campaign(session, invitation.campaign_id)
    if campaign.status != "open":
        raise Conflict(_("The campaign is closed."))
    current = answers_by_instrument(session, invitation)
    chosen = _chosen(session, catalog, invitation, campaign, instruments, current)

    superseded = []
    for instrument_id in chosen:
        old, _answers = current[instrument_id]
        old.status = SessionStatus.superseded
        old.invitation_id = None  # the answers stay with the person; a new session follows
        session.add(old)
        superseded.append(old.id or 0)
    session.flush()

    nonce = secrets.token_urlsafe(24)
    token = campaign_service.invitation_token(secret_key, nonce)
    invitation.token_nonce = nonce
    invitation.token_hash = hash_token(token)
    invitation.completed_at = None
    invitation.expires_at = _later(invitation.expires_at, now + timedelta(days=MIN_DAYS_LEFT))
    session.add(invitation)
    session.flush()
    url = campaign_service.invitation_url(base_url, token)

    person = session.get(Person, invitation.person_id)
    mail_queued = False
    if person is not None and person.email:
        campaign_service.queue_invitation_mail(
            session,
            campaign,
            person,
            invitation,
            url,
            catalog=catalog,
            actor_user_id=actor_user_id,
            dedupe_key=campaign_service.mail_key(
                MAIL_KIND, invitation.id or 0, _mail_number(session, invitation)
            ),
        )
        invitation.sent_at = now
        session.add(invitation)
        mail_queued = True
    record_event(
        session,
        organisation_id=invitation.organisation_id or 0,
        actor=actor,
        actor_user_id=actor_user_id,
        action="invitation.retake",
        object_type="invitation",
        object_id=invitation.id,
        person_id=invitation.person_id,
        details={
            "instruments": chosen,
            "superseded_sessions": superseded,
            "default": instruments is None,
            "mail_queued": mail_queued,
        },
    )
    return Retake(invitation, url, chosen, superseded, mail_queued)


def _later(current: datetime | None, floor: datetime) -> datetime:
    return floor if current is None or current < floor else current


def retake_view(
    session: Session, catalog: Catalog, invitation: Invitation, language: str
) -> dict[str, Any]:
    """What templates/partials/retake.html shows: the invitation id and each started
    instrument the person takes (`id`, `title`, `flagged`, `flags`: the serious flags with
    their meaning in `language`), flagged ones first checked in the form."""
    flagged = serious_flags(session, catalog, invitation)
    instruments = []
    for instrument_id in answers_by_instrument(session, invitation):
        loaded = catalog.instruments.get(instrument_id)
        if loaded is None or isinstance(loaded.definition, ManagerRating):
            continue
        views = [flag_view(code) for code in flagged.get(instrument_id, [])]
        instruments.append(
            {
                "id": instrument_id,
                "title": loaded.definition.title.ru
                if language == "ru"
                else loaded.definition.title.en,
                "flagged": instrument_id in flagged,
                "flags": [
                    {
                        "code": v["code"],
                        "severity": v["severity"],
                        "text": v[language_key(language)],
                    }
                    for v in views
                ],
            }
        )
    return {"invitation_id": invitation.id, "instruments": instruments}


def language_key(language: str) -> Literal["ru", "en"]:
    return "ru" if language == "ru" else "en"
