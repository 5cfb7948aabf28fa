"""Teams: who is in scope, their current scores, the team map and the move between roles.

The people in scope are the organisation's employees (candidates are not part of a team;
anonymised people are left out), narrowed to a team, to the people a manager manages
(directly or through a team they lead, see `reviews.managed_by`), or both.

A person's *current* competency scores are those of their latest ScoreSnapshot that has at
least one competency score, whatever campaign produced it (`current_scores`). They are read
from the stored payload inside the database, so the scores of 2,000 people are one query and
no JSON document is parsed in Python.

Fit is computed again from those scores with the model in force for the organisation
(competencies.yaml with any weights the admin accepted, `model_versions`), not copied from
the snapshot, so every row of a map or a plan uses the same profiles. `profile_fits` is
`app.scoring.fit.profile_fit` over a whole score matrix at once (numpy); a fit within 1e-6 of
a threshold is computed once more with `profile_fit` itself, so the two never disagree on
who qualifies. Whether a person can be developed into a role is `develop_or_hire`'s answer.

Beside fit, each member carries their KPI attainment over the default window (a rolling
quarter, app/services/kpis.py), over the KPIs of their current role. Figures resting on
fewer than `MIN_GROUP` people are flagged as individual cases rather than a team's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Select, cast, or_
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session, col, func, select

from app.i18n import gettext as _
from app.models import Person, PersonKind, ScoreSnapshot, Team, User
from app.scoring.decision import Component, components
from app.scoring.definitions import CompetencyModel, Profile
from app.scoring.development import DevelopmentDecision, PlanStep, develop_or_hire
from app.scoring.fit import MIN_COVERAGE, ROLES, attainment
from app.scoring.loader import Catalog
from app.services.catalogs import organisation_catalog
from app.services.errors import Invalid, NotFound
from app.services.kpis import kpi_table, window
from app.services.reviews import managed_by

BORDERLINE = 1e-6
"""A vectorised fit this close to its threshold is checked with the scalar `profile_fit`."""
MIN_GROUP = 5
"""Fewer assessed people than this and a scope's figures are individual cases, not a team's."""

# ----------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Member:
    """One person in scope with their current competency scores."""

    person_id: int
    full_name: str
    team_id: int | None
    team: str | None
    current_role: str | None  # the person's own role, else their team's sales mode
    scores: dict[str, float | None]  # every competency of the model; None when missing
    snapshot_id: int | None = None
    invitation_id: int | None = None
    assessed_at: datetime | None = None
    provisional: bool = False
    attainment: float | None = None  # KPI attainment over the window (1.0 = on target)
    outcome: str | None = None  # the stored outcome of that assessment (one of seven)
    confidence: str | None = None
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Competency -> (low, high) of the stored interval (engine 2 results only)."""

    @property
    def assessed(self) -> bool:
        return self.snapshot_id is not None


@dataclass(frozen=True)
class CurrentScores:
    snapshot_id: int
    invitation_id: int | None
    assessed_at: datetime
    provisional: bool
    scores: dict[str, float | None]
    outcome: str | None = None
    confidence: str | None = None
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)


def profile_scales(model: CompetencyModel) -> list[str]:
    """The scales that are part of a profile (e.g. `sales_orientation`), which the engine
    stores under `profile_scales` beside the competencies."""
    return list(dict.fromkeys(sid for p in model.profiles.values() for sid in p.scales))


def fit_columns(model: CompetencyModel) -> list[str]:
    """The score columns a fit needs: the competencies, then the profile scales, so the fits
    computed here equal the fits stored with each result."""
    return list(model.competencies) + profile_scales(model)


def _path(component: str, scales: Sequence[str], key: str) -> tuple[str, str, str]:
    """Where a component's stored score (or `low`, `high`) sits in a snapshot's payload."""
    return ("profile_scales" if component in scales else "competencies", component, key)


def _score_of(competency: str, key: str = "score", scales: Sequence[str] = ()) -> Any:
    """SQL for the stored score (or `low`, `high`) of one competency, or of one of the profile
    `scales`, in a snapshot's payload (NULL if none)."""
    return col(ScoreSnapshot.scores)[_path(competency, scales, key)].as_float()


