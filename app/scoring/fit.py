"""Role fit: how well a person's competency scores meet a role profile, and what to recommend.

A profile sets, per competency, a minimum m (the knock-out) and a target t. Where a score s
lies in that band is its attainment, a_c = clip((s_c - m_c) / (t_c - m_c), 0, 1): 0 at the
minimum, 1 at the target or above. The fit index (0-100), over the competencies that have a
score, is the weighted mean attainment:

    fit = 100 * sum(w_c * a_c) / sum(w_c)

100 means every target is reached; 0 means every competency sits at its minimum. Scoring
above a target does not make up for a shortfall elsewhere. A profile
*qualifies* when fit >= its `fit_threshold` and no competency is below its `minimum`
(a knock-out). Without scores for at least `MIN_COVERAGE` (70%) of the profile's weight there
is no fit index. The recommendation over the `active` and `passive` profiles is `both`,
`active`, `passive` or `neither`.

Confidence starts `high` and drops for every reason to doubt: a serious response-validity
flag makes it `low` at once; each other flag, missing competency scores, a fit index within
the margin of its threshold, or a score within the margin of its minimum is a caution — one
caution gives `medium`, two or more `low`. The margin is 1.645 standard errors (a 90% band)
when standard errors are known from a reference group, else `DEFAULT_MARGIN` (5 points).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.scoring.definitions import CompetencyModel, Profile
from app.scoring.reliability import BAND_Z
from app.scoring.validity import FLAGS

MIN_COVERAGE = 0.7
DEFAULT_MARGIN = 5.0
ROLES = ("active", "passive")

Recommendation = Literal["active", "passive", "both", "neither"]
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

    recommendation: Recommendation
    confidence: Confidence
    profiles: dict[str, ProfileFit]
    cautions: list[str] = field(default_factory=list)
    summary: dict[str, str] = field(default_factory=dict)  # language -> one or two sentences


def recommend(
    model: CompetencyModel,
    scores: Scores,
    *,
    flags: Sequence[str] = (),
    sems: Mapping[str, float] | None = None,
) -> RoleFit:
    """Fit to every profile, the active/passive recommendation, its confidence and reasons."""
    fits = {pid: profile_fit(pid, p, scores, sems) for pid, p in model.profiles.items()}
    qualifying = [role for role in ROLES if role in fits and fits[role].qualifies]
    recommendation: Recommendation = (
        "both" if len(qualifying) == 2 else qualifying[0] if qualifying else "neither"  # type: ignore[assignment]
    )
    cautions = _cautions(fits, flags, sems)
    serious = any(FLAGS[f].severity == "serious" for f in flags if f in FLAGS)
    confidence: Confidence = (
        "low" if serious or len(cautions) >= 2 else "medium" if cautions else "high"
    )
    summary = {language: describe(model, fits, language) for language in ("ru", "en")}
    return RoleFit(recommendation, confidence, fits, cautions, summary)


def _cautions(
    fits: Mapping[str, ProfileFit], flags: Sequence[str], sems: Mapping[str, float] | None
) -> list[str]:
    cautions = [
        f"flag:{code}" for code in flags if code in FLAGS and FLAGS[code].severity == "caution"
    ]
    if any(f.coverage < 1.0 for f in fits.values()):
        cautions.append("missing_scores")
    for pid, fit in fits.items():
        if fit.fit is not None and abs(fit.fit - fit.threshold) < fit.margin:
            cautions.append(f"near_threshold:{pid}")
        for c in fit.contributions:
            margin = (
                BAND_Z * sems[c.competency] if sems and c.competency in sems else DEFAULT_MARGIN
            )
            if c.score is not None and abs(c.score - c.minimum) < margin:
                cautions.append(f"near_minimum:{pid}:{c.competency}")
    return cautions


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
