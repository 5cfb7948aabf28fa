"""The structured interview: ratings given by each interviewer, and what they changed.

An interview (instrument type `interview`, e.g. assessments/structured_interview.yaml) is not
part of a battery: the head of sales, HR or the person's manager fills it in during or right
after the conversation, on the interview page or by API. Every interviewer's ratings are
stored separately with the user who gave them (a panel); saving again replaces that
interviewer's ratings as a whole. Each save scores the invitation again
(`results.score_invitation`), with the interview as one more method.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.i18n import gettext as _
from app.labels import recommendation_label
from app.models import InterviewRating, Invitation, ScoreSnapshot, User
from app.scoring.definitions import Interview, InterviewItem
from app.scoring.loader import Catalog
from app.services.audit import record_event
from app.services.errors import Conflict, Invalid, NotFound
from app.services.results import score_invitation
from app.services.reviews import check_rating_points


def interview_instruments(catalog: Catalog) -> list[Interview]:
    """Every interview instrument of the catalog, in file order."""
    return [
        loaded.definition
        for loaded in catalog.instruments.values()
        if isinstance(loaded.definition, Interview)
    ]


def interview_instrument(catalog: Catalog, instrument_id: str | None = None) -> Interview:
    """The interview asked for, or the first one; Invalid / NotFound when there is none."""
    found = {i.id: i for i in interview_instruments(catalog)}
    if not found:
        raise NotFound(_("No structured interview is installed."))
    if instrument_id is None:
        return next(iter(found.values()))
    if instrument_id not in found:
        raise Invalid(
            _("Unknown interview “%(instrument)s”; use one of: %(known)s.")
            % {"instrument": instrument_id, "known": ", ".join(found)},
            field="instrument",
        )
    return found[instrument_id]


def ordered_items(instrument: Interview, focus: Sequence[str]) -> list[InterviewItem]:
    """The questions, those of the `focus` competencies first (in the order given)."""
    rank = {cid: i for i, cid in enumerate(focus)}
    return sorted(instrument.items, key=lambda item: rank.get(item.scale, len(rank)))


@dataclass(frozen=True)
class Panel:
    """Everyone's ratings of one invitation's interview: per interviewer (user id; None for
    an interviewer whose account was deleted), per question."""

    instrument: Interview
    ratings: dict[int | None, dict[str, int]]

    def rows(self) -> list[list[int | None]]:
        """One row per interviewer in item order, for `score_person(interviews=...)`."""
        return [
            [given.get(item.id) for item in self.instrument.items]
            for given in self.ratings.values()
        ]


def panel(session: Session, invitation: Invitation, instrument: Interview) -> Panel:
    rows = session.exec(
        select(InterviewRating)
        .where(
            InterviewRating.invitation_id == invitation.id,
            InterviewRating.instrument_id == instrument.id,
        )
        .order_by(col(InterviewRating.id))
    ).all()
    ratings: dict[int | None, dict[str, int]] = {}
    for row in rows:
        ratings.setdefault(row.interviewer_id, {})[row.item_id] = row.value
    return Panel(instrument, ratings)


def panels(session: Session, catalog: Catalog, invitation: Invitation) -> dict[str, Panel]:
    """The interviews given for an invitation (only those with ratings)."""
    out = {}
    for instrument in interview_instruments(catalog):
        found = panel(session, invitation, instrument)
        if found.ratings:
            out[instrument.id] = found
    return out


def check_values(instrument: Interview, values: Mapping[str, object]) -> dict[str, int]:
    """The ratings given (blank = not asked or no answer, left out), or Invalid naming the
    question."""
    return check_rating_points(
        {item.id: n for n, item in enumerate(instrument.items, start=1)},
        instrument.response_scale,
        values,
        unknown=_("Unknown question “%(item)s”; use the question ids of the interview."),
        not_allowed=_(
            "Question %(number)s (%(item)s): “%(value)s” is not allowed; choose from "
            "%(min)s to %(max)s, or leave it blank if it was not asked."
        ),
        nothing=_("Rate at least one question; leave blank only what was not asked."),
    )


def save(
    session: Session,
    catalog: Catalog,
    *,
    invitation: Invitation,
    interviewer: User,
    values: Mapping[str, object],
    instrument_id: str | None = None,
) -> ScoreSnapshot:
    """Store one interviewer's ratings (replacing that interviewer's earlier ones as a whole)
    and score the invitation again. Nothing is stored when a value is refused."""
    instrument = interview_instrument(catalog, instrument_id)
    if invitation.revoked_at is not None:
        raise Conflict(_("This invitation was revoked; its results can no longer change."))
    if invitation.completed_at is None:
        raise Conflict(
            _("The person has not completed the assessment yet; rate the interview once they have.")
        )
    checked = check_values(instrument, values)
    for earlier in session.exec(
        select(InterviewRating).where(
            InterviewRating.invitation_id == invitation.id,
            InterviewRating.instrument_id == instrument.id,
            InterviewRating.interviewer_id == interviewer.id,
        )
    ):
        session.delete(earlier)
    version = catalog.instruments[instrument.id].version
    for item_id, value in checked.items():
        session.add(
            InterviewRating(
                person_id=invitation.person_id,
                invitation_id=invitation.id or 0,
                interviewer_id=interviewer.id,
                instrument_id=instrument.id,
                instrument_version=version,
                item_id=item_id,
                value=value,
            )
        )
    session.flush()
    record_event(
        session,
        organisation_id=invitation.organisation_id or 0,
        actor_user_id=interviewer.id,
        action="interview.saved",
        object_type="invitation",
        object_id=invitation.id,
        person_id=invitation.person_id,
        details={"instrument": instrument.id, "questions": len(checked)},
    )
    return score_invitation(session, catalog, invitation)


def interview_path(invitation_id: int, focus: Sequence[str] = ()) -> str:
    """The interview page of an invitation, the `focus` competencies' questions first."""
    query = f"?focus={','.join(focus)}" if focus else ""  # competency ids need no escaping
    return f"/interviews/{invitation_id}{query}"