INTERVAL_KEYS = ("score", "low", "high")


CHUNK = 500
"""Ids per IN (...) list: well under every database's limit on bound parameters."""


def current_scores(
    session: Session,
    competencies: Sequence[str],
    people: Select[Any] | Sequence[int],
    scales: Sequence[str] = (),
) -> dict[int, CurrentScores]:
    """The latest snapshot with at least one competency score, per person, with the scores of
    the profile `scales` beside the competencies' (`fit_columns`).

    `people` is a list of person ids or a SELECT of them; people without such a snapshot are
    absent from the answer. One query reads everyone's latest snapshot (the JSON is read
    only for those); a second one, only when some latest snapshot has no competency score
    at all, looks further back for those people.
    """
    competencies = list(competencies)
    if not competencies:
        return {}
    people_ids = people if isinstance(people, Select) else list(people)
    latest = (
        select(func.max(ScoreSnapshot.id))
        .where(col(ScoreSnapshot.person_id).in_(people_ids))
        .group_by(col(ScoreSnapshot.person_id))
    )
    out = _read_scores(session, competencies, col(ScoreSnapshot.id).in_(latest), scales)
    empty = [person_id for person_id, found in out.items() if not _any_score(found)]
    for start in range(0, len(empty), CHUNK):
        chunk = empty[start : start + CHUNK]
        scored = or_(*(_score_of(c).is_not(None) for c in competencies))
        earlier = (
            select(func.max(ScoreSnapshot.id))
            .where(col(ScoreSnapshot.person_id).in_(chunk), scored)
            .group_by(col(ScoreSnapshot.person_id))
        )
        found = _read_scores(session, competencies, col(ScoreSnapshot.id).in_(earlier), scales)
        for person_id in chunk:
            if person_id in found:
                out[person_id] = found[person_id]
            else:
                del out[person_id]
    return out


def _any_score(found: CurrentScores) -> bool:
    return any(value is not None for value in found.scores.values())


SNAPSHOT_COLUMNS = (
    "person_id",
    "id",
    "invitation_id",
    "created_at",
    "provisional",
    "recommendation",
    "confidence",
)


def _read_scores(
    session: Session,
    competencies: list[str],
    condition: ColumnElement[bool],
    scales: Sequence[str] = (),
) -> dict[int, CurrentScores]:
    """Snapshots matching `condition`, with their competency (and profile scale) scores read
    in the database."""
    competencies = list(competencies) + [s for s in scales if s not in competencies]
    columns = [getattr(ScoreSnapshot, name) for name in SNAPSHOT_COLUMNS]
    # SQLAlchemy's select: SQLModel's is typed for at most four columns.
    statement: Any
    if session.get_bind().dialect.name == "postgresql":
        # A `json` value is parsed again by every path operator; parse it once, as jsonb.
        # OFFSET 0 keeps the planner from inlining the subquery (and the cast with it).
        inner = (
            sa_select(*columns, cast(col(ScoreSnapshot.scores), JSONB).label("payload"))
            .where(condition)
            .offset(0)
            .subquery()
        )
        statement = sa_select(
            *(inner.c[name] for name in SNAPSHOT_COLUMNS),
            *(
                inner.c.payload[_path(c, scales, key)].as_float()
                for c in competencies
                for key in INTERVAL_KEYS
            ),
        )
    else:
        statement = sa_select(
            *columns,
            *(_score_of(c, key, scales) for c in competencies for key in INTERVAL_KEYS),
        ).where(condition)
    out = {}
    for row in session.exec(statement):
        person_id, snapshot_id, invitation_id, created_at, provisional, outcome, confidence = row[
            : len(SNAPSHOT_COLUMNS)
        ]
        values = [
            float(v) if v is not None and math.isfinite(v) else None
            for v in row[len(SNAPSHOT_COLUMNS) :]
        ]
        triples = {c: values[3 * j : 3 * j + 3] for j, c in enumerate(competencies)}
        out[person_id] = CurrentScores(
            snapshot_id,
            invitation_id,
            created_at,
            bool(provisional),
            {c: triple[0] for c, triple in triples.items()},
            outcome,
            confidence,
            {
                c: (low, high)
                for c, (score, low, high) in triples.items()
                if score is not None and low is not None and high is not None
            },
        )
    return out


