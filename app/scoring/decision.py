"""Decisions as probabilities: from scores with standard errors to a recommendation.

For each role profile the engine estimates

    P(role) = P(every measured component >= its minimum  and  fit >= fit_threshold)

where the components are the profile's competencies and its scale components (e.g. the
self-report's `sales_orientation` in `active`), and each true score is taken as normal
around the measured score with the score's standard error. The probability is computed by a
seeded Monte Carlo (`DecisionRules.draws` draws, seed `SEED`): the same scores always give
the same result, and the roles share the draws, so their difference (the differential
index) is estimated with its own error. The fit of a draw is the fit index of `fit.py`
(weighted attainment between minimum and target) over the measured components.

The recommendation follows from the probabilities with the cut-offs of the model's
`decision:` block (docs/scoring.md, "Decisions"):

* a role is *recommended* when P >= `recommend`, *ruled out* when P <= `reject`, else *open*;
* `both` — both roles recommended; `active` / `passive` — that role recommended, the other
  ruled out or open; `neither` — both ruled out; `uncertain` — otherwise (what would decide is
  named in `open_competencies` and `next_steps`);
* `insufficient_data` — no score at all, a required instrument not answered, or a profile
  with less than `min_coverage` of its weight measured; a competency no method measured is "not measured", never 0 and never a
  knock-out;
* `invalid` — a serious response-validity flag (`validity.FLAGS[code].severity`), whatever
  the scores say; the reasons are listed.

A knock-out is reported only when the upper bound of the score's interval is below the
minimum. Confidence is the smallest, over the roles that decide the outcome, of
max(P, 1 - P) — the probability that the verdict on the role is right — against the cut-offs
`confidence.high` and `confidence.medium`; a caution that the answers or methods disagree
lowers it one step. `uncertain`, `insufficient_data` and `invalid` have low confidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from app.scoring.definitions import CompetencyModel, DecisionRules, Profile
from app.scoring.fit import ROLES
from app.scoring.validity import FLAGS

SEED = 20261206
"""The Monte-Carlo seed: fixed, so the same input gives the same output."""

Outcome = Literal[
    "active", "passive", "both", "neither", "uncertain", "insufficient_data", "invalid"
]
OUTCOMES: tuple[str, ...] = (
    "active",
    "passive",
    "both",
    "neither",
    "uncertain",
    "insufficient_data",
    "invalid",
)
Verdict = Literal["recommended", "ruled_out", "open"]
Confidence = Literal["high", "medium", "low"]
LOWERING_FLAGS = ("method_discrepancy", "inconsistent")
"""Caution flags that lower the confidence one step (the evidence contradicts itself)."""


def z_for(level: float) -> float:
    """The normal quantile of a two-sided interval at `level` (0.8 -> 1.2816)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


@dataclass(frozen=True)
class Estimate:
    """A score on the 0-100 metric with its standard error; None = not measured."""

    score: float | None
    se: float | None

    @property
    def measured(self) -> bool:
        return self.score is not None and math.isfinite(self.score)

    def interval(self, z: float) -> tuple[float | None, float | None]:
        if self.score is None or self.se is None:
            return None, None
        return max(0.0, self.score - z * self.se), min(100.0, self.score + z * self.se)


@dataclass(frozen=True)
class Component:
    """One part of a profile: a competency or a scale, with its weight, target and minimum."""

    id: str
    kind: Literal["competency", "scale"]
    weight: float
    target: float
    minimum: float


def components(profile: Profile) -> list[Component]:
    out = [
        Component(cid, "competency", w, profile.targets[cid], profile.minimums[cid])
        for cid, w in profile.weights.items()
    ]
    out += [
        Component(sid, "scale", s.weight, s.target, s.minimum) for sid, s in profile.scales.items()
    ]
    return out


def _attainment(x: NDArray[np.float64], minimum: float, target: float) -> NDArray[np.float64]:
    if target <= minimum:
        return (x >= target).astype(np.float64)
    return np.clip((x - minimum) / (target - minimum), 0.0, 1.0)


@dataclass(frozen=True)
class RoleDecision:
    """One profile: fit with its interval, the probability of meeting it and the verdict."""

    profile: str
    threshold: float
    coverage: float
    fit: float | None
    fit_se: float | None
    fit_low: float | None
    fit_high: float | None
    probability: float | None
    verdict: Verdict | None
    knockouts: list[str]
    components: list[Component]
    unmeasured: list[str]


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    confidence: Confidence
    confidence_text: dict[str, str]
    roles: dict[str, RoleDecision]
    differential: dict[str, float] | None
    open_competencies: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    invalid_reasons: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)
    summary: dict[str, str] = field(default_factory=dict)
    scale_names: dict[str, dict[str, str]] = field(default_factory=dict)
    """Names of the profiles' scale components (e.g. sales_orientation) by language, as
    `decide` was given them; the sentences name them."""


