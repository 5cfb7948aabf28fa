"""Develop or hire: can a person reach a role by development, and how long would it take?

For a person and a target profile:

* `fit_now` — the profile qualifies today (fit >= threshold, no knock-out).
* `develop` — it qualifies once development closes the gaps it can, and every minimum is
  more likely than not to be reached within the model's development horizon
  (`decision.development_horizon_months`). Each competency below its target can gain at most
  its `trainability.max_gain` points, at `monthly_gain` points a month. The plan takes the
  fewest competencies needed, best value first: knock-outs first, aiming at their minimum
  (that is what they must reach), then the largest weighted fit gain per month of work,
  aiming at the target, until the projected fit reaches the threshold. The estimate is the
  longest of the chosen competencies' times, since they are worked on side by side; it is an
  expert estimate from the model, not a promise.
* `not_a_fit` — even full development within the trainability limits would not qualify, or
  some minimum is less likely than not to be reached within the horizon (typically a
  persistence gap: the slowest competency to move). `blocking` names those competencies.
* `insufficient_data` — too few competency scores to judge (see `fit.MIN_COVERAGE`).

**Probability of reaching a minimum.** Neither the score nor the gain is exact: the score
has its standard error SE (6 points when unknown, about what the shipped battery gives), and
the gain an expert estimate is taken to be uncertain by half its size. Within the horizon H
a competency at score s can gain g = min(max_gain, monthly_gain * H), and

    P(reach minimum m) = Phi((s + g - m) / sqrt(SE^2 + (g / 2)^2))

`reach` holds this per competency and `probability` the product over the profile's
competencies (independent errors) — a smooth number: a score of 39.9 and one of 40 differ by
a fraction of a percent, not by a verdict. The status boundary is where that probability is
one half.

For a team and a target headcount in a role, people are counted in each group and
`hires_needed = max(0, headcount - fit_now - develop)`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

from app.scoring.definitions import CompetencyModel, DevelopmentActivity
from app.scoring.fit import Scores, attainment, profile_fit

Status = Literal["fit_now", "develop", "not_a_fit", "insufficient_data"]
DEFAULT_SE = 6.0
"""The standard error assumed for a competency score when none is given."""
GAIN_UNCERTAINTY = 0.5
"""The standard deviation of an expected gain, as a share of it (an expert estimate)."""


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
    reach: dict[str, float] = field(default_factory=dict)  # P(minimum reached within horizon)
    probability: float | None = None  # P(every minimum reached within the horizon)
    horizon_months: float | None = None


def reach_probability(
    model: CompetencyModel,
    competency: str,
    score: float,
    minimum: float,
    horizon_months: float,
    se: float | None = None,
) -> float:
    """P(the true level reaches `minimum` within the horizon), see the module docstring."""
    trainability = model.competencies[competency].trainability
    gain = min(trainability.max_gain, trainability.monthly_gain * horizon_months)
    spread = math.sqrt((se if se is not None else DEFAULT_SE) ** 2 + (GAIN_UNCERTAINTY * gain) ** 2)
    return NormalDist().cdf((score + gain - minimum) / spread)


def _gain(model: CompetencyModel, competency: str, score: float, aim: float) -> tuple[float, float]:
    """(reachable score, months to reach it) moving from `score` towards `aim`."""
    trainability = model.competencies[competency].trainability
    reachable = min(aim, score + trainability.max_gain)
    return reachable, max(0.0, reachable - score) / trainability.monthly_gain


def develop_or_hire(
    model: CompetencyModel,
    profile_id: str,
    scores: Scores,
    *,
    ses: Mapping[str, float | None] | None = None,
    horizon_months: float | None = None,
) -> DevelopmentDecision:
    """Whether a person fits a profile now, can be developed into it (with a plan), or not.

    `ses` gives the standard error of each competency score (DEFAULT_SE where missing);
    `horizon_months` defaults to the model's `decision.development_horizon_months`.
    """
    profile = model.profiles[profile_id]
    horizon = horizon_months or model.decision.development_horizon_months
    now = profile_fit(profile_id, profile, scores)
    if now.qualifies is None:
        return DevelopmentDecision(profile_id, "insufficient_data", None, None, None)
    reach = {
        c.competency: reach_probability(
            model, c.competency, c.score, c.minimum, horizon, (ses or {}).get(c.competency)
        )
        for c in now.contributions
        if c.score is not None
    }
    probability = math.prod(reach.values())
    if now.qualifies:
        return DevelopmentDecision(
            profile_id, "fit_now", now.fit, now.fit, 0.0, [], [], reach, probability, horizon
        )

    projected: dict[str, float | None] = dict(scores)
    steps: dict[str, PlanStep] = {}

    def take(competency: str, aim: float) -> None:
        score = float(scores[competency])  # type: ignore[arg-type]
        reachable, months = _gain(model, competency, score, aim)
        projected[competency] = reachable
        steps[competency] = PlanStep(
            competency, score, reachable, months, list(model.competencies[competency].development)
        )

    for c in now.knockouts:
        take(c.competency, c.minimum)  # a knock-out must reach its minimum
    blocking = [c for c, p in reach.items() if p < 0.5]

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
            # a knock-out already aimed at its minimum may still be taken on to its target
            if c.score is not None and c.score < c.target
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
            reach,
            probability,
            horizon,
        )
    months = max((s.months for s in steps.values()), default=0.0)
    return DevelopmentDecision(
        profile_id,
        "develop",
        now.fit,
        after.fit,
        math.ceil(months * 2) / 2,
        list(steps.values()),
        [],
        reach,
        probability,
        horizon,
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