@dataclass(frozen=True)
class Scope:
    """Whose people: a team, a manager's people, both, or (neither) the whole organisation."""

    team: Team | None = None
    manager: User | None = None


def resolve_scope(
    session: Session, *, team_id: int | None = None, manager_id: int | None = None
) -> Scope:
    """The team and manager named by id; NotFound when either is unknown here."""
    # Queries rather than session.get: an object already in the session's identity map
    # would be returned by get() without the organisation's filter.
    team = manager = None
    if team_id is not None:
        team = session.exec(select(Team).where(Team.id == team_id)).first()
        if team is None:
            raise NotFound(_("There is no team with the number %(id)s.") % {"id": team_id})
    if manager_id is not None:
        manager = session.exec(select(User).where(User.id == manager_id)).first()
        if manager is None:
            raise NotFound(_("There is no manager with the number %(id)s.") % {"id": manager_id})
    return Scope(team, manager)


def _conditions(scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        col(Person.kind) == PersonKind.employee,
        col(Person.anonymised_at).is_(None),
        col(Person.archived_at).is_(None),
    ]
    if scope.team is not None:
        conditions.append(col(Person.team_id) == scope.team.id)
    if scope.manager is not None:
        conditions.append(managed_by(scope.manager.id or 0))
    return conditions


def members(session: Session, model: CompetencyModel, scope: Scope) -> list[Member]:
    """The people in scope with their current scores, by team and name (two queries)."""
    conditions = _conditions(scope)
    statement: Any = (
        sa_select(
            col(Person.id),
            col(Person.full_name),
            col(Person.team_id),
            col(Person.current_role),
            col(Team.name),
            col(Team.sales_mode),
        )
        .join(Team, col(Team.id) == col(Person.team_id), isouter=True)
        .where(*conditions)
    )
    rows = session.exec(statement).all()
    competencies = list(model.competencies)
    current = current_scores(
        session, competencies, select(Person.id).where(*conditions), profile_scales(model)
    )
    results = kpi_table(
        session,
        model,
        [(row[0], row[2], row[3] or row[5]) for row in rows],
        window(session),
    )
    empty: dict[str, float | None] = dict.fromkeys(fit_columns(model))
    out = []
    for person_id, full_name, team_id, current_role, team_name, sales_mode in rows:
        found = current.get(person_id)
        out.append(
            Member(
                person_id=person_id,
                full_name=full_name,
                team_id=team_id,
                team=team_name,
                current_role=current_role or sales_mode,
                scores=found.scores if found else dict(empty),
                snapshot_id=found.snapshot_id if found else None,
                invitation_id=found.invitation_id if found else None,
                assessed_at=found.assessed_at if found else None,
                provisional=found.provisional if found else False,
                attainment=results[person_id].overall(model),
                outcome=found.outcome if found else None,
                confidence=found.confidence if found else None,
                intervals=dict(found.intervals) if found else {},
            )
        )
    out.sort(
        key=lambda m: (
            m.team is None,
            (m.team or "").casefold(),
            m.full_name.casefold(),
            m.person_id,
        )
    )
    return out


def score_matrix(people: Sequence[Member], competencies: Sequence[str]) -> np.ndarray:
    """people × competencies, NaN where a score is missing."""
    matrix = np.full((len(people), len(competencies)), np.nan)
    for i, member in enumerate(people):
        for j, competency in enumerate(competencies):
            value = member.scores.get(competency)
            if value is not None:
                matrix[i, j] = value
    return matrix


# ----------------------------------------------------------------------------- fit


@dataclass(frozen=True)
class FitNow:
    """One person's fit to one profile today."""

    fit: float | None
    qualifies: bool | None  # None: not enough scores to say
    knockouts: tuple[str, ...] = ()