def _role(
    pid: str,
    profile: Profile,
    estimates: Mapping[str, Estimate],
    draws: Mapping[str, NDArray[np.float64]],
    rules: DecisionRules,
    z: float,
) -> tuple[RoleDecision, NDArray[np.float64] | None]:
    parts = components(profile)
    measured = [c for c in parts if c.id in estimates and estimates[c.id].measured]
    total = sum(c.weight for c in parts)
    weight = sum(c.weight for c in measured)
    coverage = weight / total if total else 0.0
    knockouts = [
        c.id
        for c in measured
        if (high := estimates[c.id].interval(z)[1]) is not None and high < c.minimum
    ]
    unmeasured = [c.id for c in parts if c not in measured]
    if not measured or coverage < rules.min_coverage - 1e-9:
        return (
            RoleDecision(
                pid,
                profile.fit_threshold,
                coverage,
                None,
                None,
                None,
                None,
                None,
                None,
                knockouts,
                parts,
                unmeasured,
            ),
            None,
        )
    point = (
        100.0
        * sum(
            c.weight * float(_attainment(np.array([estimates[c.id].score]), c.minimum, c.target)[0])
            for c in measured
        )
        / weight
    )
    fit_draws = np.zeros(rules.draws)
    meets = np.ones(rules.draws, dtype=bool)
    for c in measured:
        x = draws[c.id]
        fit_draws += c.weight * _attainment(x, c.minimum, c.target)
        meets &= x >= c.minimum
    fit_draws *= 100.0 / weight
    probability = float(np.mean(meets & (fit_draws >= profile.fit_threshold - 1e-9)))
    tail = (1.0 - rules.level) / 2
    low, high = (float(v) for v in np.quantile(fit_draws, [tail, 1.0 - tail]))
    verdict: Verdict = (
        "recommended"
        if probability >= rules.recommend
        else "ruled_out"
        if probability <= rules.reject
        else "open"
    )
    return (
        RoleDecision(
            pid,
            profile.fit_threshold,
            coverage,
            point,
            float(np.std(fit_draws)),
            min(low, point),
            max(high, point),
            probability,
            verdict,
            knockouts,
            parts,
            unmeasured,
        ),
        fit_draws,
    )