def _interval(values: Mapping[str, Any]) -> dict[str, float | None]:
    return {k: values.get(k) for k in ("score", "low", "high")}


def report_section(
    catalog: Catalog, invitation_id: int, stored: Mapping[str, Any], language: str
) -> dict[str, Any] | None:
    """The report's interview part: the page to fill it in (with the open competencies of an
    `uncertain` result first), who has rated, and what the interview changed. None when no
    interview is installed."""
    if not interview_instruments(catalog):
        return None
    model = catalog.model.definition

    def name(cid: str) -> str:
        competency = model.competencies.get(cid)
        return competency.name.get(language) if competency else cid

    raw_proposal = stored.get("interview_proposal")
    proposal = None
    if isinstance(raw_proposal, Mapping):
        focus = [str(c) for c in raw_proposal.get("competencies") or []]
        proposal = {
            "competencies": [{"id": cid, "name": name(cid)} for cid in focus],
            "questions": list(raw_proposal.get("questions") or []),
            "path": interview_path(invitation_id, focus),
        }
    given = stored.get("interviews") or {}
    raw_effect = stored.get("interview_effect")
    effect = None
    if isinstance(raw_effect, Mapping):
        rows = []
        for cid, entry in (raw_effect.get("competencies") or {}).items():
            before, after = (
                _interval(entry.get("before") or {}),
                _interval(entry.get("after") or {}),
            )
            if before != after:
                rows.append({"id": cid, "name": name(cid), "before": before, "after": after})
        effect = {
            "outcome_before": raw_effect.get("outcome_before"),
            "outcome_after": raw_effect.get("outcome_after"),
            "outcome_before_label": recommendation_label(raw_effect.get("outcome_before")),
            "outcome_after_label": recommendation_label(raw_effect.get("outcome_after")),
            "outcome_changed": raw_effect.get("outcome_before") != raw_effect.get("outcome_after"),
            "competencies": rows,
        }
    return {
        "path": proposal["path"] if proposal else interview_path(invitation_id),
        "proposal": proposal,
        "interviews": [
            {"instrument": iid, **info} for iid, info in given.items() if isinstance(info, Mapping)
        ],
        "effect": effect,
    }