def profile_fits(
    profile_id: str,
    profile: Profile,
    competencies: Sequence[str],
    matrix: np.ndarray,
    people: Sequence[Member] | None = None,
) -> list[FitNow]:
    """`fit.profile_fit` for every row of a score matrix (columns in `competencies` order).

    The same formula, vectorised: attainment clip((s - m) / (t - m), 0, 1), the weighted mean
    over the scored competencies when they carry at least MIN_COVERAGE of the weight,
    knock-outs below the minimum. `people` (rows in the same order) lets a borderline fit be
    checked with the scalar function.
    """
    parts = components(profile)  # competencies, then the profile's scales
    ids = [c.id for c in parts]
    known_columns = list(competencies)
    # a component without a column (e.g. a scale the caller did not read) is unmeasured
    padded = np.hstack([matrix, np.full((len(matrix), 1), np.nan)]) if matrix.ndim == 2 else matrix
    missing = len(known_columns)
    columns = [known_columns.index(c) if c in known_columns else missing for c in ids]
    scores = padded[:, columns] if len(matrix) else np.empty((0, len(ids)))
    weights = np.array([c.weight for c in parts], dtype=float)
    targets = np.array([c.target for c in parts], dtype=float)
    minimums = np.array([c.minimum for c in parts], dtype=float)
    known = np.isfinite(scores)
    filled = np.where(known, scores, 0.0)
    span = targets - minimums
    banded = np.clip((filled - minimums) / np.where(span > 0, span, 1.0), 0.0, 1.0)
    stepped = (filled >= targets).astype(float)
    attained = np.where(known, np.where(span > 0, banded, stepped), 0.0)
    scored_weight = (weights * known).sum(axis=1)
    total = weights.sum()
    coverage = scored_weight / total if total else np.zeros(len(scores))
    enough = known.any(axis=1) & (coverage >= MIN_COVERAGE - 1e-9)
    fit = np.where(
        enough,
        100.0 * (weights * attained).sum(axis=1) / np.where(scored_weight > 0, scored_weight, 1.0),
        np.nan,
    )
    knocked = known & (filled < minimums)
    knocked_rows: list[list[bool]] = knocked.tolist()
    values: list[float] = np.where(enough, fit, 0.0).tolist()
    enough_list: list[bool] = enough.tolist()
    threshold = profile.fit_threshold
    out = []
    for i, value in enumerate(values):
        knockouts: tuple[str, ...] = ()
        current: float | None = value if enough_list[i] else None
        if any(knocked_rows[i]):
            knockouts = tuple(c for c, low in zip(ids, knocked_rows[i], strict=True) if low)
            qualifies: bool | None = False
        elif current is None:
            qualifies = None
        elif people is not None and abs(current - threshold) < BORDERLINE:
            current = _exact_fit(parts, people[i].scores)
            qualifies = None if current is None else current >= threshold
        else:
            qualifies = current >= threshold
        out.append(FitNow(current, qualifies, knockouts))
    return out


def _exact_fit(parts: Sequence[Component], scores: Mapping[str, float | None]) -> float | None:
    """One person's fit in plain floats (the engine's formula, `decision._role`), for a fit
    too close to its threshold to trust the vectorised sum's last digit."""
    known = [
        (c, float(value))
        for c in parts
        if (value := scores.get(c.id)) is not None and math.isfinite(value)
    ]
    total = sum(c.weight for c in parts)
    weight = sum(c.weight for c, _value in known)
    if not known or not total or weight / total < MIN_COVERAGE - 1e-9:
        return None
    return 100.0 * sum(c.weight * attainment(v, c.minimum, c.target) for c, v in known) / weight


def recommendation(fits: dict[str, FitNow]) -> str | None:
    """`both`, `active`, `passive` or `neither` as `fit.recommend` says it; None when no
    role can be judged for lack of scores."""
    judged = [role for role in ROLES if role in fits and fits[role].qualifies is not None]
    if not judged:
        return None
    qualifying = [role for role in judged if fits[role].qualifies]
    return "both" if len(qualifying) == 2 else qualifying[0] if qualifying else "neither"


# ----------------------------------------------------------------------------- the team map


