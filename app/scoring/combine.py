"""Competency scores as the precision-weighted combination of method scores.

Every method's score s_m on a competency carries a standard error SE_m from the reliability
of that sub-scale (`reliability_of`, below). Methods combine by inverse-variance weighting
on top of the declared instrument weights w_m (a self-report, easy to fake, is declared
lighter):

    v_m = w_m / SE_m^2          effective weight of method m (shown normalised to sum 1)
    competency = sum(v_m * s_m) / sum(v_m)
    SE = sqrt(sum(v_m^2 * SE_m^2)) / sum(v_m)      (errors of different methods independent)

so a 2-item sub-scale cannot outweigh an 8-item one however the weights are declared. With
equal declared weights this is the textbook 1 / sqrt(sum(1 / SE_m^2)).

A method whose score is excluded for a person (the self-report when impression management is
flagged) is listed with effective weight 0 and the reason, and does not enter the score.

**Discrepancy.** Two methods disagree about a competency when their difference exceeds
1.96 standard errors of that difference: |s_a - s_b| > 1.96 * sqrt(SE_a^2 + SE_b^2). The
person-level `method_discrepancy` flag corrects for the number of pairs compared
(`person_discrepancy`): with 7 competencies and 3 methods, 21 tests at 5% would flag most
honest people by chance alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist

DISCREPANCY_Z = 1.959963984540054
"""Methods disagree when their difference exceeds this many standard errors (two-sided 5%)."""


@dataclass(frozen=True)
class Reliability:
    """The reliability of one sub-scale's score and the SD of such scores among the people
    assessed; `source` is "prior" (declared in the instrument's YAML) or "organisation"
    (alpha over the organisation's completed sessions, `n` of them)."""

    reliability: float
    sd: float
    source: str = "prior"
    n: int | None = None

    @property
    def se(self) -> float:
        """Standard error of measurement on the 0-100 metric: SD * sqrt(1 - reliability)."""
        return self.sd * math.sqrt(max(0.0, 1.0 - self.reliability))


@dataclass(frozen=True)
class MethodScore:
    """One instrument's score for one competency."""

    instrument_id: str
    instrument_type: str
    weight: float
    score: float
    se: float | None = None
    reliability: Reliability | None = None
    effective_weight: float = 0.0
    excluded: str | None = None


@dataclass(frozen=True)
class CompetencyScore:
    competency: str
    score: float | None
    methods: list[MethodScore]
    discrepancy: bool
    se: float | None = None
    largest_z: float = 0.0  # the largest |a - b| / SE(a - b) over the method pairs
    pairs: int = 0  # how many method pairs were compared

    @property
    def measured(self) -> bool:
        return self.score is not None

    @property
    def spread(self) -> float:
        values = [m.score for m in self.methods if m.excluded is None]
        return max(values) - min(values) if len(values) > 1 else 0.0


@dataclass(frozen=True)
class MethodResult:
    """What one instrument said about a person: its scale scores (None = not enough answers),
    the reliability of each scale, and why the whole method is excluded, if it is."""

    instrument_id: str
    instrument_type: str
    weight: float
    scores: Mapping[str, float | None]
    reliabilities: Mapping[str, Reliability] = field(default_factory=dict)
    excluded: str | None = None


DEFAULT_RELIABILITY = Reliability(0.5, 20.0)
"""Used only for a method without a declared prior (an analyst's own instrument file)."""


def difference_z(a: MethodScore, b: MethodScore) -> float:
    """|a - b| / SE(a - b), SE(a - b) = sqrt(SE_a^2 + SE_b^2)."""
    se_a = a.se if a.se is not None else DEFAULT_RELIABILITY.se
    se_b = b.se if b.se is not None else DEFAULT_RELIABILITY.se
    return abs(a.score - b.score) / math.sqrt(se_a**2 + se_b**2)


def discrepant(a: MethodScore, b: MethodScore) -> bool:
    """|a - b| > 1.96 * SE(a - b)."""
    return difference_z(a, b) > DISCREPANCY_Z


def person_discrepancy(combined: Mapping[str, CompetencyScore], alpha: float = 0.05) -> bool:
    """Whether the methods disagree for the person as a whole: some pair's difference exceeds
    the Bonferroni-corrected critical value over all the pairs compared for that person
    (family-wise error `alpha`), so that an honest person measured without bias raises the
    `method_discrepancy` flag with probability at most `alpha`, however many competencies
    and methods the battery has. Each competency's own `discrepancy` uses 1.96."""
    pairs = sum(c.pairs for c in combined.values())
    if pairs == 0:
        return False
    critical = NormalDist().inv_cdf(1.0 - alpha / (2 * pairs))
    return any(c.largest_z > critical for c in combined.values())


def combine(
    competencies: Iterable[str], results: Iterable[MethodResult]
) -> dict[str, CompetencyScore]:
    """Every competency's combined score and standard error from the methods that scored it.

    A competency no method scored has score None (not measured), never 0.
    """
    results = list(results)
    combined = {}
    for competency in competencies:
        raw = [
            _method_score(result, competency)
            for result in results
            if result.scores.get(competency) is not None
        ]
        used = [m for m in raw if m.excluded is None]
        precision = {id(m): m.weight / (m.se or DEFAULT_RELIABILITY.se) ** 2 for m in used}
        total = sum(precision.values())
        methods = [
            MethodScore(
                m.instrument_id,
                m.instrument_type,
                m.weight,
                m.score,
                m.se,
                m.reliability,
                precision.get(id(m), 0.0) / total if total else 0.0,
                m.excluded,
            )
            for m in raw
        ]
        score = se = None
        if used and total > 0:
            score = sum(precision[id(m)] * m.score for m in used) / total
            se = math.sqrt(sum((precision[id(m)] * (m.se or 0.0)) ** 2 for m in used)) / total
        active = [m for m in methods if m.excluded is None]
        z = [difference_z(a, b) for i, a in enumerate(active) for b in active[i + 1 :]]
        combined[competency] = CompetencyScore(
            competency,
            score,
            methods,
            any(v > DISCREPANCY_Z for v in z),
            se,
            max(z, default=0.0),
            len(z),
        )
    return combined


def _method_score(result: MethodResult, competency: str) -> MethodScore:
    value = result.scores[competency]
    if value is None:
        raise ValueError(f"{result.instrument_id} has no score for {competency}")
    reliability = result.reliabilities.get(competency, DEFAULT_RELIABILITY)
    return MethodScore(
        result.instrument_id,
        result.instrument_type,
        result.weight,
        float(value),
        reliability.se,
        reliability,
        excluded=result.excluded,
    )