def decide(
    model: CompetencyModel,
    estimates: Mapping[str, Estimate],
    *,
    flags: Sequence[str] = (),
    awaiting_rating: bool = False,
    missing_instruments: Sequence[str] = (),
    multi_method: Mapping[str, int] | None = None,
    self_report_excluded: str | None = None,
    scale_names: Mapping[str, Mapping[str, str]] | None = None,
) -> Decision:
    """The recommendation, its confidence and its reasons from component estimates.

    Parameters
    ----------
    estimates : per competency id and per scale id (a profile's scale components), the
        score and its standard error; missing or None = not measured.
    flags : the person's response-validity flag codes.
    awaiting_rating : a manager's rating belongs to the battery but is not given yet.
    missing_instruments : instruments of the battery the person was to answer and did not
        (outcome `insufficient_data`).
    multi_method : per competency, how many methods measured it (for `next_steps`).
    self_report_excluded : why the self-report was left out, if it was:
        "impression_management" (its flag) or "self_report_elevated" (far above the other
        methods; `person.self_report_elevation`).
    scale_names : per scale component id, its name per language (for the summary).
    """
    names = {sid: dict(by_language) for sid, by_language in (scale_names or {}).items()}
    rules = model.decision
    z = z_for(rules.level)
    rng = np.random.default_rng(SEED)
    ids = sorted(cid for cid, e in estimates.items() if e.measured)
    normal = rng.standard_normal((rules.draws, len(ids)))
    draws = {
        cid: np.clip(
            float(estimates[cid].score or 0.0) + float(estimates[cid].se or 0.0) * normal[:, k],
            0.0,
            100.0,
        )
        for k, cid in enumerate(ids)
    }
    roles: dict[str, RoleDecision] = {}
    fit_draws: dict[str, NDArray[np.float64] | None] = {}
    for pid, profile in model.profiles.items():
        roles[pid], fit_draws[pid] = _role(pid, profile, estimates, draws, rules, z)

    serious = sorted({f for f in flags if f in FLAGS and FLAGS[f].severity == "serious"})
    decided = [r for r in ROLES if r in roles]
    any_score = any(estimates[c].measured for c in model.competencies if c in estimates)
    outcome: Outcome
    if serious:
        outcome = "invalid"
    elif not any_score or missing_instruments or any(roles[r].probability is None for r in decided):
        outcome = "insufficient_data"
    else:
        verdicts = {r: roles[r].verdict for r in decided}
        yes = [r for r in decided if verdicts[r] == "recommended"]
        no = [r for r in decided if verdicts[r] == "ruled_out"]
        if len(yes) == 2:
            outcome = "both"
        elif len(yes) == 1:
            outcome = yes[0]  # type: ignore[assignment]
        elif len(no) == len(decided):
            outcome = "neither"
        else:
            outcome = "uncertain"

    confidence = _confidence(outcome, roles, rules, flags)
    differential = _differential(roles, fit_draws, rules)
    open_competencies: list[str] = []
    next_steps: list[str] = []
    if outcome == "uncertain":
        open_competencies = _open(model, roles, estimates, z)
        if open_competencies:
            next_steps.append("interview")
        if awaiting_rating:
            next_steps.append("manager_rating")
        single = [c for c in open_competencies if (multi_method or {}).get(c, 1) <= 1]
        if single or any(f in flags for f in LOWERING_FLAGS) or not open_competencies:
            next_steps.append("retest")
    cautions = [
        f"flag:{code}" for code in flags if code in FLAGS and FLAGS[code].severity == "caution"
    ]
    if any(not estimates.get(c, Estimate(None, None)).measured for c in model.competencies):
        cautions.append("missing_scores")
    if self_report_excluded:
        cautions.append("self_report_excluded")
    decision = Decision(
        outcome,
        confidence,
        {},
        roles,
        differential,
        open_competencies,
        next_steps,
        serious if outcome == "invalid" else [],
        cautions,
        scale_names=names,
    )
    texts = {language: confidence_words(decision, model, language) for language in ("ru", "en")}
    summary = {
        language: describe(model, decision, estimates, z, language, self_report_excluded)
        for language in ("ru", "en")
    }
    return Decision(
        outcome,
        confidence,
        texts,
        roles,
        differential,
        open_competencies,
        next_steps,
        decision.invalid_reasons,
        cautions,
        summary,
        names,
    )


def _confidence(
    outcome: Outcome,
    roles: Mapping[str, RoleDecision],
    rules: DecisionRules,
    flags: Sequence[str],
) -> Confidence:
    if outcome in ("uncertain", "insufficient_data", "invalid"):
        return "low"
    deciding = [
        r
        for r in ROLES
        if r in roles and roles[r].probability is not None and roles[r].verdict != "open"
    ]
    certainty = min(
        max(roles[r].probability or 0.0, 1.0 - (roles[r].probability or 0.0)) for r in deciding
    )
    levels: list[Confidence] = ["low", "medium", "high"]
    step = (
        2
        if certainty >= rules.confidence.high
        else 1
        if certainty >= rules.confidence.medium
        else 0
    )
    if any(f in flags for f in LOWERING_FLAGS):
        step = max(0, step - 1)
    return levels[step]


def _differential(
    roles: Mapping[str, RoleDecision],
    fit_draws: Mapping[str, NDArray[np.float64] | None],
    rules: DecisionRules,
) -> dict[str, float] | None:
    active, passive = fit_draws.get("active"), fit_draws.get("passive")
    if active is None or passive is None:
        return None
    difference = active - passive
    value = (roles["active"].fit or 0.0) - (roles["passive"].fit or 0.0)
    tail = (1.0 - rules.level) / 2
    low, high = (float(v) for v in np.quantile(difference, [tail, 1.0 - tail]))
    return {
        "value": value,
        "se": float(np.std(difference)),
        "low": min(low, value),
        "high": max(high, value),
    }