@dataclass(frozen=True)
class MapRow:
    member: Member
    fits: dict[str, FitNow]
    recommendation: str | None
    """Recomputed from the scores with the organisation's model (`recommendation()`)."""

    @property
    def scored_with_intervals(self) -> bool:
        """Whether the result is from the current engine (it stores intervals)."""
        return bool(self.member.intervals)

    @property
    def outcome(self) -> str | None:
        """What the map shows: the stored outcome of a current-engine result (the same as the
        report and the ranking, `invalid` included); for an earlier engine's result, the
        recommendation recomputed from its scores."""
        if self.scored_with_intervals and self.member.outcome:
            return self.member.outcome
        return self.recommendation


@dataclass(frozen=True)
class CompetencySummary:
    """The scores of one competency across the people in scope."""

    scored: int
    median: float | None
    levels: dict[str, int]  # level id -> people at that level


@dataclass(frozen=True)
class TeamMap:
    scope: Scope
    competencies: list[str]
    profiles: list[str]
    rows: list[MapRow]
    summary: dict[str, CompetencySummary]

    @property
    def assessed(self) -> int:
        return sum(1 for row in self.rows if row.member.assessed)

    @property
    def with_kpis(self) -> int:
        return sum(1 for row in self.rows if row.member.attainment is not None)

    @property
    def too_few(self) -> bool:
        """Whether the figures rest on too few assessed people to speak for a team."""
        return 0 < self.assessed < MIN_GROUP


def level_of(model: CompetencyModel, score: float | None) -> str | None:
    """The id of the reporting level a score falls in (competencies.yaml `levels`)."""
    if score is None or not math.isfinite(score):
        return None
    ordered = sorted(model.levels.items(), key=lambda item: item[1].min)
    found = ordered[0][0]
    for level_id, level in ordered:
        if score >= level.min:
            found = level_id
    return found


def team_map(
    session: Session,
    catalog: Catalog,
    *,
    team_id: int | None = None,
    manager_id: int | None = None,
) -> TeamMap:
    """People × competencies with each person's fit to every profile and the recommendation."""
    catalog = organisation_catalog(session, catalog)
    model = catalog.model.definition
    scope = resolve_scope(session, team_id=team_id, manager_id=manager_id)
    people = members(session, model, scope)
    competencies = list(model.competencies)
    columns = fit_columns(model)
    matrix = score_matrix(people, columns)
    fits = {
        pid: profile_fits(pid, profile, columns, matrix, people)
        for pid, profile in model.profiles.items()
    }
    rows = []
    for i, member in enumerate(people):
        person_fits = {pid: fits[pid][i] for pid in model.profiles}
        rows.append(MapRow(member, person_fits, recommendation(person_fits)))
    summary = {}
    for j, competency in enumerate(competencies):
        column = matrix[:, j]
        scored = column[np.isfinite(column)]
        levels = dict.fromkeys(model.levels, 0)
        for value in scored:
            level = level_of(model, float(value))
            if level is not None:
                levels[level] += 1
        summary[competency] = CompetencySummary(
            len(scored), float(np.median(scored)) if len(scored) else None, levels
        )
    return TeamMap(scope, competencies, list(model.profiles), rows, summary)


# ----------------------------------------------------------------------------- transition


@dataclass(frozen=True)
class TransitionEntry:
    """One person in a transition plan."""

    member: Member
    fit: float | None  # fit to the target role now
    current_role_fit: float | None
    decision: DevelopmentDecision | None = None  # None for people who fit now or lack data

    @property
    def months(self) -> float | None:
        return self.decision.months if self.decision else None

    @property
    def plan(self) -> list[PlanStep]:
        return self.decision.plan if self.decision else []

    @property
    def blocking(self) -> list[str]:
        return self.decision.blocking if self.decision else []

    @property
    def projected_fit(self) -> float | None:
        return self.decision.projected_fit if self.decision else None


@dataclass(frozen=True)
class OtherRole:
    """The other role's staffing once the target role has taken the people it needs."""

    role: str
    headcount: int
    available: int  # people not moved who fit the other role now

    @property
    def hires_needed(self) -> int:
        return max(0, self.headcount - self.available)


