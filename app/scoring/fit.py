"""Role fit: how well a person's competency scores meet a role profile, and what to recommend.

A profile sets, per competency, a minimum m (the knock-out) and a target t. Where a score s
lies in that band is its attainment, a_c = clip((s_c - m_c) / (t_c - m_c), 0, 1): 0 at the
minimum, 1 at the target or above. The fit index (0-100), over the competencies that have a
score, is the weighted mean attainment:

    fit = 100 * sum(w_c * a_c) / sum(w_c)

100 means every target is reached; 0 means every competency sits at its minimum. Scoring
above a target does not make up for a shortfall elsewhere. On point scores, a profile
*qualifies* when fit >= its `fit_threshold` and no competency is below its `minimum`; without
scores for at least `MIN_COVERAGE` (70%) of the profile's weight there is no fit index. Teams
and develop-or-hire use this point view.

The recommendation itself is made from probabilities that take each score's standard error
into account: `app.scoring.decision` (outcomes active, passive, both, neither, uncertain,
insufficient_data, invalid; knock-outs only when the interval's upper bound is below the
minimum). `recommend` below runs it for competency scores alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.scoring.definitions import CompetencyModel, Profile
from app.scoring.reliability import BAND_Z

MIN_COVERAGE = 0.7
DEFAULT_MARGIN = 5.0
ROLES = ("active", "passive")

Confidence = Literal["high", "medium", "low"]
Scores = Mapping[str, float | None]


def attainment(score: float, minimum: float, target: float) -> float:
    """clip((score - minimum) / (target - minimum), 0, 1); a step at the target when they meet."""
    if target <= minimum:
        return 1.0 if score >= target else 0.0
    return min(1.0, max(0.0, (score - minimum) / (target - minimum)))


@dataclass(frozen=True)
class Contribution:
    """One competency's part in a profile's fit."""

    competency: str
    weight: float
    score: float | None
    target: float
    minimum: float

    @property
    def attainment(self) -> float | None:
        """Where the score lies between the minimum (0) and the target (1); None without one."""
        return None if self.score is None else attainment(self.score, self.minimum, self.target)

    @property
    def knocked_out(self) -> bool:
        return self.score is not None and self.score < self.minimum

    @property
    def weighted_shortfall(self) -> float:
        attainment = self.attainment
        return 0.0 if attainment is None else self.weight * (1.0 - attainment)


@dataclass(frozen=True)
class ProfileFit:
    profile: str
    threshold: float
    fit: float | None
    fit_sem: float | None
    coverage: float
    contributions: list[Contribution]

    @property
    def knockouts(self) -> list[Contribution]:
        return [c for c in self.contributions if c.knocked_out]

    @property
    def qualifies(self) -> bool | None:
        """True or False; None when there is not enough data to say."""
        if self.knockouts:
            return False
        if self.fit is None:
            return None
        return self.fit >= self.threshold

    @property
    def margin(self) -> float:
        return BAND_Z * self.fit_sem if self.fit_sem is not None else DEFAULT_MARGIN

    @property
    def strengths(self) -> list[str]:
        """Competencies at or above target, heaviest weight first."""
        met = [c for c in self.contributions if c.attainment == 1.0]
        return [c.competency for c in sorted(met, key=lambda c: -c.weight)]

    @property
    def gaps(self) -> list[str]:
        """Competencies below target, largest weighted shortfall first."""
        short = [c for c in self.contributions if c.weighted_shortfall > 0]
        return [c.competency for c in sorted(short, key=lambda c: -c.weighted_shortfall)]


def _known(value: float | None) -> float | None:
    """A score, or None when missing (None or NaN, the engine's mark for a missing score)."""
    return None if value is None or not math.isfinite(value) else float(value)


def profile_fit(
    profile_id: str, profile: Profile, scores: Scores, sems: Mapping[str, float] | None = None
) -> ProfileFit:
    """The fit of one person's competency scores to one profile."""
    contributions = [
        Contribution(
            cid, weight, _known(scores.get(cid)), profile.targets[cid], profile.minimums[cid]
        )
        for cid, weight in profile.weights.items()
    ]
    scored = [c for c in contributions if c.score is not None]
    total = sum(c.weight for c in contributions)
    coverage = sum(c.weight for c in scored) / total if total else 0.0
    fit = fit_sem = None
    if scored and coverage >= MIN_COVERAGE - 1e-9:
        weight = sum(c.weight for c in scored)
        fit = 100.0 * sum(c.weight * (c.attainment or 0.0) for c in scored) / weight
        if sems is not None and all(c.competency in sems for c in scored):
            # d fit / d s_c = 100 w_c / ((t_c - m_c) W) inside the band, 0 outside it;
            # measurement errors of different competencies are taken as independent.
            variance = sum(
                (100.0 * c.weight / ((c.target - c.minimum) * weight) * sems[c.competency]) ** 2
                for c in scored
                if c.score is not None and c.minimum < c.score < c.target
            )
            fit_sem = math.sqrt(variance)
    return ProfileFit(profile_id, profile.fit_threshold, fit, fit_sem, coverage, contributions)


@dataclass(frozen=True)
class RoleFit:
    """The recommendation for one person, with its confidence and reasons."""

    recommendation: str  # one of decision.OUTCOMES
    confidence: Confidence
    profiles: dict[str, ProfileFit]
    cautions: list[str] = field(default_factory=list)
    summary: dict[str, str] = field(default_factory=dict)  # language -> one or two sentences
    probabilities: dict[str, float | None] = field(default_factory=dict)


DEFAULT_SE = 6.0
"""The standard error assumed for a competency score when none is given (about what the
shipped candidate battery gives after combining its methods)."""


def recommend(
    model: CompetencyModel,
    scores: Scores,
    *,
    flags: Sequence[str] = (),
    sems: Mapping[str, float] | None = None,
) -> RoleFit:
    """Fit to every profile and the recommendation of `decision.decide` for competency scores
    alone (no scale components), each with its standard error (`DEFAULT_SE` when unknown).

    `app.scoring.person.score_person` is the entry point from answers; this is for callers
    that hold competency scores only (the organisation generator, teams)."""
    from app.scoring.decision import Estimate, decide

    fits = {pid: profile_fit(pid, p, scores, sems) for pid, p in model.profiles.items()}
    estimates = {
        cid: Estimate(_known(scores.get(cid)), (sems or {}).get(cid, DEFAULT_SE))
        for cid in model.competencies
    }
    decision = decide(model, estimates, flags=flags)
    return RoleFit(
        decision.outcome,
        decision.confidence,
        fits,
        decision.cautions,
        decision.summary,
        {pid: r.probability for pid, r in decision.roles.items()},
    )


# ----------------------------------------------------------------------------- words


def _name(model: CompetencyModel, competency: str, language: str) -> str:
    """The competency's name in quotes (names such as "Negotiation and ..." contain "and")."""
    name = model.competencies[competency].name.get(language)
    return f"«{name}»" if language == "ru" else f"“{name}”"


def _join(names: list[str], language: str) -> str:
    conjunction = " и " if language == "ru" else " and "
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + conjunction + names[-1]


def _sentence(model: CompetencyModel, fit: ProfileFit, language: str) -> str:
    ru = language == "ru"
    role = model.profiles[fit.profile].name.get(language)
    if fit.knockouts:
        worst = min(fit.knockouts, key=lambda c: (c.score or 0.0) - c.minimum)
        name = _name(model, worst.competency, language)
        if ru:
            return f"{role}: не рекомендуется — {name} {worst.score:.0f} ниже минимума {worst.minimum:.0f}."
        return f"{role}: not recommended — {name} {worst.score:.0f} is below the minimum of {worst.minimum:.0f}."
    if fit.fit is None:
        scored = sum(1 for c in fit.contributions if c.score is not None)
        total = len(fit.contributions)
        if ru:
            return f"{role}: недостаточно данных (оценено компетенций: {scored} из {total})."
        return f"{role}: not enough data ({scored} of {total} competencies scored)."
    if fit.qualifies:
        strong = [_name(model, c, language) for c in fit.strengths[:2]]
        if ru:
            tail = f"; сильные стороны — {_join(strong, language)}" if strong else ""
            return f"{role}: подходит (индекс {fit.fit:.0f} из 100 при пороге {fit.threshold:.0f}){tail}."
        tail = f"; strongest in {_join(strong, language)}" if strong else ""
        return f"{role}: fits (index {fit.fit:.0f} of 100, threshold {fit.threshold:.0f}){tail}."
    weak = [_name(model, c, language) for c in fit.gaps[:2]]
    if ru:
        tail = f", больше всего не хватает: {_join(weak, language)}" if weak else ""
        return f"{role}: индекс {fit.fit:.0f} ниже порога {fit.threshold:.0f}{tail}."
    tail = f", mostly for lack of {_join(weak, language)}" if weak else ""
    return f"{role}: index {fit.fit:.0f} is under the {fit.threshold:.0f} needed{tail}."


def describe(model: CompetencyModel, fits: Mapping[str, ProfileFit], language: str) -> str:
    """One sentence per role, active first: what a head of sales reads in a minute."""
    order = [r for r in ROLES if r in fits] + [p for p in fits if p not in ROLES]
    return " ".join(_sentence(model, fits[pid], language) for pid in order)
