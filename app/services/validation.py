"""Local validation of a role's profile on the organisation's own people (see
app/scoring/validation.py for the statistics), and the admin's decision on re-weighting.

The people: staff (not archived) whose current role, or else their team's sales mode, is the
role. Each needs a completed assessment whose scores give a fit index for the role (their
latest, as on the team map) and KPI outcomes: their overall KPI attainment over the window
(app/services/kpis.py), over the KPIs of that role. This is a concurrent design: today's
scores against recent results. Until `MIN_PEOPLE` people have both, nothing is computed and
the answer says how many more are needed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlmodel import Session, col, select

from app.db import utcnow
from app.i18n import gettext as _
from app.models import LocalModelVersion, Person, PersonKind, Team
from app.scoring.loader import Catalog
from app.scoring.validation import MIN_PEOPLE, Validation, validate
from app.services.audit import record_event
from app.services.catalogs import organisation_catalog
from app.services.errors import Conflict, Invalid
from app.services.kpis import DEFAULT_MONTHS, Window, kpi_table, role_of, window
from app.services.model_versions import ACCEPTED, REJECTED, applicable, decisions
from app.services.teams import Member, current_scores, profile_fits, score_matrix


@dataclass(frozen=True)
class RoleEvidence:
    role: str
    window: Window
    people: int  # staff in the role
    assessed: int  # with a fit index for the role
    with_kpis: int  # with KPI attainment in the window
    n: int  # with both
    result: Validation | None
    problem: str | None  # enough people, but the figures cannot be computed
    weights: dict[str, float]  # in force now
    model_version: str
    history: list[LocalModelVersion] = field(default_factory=list)
    stale: list[LocalModelVersion] = field(default_factory=list)  # accepted, no longer applied

    @property
    def needed(self) -> int:
        return max(0, MIN_PEOPLE - self.n)

    def digest(self) -> str:
        """A fingerprint of the proposal shown: a decision applies exactly what was seen."""
        proposal = self.result.proposed_weights if self.result else None
        content = {
            "role": self.role,
            "n": self.n,
            "weights": proposal,
            "version": self.model_version,
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]


def check_role(catalog: Catalog, role: str) -> str:
    if role not in catalog.model.definition.profiles:
        raise Invalid(
            _("Unknown role “%(role)s”: choose one of %(roles)s.")
            % {"role": role, "roles": ", ".join(catalog.model.definition.profiles)},
            field="role",
        )
    return role


def local_validation(
    session: Session,
    catalog: Catalog,
    role: str,
    *,
    months: int = DEFAULT_MONTHS,
    today: date | None = None,
    resamples: int = 1000,
) -> RoleEvidence:
    """The evidence for one role's profile in this organisation."""
    check_role(catalog, role)
    catalog = organisation_catalog(session, catalog)
    model = catalog.model.definition
    profile = model.profiles[role]
    competencies = list(model.competencies)
    teams = {t.id or 0: t for t in session.exec(select(Team))}
    staff = [
        p
        for p in session.exec(
            select(Person).where(
                Person.kind == PersonKind.employee,
                col(Person.archived_at).is_(None),
                col(Person.anonymised_at).is_(None),
            )
        )
        if role_of(p, teams) == role
    ]
    scores = current_scores(session, competencies, [p.id or 0 for p in staff])
    members = [
        Member(
            person_id=p.id or 0,
            full_name=p.full_name,
            team_id=p.team_id,
            team=None,
            current_role=role,
            scores=scores[p.id or 0].scores,
            snapshot_id=scores[p.id or 0].snapshot_id,
        )
        for p in staff
        if (p.id or 0) in scores
    ]
    matrix = score_matrix(members, competencies)
    fits = profile_fits(role, profile, competencies, matrix, members)
    assessed = [m for m, f in zip(members, fits, strict=True) if f.fit is not None]
    span = window(session, months, today=today)
    table = kpi_table(session, model, [(p.id or 0, p.team_id, role) for p in staff], span)
    outcome = {pid: found.overall(model) for pid, found in table.items()}
    with_kpis = {pid for pid, value in outcome.items() if value is not None}
    both = [m for m in assessed if m.person_id in with_kpis]
    history = decisions(session, role)
    evidence: dict[str, Any] = {
        "role": role,
        "window": span,
        "people": len(staff),
        "assessed": len(assessed),
        "with_kpis": len(with_kpis),
        "n": len(both),
        "weights": dict(profile.weights),
        "model_version": catalog.model.version,
        "history": history,
        "stale": [d for d in history if d.status == ACCEPTED and not applicable(model, d)],
    }
    if len(both) < MIN_PEOPLE:
        return RoleEvidence(**evidence, result=None, problem=None)

    def fit_index(weights: Mapping[str, float], rows: np.ndarray) -> np.ndarray:
        changed = profile.model_copy(update={"weights": dict(weights)})
        found = profile_fits(role, changed, competencies, rows)
        return np.array([np.nan if f.fit is None else f.fit for f in found])

    try:
        result = validate(
            score_matrix(both, competencies),
            np.array([outcome[m.person_id] for m in both], dtype=float),
            competencies,
            profile.weights,
            fit_index,
            resamples=resamples,
        )
    except ValueError:
        return RoleEvidence(
            **evidence,
            result=None,
            problem=_(
                "The KPI results are too alike to tell the top third from the rest; "
                "a longer window may help."
            ),
        )
    return RoleEvidence(**evidence, result=result, problem=None)


def decide(
    session: Session,
    catalog: Catalog,
    role: str,
    *,
    accept: bool,
    digest: str,
    months: int = DEFAULT_MONTHS,
    actor_user_id: int | None = None,
) -> LocalModelVersion:
    """Record an admin's decision on the proposal shown (identified by `digest`). Accepting
    makes a new model version for the organisation; results scored before keep theirs."""
    evidence = local_validation(session, catalog, role, months=months)
    result = evidence.result
    proposal = result.proposed_weights if result else None
    if result is None or proposal is None:
        raise Conflict(_("There is no proposal to decide on now."))
    if evidence.digest() != digest:
        raise Conflict(
            _(
                "The data changed since the page was shown; look at the new figures and decide again."
            )
        )
    decision = LocalModelVersion(
        profile_id=role,
        status=ACCEPTED if accept else REJECTED,
        base_version=catalog.model.version,
        weights=proposal,
        previous_weights=evidence.weights,
        evidence={
            "n": result.n,
            "window": [evidence.window.start.isoformat(), evidence.window.end.isoformat()],
            "model_auc": [result.model_auc.estimate, result.model_auc.low, result.model_auc.high],
            "profile_auc": [
                result.profile_auc.estimate,
                result.profile_auc.low,
                result.profile_auc.high,
            ],
            "proposed_auc": None
            if result.proposed_auc is None
            else [
                result.proposed_auc.estimate,
                result.proposed_auc.low,
                result.proposed_auc.high,
            ],
            "model_version_before": evidence.model_version,
        },
        decided_by_id=actor_user_id,
        created_at=utcnow(),
    )
    session.add(decision)
    session.flush()
    record_event(
        session,
        organisation_id=decision.organisation_id or 0,
        actor_user_id=actor_user_id,
        action="model.weights_accepted" if accept else "model.weights_rejected",
        object_type="local_model_version",
        object_id=decision.id,
        details={"profile": role, "weights": proposal},
    )
    return decision