@dataclass(frozen=True)
class Transition:
    """Who fits a role now, who can be developed, who stays where they are, whom to hire."""

    role: str
    headcount: int
    scope: Scope
    fit_now: list[TransitionEntry]
    developable: list[TransitionEntry]
    keep_in_current_role: list[TransitionEntry]
    not_a_fit: list[TransitionEntry]
    insufficient_data: list[TransitionEntry]
    moved: frozenset[int] = field(default_factory=frozenset)  # counted towards the headcount
    other: OtherRole | None = None

    @property
    def hires_needed(self) -> int:
        return max(0, self.headcount - len(self.fit_now) - len(self.developable))

    @property
    def assessed(self) -> int:
        return self.people - len(self.insufficient_data)

    @property
    def too_few(self) -> bool:
        """Whether the plan rests on too few assessed people to speak for a team."""
        return 0 < self.assessed < MIN_GROUP

    @property
    def people(self) -> int:
        return sum(
            len(group)
            for group in (
                self.fit_now,
                self.developable,
                self.keep_in_current_role,
                self.not_a_fit,
                self.insufficient_data,
            )
        )

    @property
    def to_develop(self) -> list[TransitionEntry]:
        """The developable people the headcount needs (the quickest first)."""
        return [e for e in self.developable if e.member.person_id in self.moved]

    @property
    def months_to_staff(self) -> float | None:
        """How long the needed development takes: the longest of those plans."""
        months = [e.months or 0.0 for e in self.to_develop]
        return max(months) if months else None

    @property
    def longest_plan(self) -> float | None:
        months = [e.months or 0.0 for e in self.developable]
        return max(months) if months else None

    def keep_by_role(self) -> dict[str, list[TransitionEntry]]:
        groups: dict[str, list[TransitionEntry]] = {}
        for entry in self.keep_in_current_role:
            groups.setdefault(entry.member.current_role or "", []).append(entry)
        return groups


MAX_HEADCOUNT = 100_000
"""The largest target headcount a plan is made for."""


def check_transition(model: CompetencyModel, role: str, headcount: int) -> None:
    """Invalid naming the field when the role is unknown or a headcount is negative."""
    if role not in model.profiles:
        raise Invalid(
            _("Unknown role “%(role)s”: choose one of %(roles)s.")
            % {"role": role, "roles": ", ".join(model.profiles)},
            field="role",
        )
    if headcount < 0:
        raise Invalid(
            _("The target headcount must be 0 or more; %(value)s was given.")
            % {"value": headcount},
            field="headcount",
        )
    if headcount > MAX_HEADCOUNT:
        raise Invalid(
            _("The target headcount must be at most %(max)s; %(value)s was given.")
            % {"max": MAX_HEADCOUNT, "value": headcount},
            field="headcount",
        )


def other_role(model: CompetencyModel, role: str) -> str | None:
    """The role people not moved stay in: passive for active and the other way round."""
    others = [r for r in ROLES if r != role and r in model.profiles]
    return others[0] if role in ROLES and len(others) == 1 else None


