"""Develop or hire: can a person reach a role by development, and how long would it take?

For a person and a target profile:

* `fit_now` — the profile qualifies today (fit >= threshold, no knock-out).
* `develop` — it qualifies once development closes the gaps it can: each competency below
  its target can gain at most its `trainability.max_gain` points, at `monthly_gain` points a
  month. The plan takes the fewest competencies needed, best value first: knock-outs first
  (they must reach their minimum), then the largest weighted fit gain per month of work,
  until the projected fit reaches the threshold. The estimate is the longest of the chosen
  competencies' times, since they are worked on side by side; it is an expert estimate from
  the model, not a promise.
* `not_a_fit` — even full development within the trainability limits would not qualify
  (typically a persistence gap: the slowest competency to move).
* `insufficient_data` — too few competency scores to judge (see `fit.MIN_COVERAGE`).

For a team and a target headcount in a role, people are counted in each group and
`hires_needed = max(0, headcount - fit_now - develop)`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from app.scoring.definitions import CompetencyModel, DevelopmentActivity
from app.scoring.fit import Scores, attainment, profile_fit

Status = Literal["fit_now", "develop", "not_a_fit", "insufficient_data"]


@dataclass(frozen=True)
class PlanStep:
    competency: str
    score: float
    aim: float  # the score the plan works towards
    months: float
    activities: list[DevelopmentActivity]


@dataclass(frozen=True)
class DevelopmentDecision:
    profile: str
    status: Status
    fit: float | None
    projected_fit: float | None
    months: float | None  # the plan's estimated duration
    plan: list[PlanStep] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)  # competencies development cannot fix


def _gain(model: CompetencyModel, competency: str, score: float, aim: float) -> tuple[float, float]:
    """(reachable score, months to reach it) moving from `score` towards `aim`."""
    trainability = model.competencies[competency].trainability
    reachable = min(aim, score + trainability.max_gain)
    return reachable, max(0.0, reachable - score) / trainability.monthly_gain


def develop_or_hire(model: CompetencyModel, profile_id: str, scores: Scores) -> DevelopmentDecision:
    """Whether a person fits a profile now, can be developed into it (with a plan), or not."""
    profile = model.profiles[profile_id]
    now = profile_fit(profile_id, profile, scores)
    if now.qualifies is None:
        return DevelopmentDecision(profile_id, "insufficient_data", None, None, None)
    if now.qualifies:
        return DevelopmentDecision(profile_id, "fit_now", now.fit, now.fit, 0.0)

    projected: dict[str, float | None] = dict(scores)
    steps: dict[str, PlanStep] = {}

    def take(competency: str, aim: float) -> None:
        score = float(scores[competency])  # type: ignore[arg-type]
        reachable, months = _gain(model, competency, score, aim)
        projected[competency] = reachable
        steps[competency] = PlanStep(
            competency, score, reachable, months, list(model.competencies[competency].development)
        )

    blocking = []
    for c in now.knockouts:
        take(c.competency, c.target)
        if (projected[c.competency] or 0.0) < c.minimum:
            blocking.append(c.competency)

    def value(competency: str) -> float:
        """Weighted attainment gained per month of development."""
        score = float(scores[competency])  # type: ignore[arg-type]
        target, minimum = profile.targets[competency], profile.minimums[competency]
        reachable, months = _gain(model, competency, score, target)
        gained = attainment(reachable, minimum, target) - attainment(score, minimum, target)
        return profile.weights[competency] * gained / months if months > 0 else 0.0

    candidates = sorted(
        (
            c.competency
            for c in now.contributions
            if c.score is not None and c.score < c.target and c.competency not in steps
        ),
        key=value,
        reverse=True,
    )
    for competency in candidates:
        if profile_fit(profile_id, profile, projected).qualifies:
            break
        take(competency, profile.targets[competency])

    after = profile_fit(profile_id, profile, projected)
    if blocking or not after.qualifies:
        return DevelopmentDecision(
            profile_id,
            "not_a_fit",
            now.fit,
            after.fit,
            None,
            list(steps.values()),
            blocking or now.gaps[:2],
        )
    months = max((s.months for s in steps.values()), default=0.0)
    return DevelopmentDecision(
        profile_id, "develop", now.fit, after.fit, math.ceil(months * 2) / 2, list(steps.values())
    )


@dataclass(frozen=True)
class TeamPlan:
    profile: str
    headcount: int
    fit_now: list[str]
    develop: list[str]
    not_a_fit: list[str]
    insufficient_data: list[str]
    decisions: dict[str, DevelopmentDecision]

    @property
    def hires_needed(self) -> int:
        """People to hire when everyone developable is developed."""
        return max(0, self.headcount - len(self.fit_now) - len(self.develop))

    @property
    def months_to_staff(self) -> float | None:
        """How long the developable people need (the longest plan), if any are counted."""
        months = [self.decisions[p].months or 0.0 for p in self.develop]
        return max(months) if months else None


def plan_team(
    model: CompetencyModel, profile_id: str, people: Mapping[str, Scores], headcount: int
) -> TeamPlan:
    """Who in a team fits a role now, who can be developed, and how many to hire."""
    if headcount < 0:
        raise ValueError("headcount must not be negative")
    decisions = {
        person: develop_or_hire(model, profile_id, scores) for person, scores in people.items()
    }
    groups: dict[str, list[str]] = {
        "fit_now": [],
        "develop": [],
        "not_a_fit": [],
        "insufficient_data": [],
    }
    for person, decision in decisions.items():
        groups[decision.status].append(person)
    return TeamPlan(profile_id, headcount, **groups, decisions=decisions)