def _open(
    model: CompetencyModel,
    roles: Mapping[str, RoleDecision],
    estimates: Mapping[str, Estimate],
    z: float,
) -> list[str]:
    """The competencies whose true level would settle the open roles: those whose interval
    contains the minimum, then those with the largest weighted uncertainty inside the band
    between minimum and target (at most three)."""
    at_minimum: dict[str, float] = {}
    in_band: dict[str, float] = {}
    for role in roles.values():
        if role.verdict != "open":
            continue
        for c in role.components:
            if c.kind != "competency" or not estimates.get(c.id, Estimate(None, None)).measured:
                continue
            e = estimates[c.id]
            low, high = e.interval(z)
            if low is None or high is None:
                continue
            influence = c.weight * (e.se or 0.0) / max(1.0, c.target - c.minimum)
            if low < c.minimum <= high:
                at_minimum[c.id] = max(at_minimum.get(c.id, 0.0), influence)
            elif low < c.target and high > c.minimum:
                in_band[c.id] = max(in_band.get(c.id, 0.0), influence)
    ordered = sorted(at_minimum, key=lambda c: -at_minimum[c])
    ordered += [c for c in sorted(in_band, key=lambda c: -in_band[c]) if c not in at_minimum]
    return ordered[:3]


# ----------------------------------------------------------------------------- words


def _percent(p: float) -> str:
    value = round(100 * p)
    if value == 0 and p > 0:
        return "<1%"
    if value == 100 and p < 1:
        return ">99%"
    return f"{value:d}%"


def confidence_words(decision: Decision, model: CompetencyModel, language: str) -> str:
    """The confidence in plain words, with the probabilities it comes from."""
    ru = language == "ru"
    parts = []
    for pid in [r for r in ROLES if r in decision.roles]:
        role = decision.roles[pid]
        name = model.profiles[pid].name.get(language)
        if role.probability is None:
            parts.append(f"{name}: " + ("недостаточно данных" if ru else "not enough data"))
        elif ru:
            parts.append(f"{name}: вероятность соответствия {_percent(role.probability)}")
        else:
            parts.append(f"{name}: {_percent(role.probability)} likely to meet the profile")
    lead = "; ".join(parts) + "."
    if decision.outcome == "invalid":
        tail = (
            "Ответы недостоверны, решение не принимается."
            if ru
            else "The answers are not valid, so no decision is made."
        )
    elif decision.outcome == "insufficient_data":
        tail = "Данных слишком мало, чтобы судить." if ru else "There is too little data to judge."
    elif decision.outcome == "uncertain":
        tail = (
            "Низкая уверенность: данные не позволяют решить, нужна дополнительная проверка."
            if ru
            else "Low confidence: the evidence does not decide; more evidence is needed."
        )
    else:
        deciding = [
            r for r in decision.roles.values() if r.probability is not None and r.verdict != "open"
        ]
        wrong = max(min(r.probability or 0.0, 1 - (r.probability or 0.0)) for r in deciding)
        words = {
            "high": ("Высокая уверенность", "High confidence"),
            "medium": ("Средняя уверенность", "Medium confidence"),
            "low": ("Низкая уверенность", "Low confidence"),
        }[decision.confidence]
        if ru:
            tail = (
                f"{words[0]}: вероятность, что вывод по роли ошибочен, не больше {_percent(wrong)}."
            )
        else:
            tail = f"{words[1]}: the chance that the verdict on a role is wrong is at most {_percent(wrong)}."
        if any(f"flag:{code}" in decision.cautions for code in LOWERING_FLAGS):
            tail += (
                " Уверенность снижена: методы или ответы противоречат друг другу."
                if ru
                else " Lowered because methods or answers contradict each other."
            )
    return f"{lead} {tail}"


def _name(
    model: CompetencyModel,
    cid: str,
    language: str,
    scale_names: Mapping[str, Mapping[str, str]],
) -> str:
    if cid in model.competencies:
        name = model.competencies[cid].name.get(language)
    else:
        name = scale_names.get(cid, {}).get(language) or cid.replace("_", " ")
    return f"«{name}»" if language == "ru" else f"“{name}”"


