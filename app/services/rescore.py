"""Scoring stored answers again with the current engine: an explicit administrator's action.

Results keep the engine and model version that produced them (a payload without
`"engine": 2` comes from the earlier engine); nothing is rescored silently. `rescore` looks at
every completed, not revoked invitation in scope whose latest result is from an earlier
engine or model version, scores its answers again and says what would change. Only with
`apply=True` is each new result stored, as a new ScoreSnapshot beside the old ones (which
stay, so every earlier decision can still be read), and recorded in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.db import ALL_ORGANISATIONS, scope_to_organisation
from app.models import Campaign, Invitation, Organisation, ScoreSnapshot
from app.scoring.loader import Catalog
from app.services.audit import record_event
from app.services.catalogs import organisation_catalog
from app.services.results import latest_result, score_invitation
from app.services.snapshot_view import CURRENT_ENGINE, engine_of


@dataclass(frozen=True)
class Rescored:
    """One invitation scored again: what it was and what it becomes."""

    organisation: str
    campaign_id: int
    invitation_id: int
    person_id: int
    old_snapshot_id: int
    new_snapshot_id: int | None  # None on a dry run
    old_engine: int
    old_model_version: str
    new_model_version: str
    old_outcome: str | None
    new_outcome: str | None
    old_confidence: str | None
    new_confidence: str | None

    @property
    def outcome_changed(self) -> bool:
        return (self.old_outcome, self.old_confidence) != (self.new_outcome, self.new_confidence)

    def line(self) -> str:
        """The change in one line, for the command's output."""
        arrow = (
            f"{self.old_outcome or '-'} ({self.old_confidence or '-'}) -> "
            f"{self.new_outcome or '-'} ({self.new_confidence or '-'})"
        )
        return (
            f"{self.organisation} campaign {self.campaign_id} invitation {self.invitation_id} "
            f"person {self.person_id}: {arrow}; engine {self.old_engine} -> {CURRENT_ENGINE}, "
            f"model {self.old_model_version} -> {self.new_model_version}"
        )


def needs_rescoring(snapshot: ScoreSnapshot, model_version: str) -> bool:
    """Whether a result is from an earlier engine or another model version."""
    return engine_of(snapshot.scores) < CURRENT_ENGINE or snapshot.model_version != model_version


def rescore(
    session: Session,
    catalog: Catalog,
    *,
    organisation: Organisation,
    campaign_id: int | None = None,
    apply: bool = False,
) -> list[Rescored]:
    """Score again every out-of-date completed result of `organisation` (of one campaign if
    `campaign_id`); store and audit the new results only when `apply`. A dry run changes
    nothing (everything it computed is rolled back)."""
    scope_to_organisation(session, organisation.id or 0)
    current = organisation_catalog(session, catalog).model.version
    statement = (
        select(Invitation)
        .where(col(Invitation.completed_at).is_not(None), col(Invitation.revoked_at).is_(None))
        .order_by(col(Invitation.id))
    )
    if campaign_id is not None:
        statement = statement.where(Invitation.campaign_id == campaign_id)
    out: list[Rescored] = []
    for invitation in session.exec(statement).all():
        old = latest_result(session, invitation.id or 0)
        if old is None or not needs_rescoring(old, current):
            continue
        fresh = score_invitation(session, catalog, invitation)
        change = Rescored(
            organisation=organisation.slug,
            campaign_id=invitation.campaign_id or 0,
            invitation_id=invitation.id or 0,
            person_id=invitation.person_id or 0,
            old_snapshot_id=old.id or 0,
            new_snapshot_id=fresh.id if apply else None,
            old_engine=engine_of(old.scores),
            old_model_version=old.model_version,
            new_model_version=fresh.model_version,
            old_outcome=old.recommendation,
            new_outcome=fresh.recommendation,
            old_confidence=old.confidence,
            new_confidence=fresh.confidence,
        )
        out.append(change)
        if apply:
            record_event(
                session,
                organisation_id=organisation.id or 0,
                actor="system",
                action="result.rescored",
                object_type="invitation",
                object_id=invitation.id,
                person_id=invitation.person_id,
                details={
                    "via": "command line",
                    "old_snapshot": change.old_snapshot_id,
                    "new_snapshot": fresh.id,
                    "old_engine": change.old_engine,
                    "engine": CURRENT_ENGINE,
                    "old_model_version": change.old_model_version,
                    "model_version": change.new_model_version,
                    "old_outcome": change.old_outcome,
                    "outcome": change.new_outcome,
                },
            )
    if apply:
        session.commit()
    else:
        session.rollback()
    return out


def campaign_organisation(session: Session, campaign_id: int) -> int | None:
    """The organisation a campaign belongs to, read across organisations (for the command)."""
    found = session.exec(
        select(Campaign.organisation_id)
        .where(Campaign.id == campaign_id)
        .execution_options(**{ALL_ORGANISATIONS: True})
    ).first()
    return int(found) if found is not None else None