def transition(
    session: Session,
    catalog: Catalog,
    *,
    role: str,
    headcount: int,
    team_id: int | None = None,
    manager_id: int | None = None,
    other_headcount: int | None = None,
) -> Transition:
    """The move to `role` with a target `headcount`: everyone in scope lands in one list.

    * fit_now — qualifies for the role today;
    * developable — `develop_or_hire` finds a plan within the trainability limits;
    * keep_in_current_role — neither, but qualifies for the role they are in now;
    * not_a_fit — none of these;
    * insufficient_data — too few competency scores to judge the role.

    `hires_needed = max(0, headcount - fit_now - developable)`. The headcount is filled with
    the people who fit now (best fit first), then the quickest to develop; with
    `other_headcount`, people who also fit the other role are taken last, and the other
    role's staffing is counted from the people left.
    """
    catalog = organisation_catalog(session, catalog)
    model = catalog.model.definition
    check_transition(model, role, headcount)
    other = other_role(model, role) if other_headcount is not None else None
    if other_headcount is not None:
        check_transition(model, other or role, other_headcount)
    scope = resolve_scope(session, team_id=team_id, manager_id=manager_id)
    people = members(session, model, scope)
    columns = fit_columns(model)
    matrix = score_matrix(people, columns)
    fits = {
        pid: profile_fits(pid, profile, columns, matrix, people)
        for pid, profile in model.profiles.items()
    }
    groups: dict[str, list[TransitionEntry]] = {
        "fit_now": [],
        "developable": [],
        "keep_in_current_role": [],
        "not_a_fit": [],
        "insufficient_data": [],
    }
    for i, member in enumerate(people):
        target = fits[role][i]
        current = member.current_role if member.current_role in fits else None
        current_fit = fits[current][i] if current else None
        entry = TransitionEntry(member, target.fit, current_fit.fit if current_fit else None)
        if target.qualifies is None:
            groups["insufficient_data"].append(entry)
            continue
        if target.qualifies:
            groups["fit_now"].append(entry)
            continue
        decision = develop_or_hire(model, role, member.scores)
        entry = TransitionEntry(member, entry.fit, entry.current_role_fit, decision)
        if decision.status == "fit_now":
            groups["fit_now"].append(entry)
        elif decision.status == "develop":
            groups["developable"].append(entry)
        elif decision.status == "insufficient_data":
            groups["insufficient_data"].append(entry)
        elif current is not None and current != role and current_fit and current_fit.qualifies:
            groups["keep_in_current_role"].append(entry)
        else:
            groups["not_a_fit"].append(entry)

    index = {member.person_id: i for i, member in enumerate(people)}

    def fits_other(entry: TransitionEntry) -> bool:
        return bool(other and fits[other][index[entry.member.person_id]].qualifies)

    groups["fit_now"].sort(key=lambda e: (-(e.fit or 0.0), e.member.full_name.casefold()))
    groups["developable"].sort(
        key=lambda e: (e.months or 0.0, -(e.fit or 0.0), e.member.full_name.casefold())
    )
    groups["keep_in_current_role"].sort(
        key=lambda e: (
            e.member.current_role or "",
            -(e.current_role_fit or 0.0),
            e.member.full_name.casefold(),
        )
    )
    groups["not_a_fit"].sort(key=lambda e: (-(e.fit or -1.0), e.member.full_name.casefold()))
    groups["insufficient_data"].sort(key=lambda e: e.member.full_name.casefold())

    # Fill the headcount: fit now first, then the quickest to develop; stable sorts keep the
    # order above among people who fit the other role alike.
    order = sorted(groups["fit_now"], key=fits_other) + sorted(
        groups["developable"], key=fits_other
    )
    moved = frozenset(e.member.person_id for e in order[:headcount])
    staffing = None
    if other is not None and other_headcount is not None:
        available = sum(
            1
            for i, member in enumerate(people)
            if member.person_id not in moved and fits[other][i].qualifies
        )
        staffing = OtherRole(other, other_headcount, available)
    return Transition(role, headcount, scope, **groups, moved=moved, other=staffing)


# ----------------------------------------------------------------------------- choices


def visible_teams(session: Session, *, manager_id: int | None = None) -> list[Team]:
    """Teams by name: all of them, or, for a manager, those they lead or have people in."""
    statement = select(Team).order_by(col(Team.name), col(Team.id))
    if manager_id is not None:
        with_people = select(Person.team_id).where(managed_by(manager_id))
        statement = statement.where(
            or_(col(Team.manager_id) == manager_id, col(Team.id).in_(with_people))
        )
    return list(session.exec(statement))


def managers(session: Session) -> list[User]:
    """Users who lead a team or have people reporting to them, by name."""
    leading = select(Team.manager_id).where(col(Team.manager_id).is_not(None))
    with_reports = select(Person.manager_id).where(col(Person.manager_id).is_not(None))
    return list(
        session.exec(
            select(User)
            .where(or_(col(User.id).in_(leading), col(User.id).in_(with_reports)))
            .order_by(col(User.full_name), col(User.email))
        )
    )