def _role_sentence(
    model: CompetencyModel,
    role: RoleDecision,
    estimates: Mapping[str, Estimate],
    z: float,
    language: str,
    scale_names: Mapping[str, Mapping[str, str]],
) -> str:
    ru = language == "ru"
    name = model.profiles[role.profile].name.get(language)
    if role.probability is None:
        count = sum(1 for c in role.components if c.id not in role.unmeasured)
        if ru:
            return f"{name}: недостаточно данных (оценено {count} из {len(role.components)})."
        return f"{name}: not enough data ({count} of {len(role.components)} measured)."
    p = _percent(role.probability)
    if role.knockouts:
        minimum = {c.id: c.minimum for c in role.components}
        worst = min(role.knockouts, key=lambda c: (estimates[c].score or 0.0) - minimum[c])
        high = estimates[worst].interval(z)[1] or 0.0
        score = estimates[worst].score or 0.0
        worst_name = _name(model, worst, language, scale_names)
        if ru:
            return (
                f"{name}: не рекомендуется ({p}) — {worst_name} {score:.0f} "
                f"(не выше {high:.0f}) ниже минимума {minimum[worst]:.0f}."
            )
        return (
            f"{name}: not recommended ({p}) — {worst_name} {score:.0f} "
            f"(at most {high:.0f}) is below the minimum of {minimum[worst]:.0f}."
        )
    band = f"{role.fit:.0f} [{role.fit_low:.0f}–{role.fit_high:.0f}]"
    measured = [c for c in role.components if c.id not in role.unmeasured]
    met = sorted(
        (c for c in measured if (estimates[c.id].score or 0.0) >= c.target),
        key=lambda c: -c.weight,
    )
    short = sorted(
        (c for c in measured if (estimates[c.id].score or 0.0) < c.target),
        key=lambda c: (
            -c.weight
            * (c.target - max(c.minimum, estimates[c.id].score or 0.0))
            / max(1.0, c.target - c.minimum)
        ),
    )
    strong = _join([_name(model, c.id, language, scale_names) for c in met[:2]], language)
    weak = _join([_name(model, c.id, language, scale_names) for c in short[:2]], language)
    if role.verdict == "recommended":
        if ru:
            tail = f"; сильные стороны — {strong}" if strong else ""
            return (
                f"{name}: рекомендуется ({p}; индекс {band} при пороге {role.threshold:.0f}){tail}."
            )
        tail = f"; strongest in {strong}" if strong else ""
        return f"{name}: recommended ({p}; index {band}, threshold {role.threshold:.0f}){tail}."
    if role.verdict == "ruled_out":
        if ru:
            tail = f", больше всего не хватает: {weak}" if weak else ""
            return f"{name}: не рекомендуется ({p}; индекс {band} при пороге {role.threshold:.0f}){tail}."
        tail = f", mostly for lack of {weak}" if weak else ""
        return f"{name}: not recommended ({p}; index {band}, threshold {role.threshold:.0f}){tail}."
    if ru:
        return f"{name}: не решено ({p}; индекс {band} при пороге {role.threshold:.0f})."
    return f"{name}: undecided ({p}; index {band}, threshold {role.threshold:.0f})."


def _join(names: list[str], language: str) -> str:
    if not names:
        return ""
    conjunction = " и " if language == "ru" else " and "
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + conjunction + names[-1]


def describe(
    model: CompetencyModel,
    decision: Decision,
    estimates: Mapping[str, Estimate],
    z: float,
    language: str,
    self_report_excluded: str | None = None,
) -> str:
    """A few sentences a head of sales reads in a minute: why this outcome."""
    ru = language == "ru"
    sentences: list[str] = []
    if decision.outcome == "invalid":
        reasons = " ".join(FLAGS[code].text(language) for code in decision.invalid_reasons)
        sentences.append(
            ("Результат недостоверен: " if ru else "The result is not valid: ") + reasons
        )
        sentences.append(
            "Отправьте новую ссылку на затронутую методику."
            if ru
            else "Send a fresh link for the affected instrument."
        )
        return " ".join(sentences)
    if not any(e.measured for e in estimates.values()):
        return (
            "Нет ни одной оценки: ответов пока недостаточно."
            if ru
            else "No score at all: there are not enough answers yet."
        )
    for pid in [r for r in ROLES if r in decision.roles] + [
        p for p in decision.roles if p not in ROLES
    ]:
        sentences.append(
            _role_sentence(model, decision.roles[pid], estimates, z, language, decision.scale_names)
        )
    if decision.open_competencies:
        names = ", ".join(
            _name(model, c, language, decision.scale_names) for c in decision.open_competencies
        )
        sentences.append(
            f"Решение зависит от: {names}." if ru else f"What would decide it: {names}."
        )
    if self_report_excluded == "impression_management":
        sentences.append(
            "Самооценка не учтена: очень высокий показатель социальной желательности."
            if ru
            else "The self-report was left out: impression management was very high."
        )
    elif self_report_excluded:
        sentences.append(
            "Самооценка не учтена: она намного выше оценок по другим методам."
            if ru
            else "The self-report was left out: it is far above what the other methods show."
        )
    return " ".join(sentences)
